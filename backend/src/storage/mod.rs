//! The system of record: the [`Storage`] interface the aggregator writes
//! sealed frames to and long-range queries read from, its embedded SQLite
//! implementation, and the writer thread that commits in frame order.
//!
//! The in-memory rollups stay the hot cache in front of it: every frame is
//! folded into them and, in the same order, committed here as one
//! transaction. At start-up the rings are filled back from the store, so a
//! restart loses nothing that was committed (see `docs/ARCHITECTURE.md`,
//! "System of record").

pub mod restore;
pub mod schema;
pub mod sqlite;
pub mod writer;

use std::fmt;
use std::time::Duration;

use protocol::{Anomaly, Budget};

pub use crate::aggregation::{FrameCommit, SeriesName};
use crate::aggregation::{SeriesKey, Tier, WarmRow};

pub use restore::{Restored, restore};
pub use sqlite::SqliteStorage;
pub use writer::{Durability, Durable, StorageHandle, Writer};

/// What start-up loads back.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every series the store knows, by the store's own id.
    pub series: Vec<(i64, SeriesName)>,
    /// Recent rollups, by the store's series id: what the rings hold.
    pub rows: Vec<(i64, Tier, i64, crate::aggregation::Usage)>,
    /// Earlier runs as `[started_ms, last_ms]`.
    pub runs: Vec<(i64, i64)>,
    /// The newest anomalies, newest first.
    pub anomalies: Vec<Anomaly>,
    /// Every budget.
    pub budgets: Vec<Budget>,
}

/// How long each tier is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub seconds: Duration,
    pub minutes: Duration,
    pub hours: Duration,
}

impl Retention {
    pub fn of(&self, tier: Tier) -> Duration {
        match tier {
            Tier::Second => self.seconds,
            Tier::Minute => self.minutes,
            Tier::Hour | Tier::Day => self.hours,
        }
    }
}

/// Why the store could not do something, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageError(pub String);

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StorageError {}

/// A durable store. Writes come from one writer thread, in frame order;
/// reads (start-up, long-range queries) may come from any thread.
pub trait Storage: Send + Sync {
    /// Everything start-up needs, relative to `now_ms`.
    fn load(&self, now_ms: i64) -> Result<Loaded, StorageError>;

    /// Tells the store which key of this run each of its series has (after
    /// start-up interned the loaded names), so reads return keys.
    fn adopt(&self, keys: &[(i64, SeriesKey)]);

    /// Records that a run started recording.
    fn begin_run(&self, run: &str, started_ms: i64) -> Result<(), StorageError>;

    /// Commits one frame as one transaction: its rollups at every tier, and
    /// that `run` was recording until the frame was sealed.
    fn commit(&self, run: &str, frame: &FrameCommit) -> Result<(), StorageError>;

    /// Keeps the anomaly as stored now (new, refreshed or decided).
    fn save_anomaly(&self, anomaly: &Anomaly) -> Result<(), StorageError>;

    /// Sets the budget of its scope (a person's change: written at once,
    /// not through the frame queue).
    fn put_budget(&self, budget: &Budget) -> Result<(), StorageError>;

    /// Removes the budget of this scope, if stored.
    fn delete_budget(&self, scope: &Budget) -> Result<(), StorageError>;

    /// Deletes rows past their retention, at most about `max_rows` per call.
    fn prune(
        &self,
        now_ms: i64,
        retention: &Retention,
        max_rows: usize,
    ) -> Result<u64, StorageError>;

    /// The stored rollups of `tier` with buckets in `[from_ms, to_ms)`.
    fn read(&self, tier: Tier, from_ms: i64, to_ms: i64) -> Result<Vec<WarmRow>, StorageError>;

    /// Bytes the store takes on disk.
    fn size_bytes(&self) -> u64;
}
