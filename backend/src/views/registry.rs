//! `Views`: the views sessions watch or clients poll, each computed once per
//! tick and its change serialised once into a broadcast channel every
//! watcher reads, and kept for a few ticks for pollers. A view nobody
//! watches and nobody polled for [`POLL_KEEP`] is dropped at the next tick.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use bytestring::ByteString;
use chrono::Utc;
use parking_lot::Mutex;
use protocol::{ServerMessage, ViewUpdate};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::diff::ViewState;
use super::frame::ViewFrame;
use super::key::ViewKey;
use super::snapshot;
use crate::aggregation::Rollups;

/// Messages kept for a slow watcher before it lags and rejoins in full.
const CHANNEL: usize = 64;
/// Changes kept for pollers: 30 s of ticks; further behind, a poll gets the full view.
const POLL_LOG: usize = 120;
/// A view only polled is kept this long after the last poll.
pub const POLL_KEEP: Duration = Duration::from_secs(30);

/// Versions each view may use before the next view's start (2^21: six days
/// of ticks at 4 Hz).
const VERSIONS_PER_VIEW: u64 = 1 << 21;

/// Where each new view's versions start: far apart, so a view made again
/// never repeats a version a client still holds — nor does one made by a
/// restarted server, as the first base is the start time in seconds times
/// [`VERSIONS_PER_VIEW`] (so a server that made fewer views than it lived
/// seconds never reaches the next one's). Below 2^53: exact in a JS number.
static NEXT_BASE: LazyLock<AtomicU64> = LazyLock::new(|| {
    let secs = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
    AtomicU64::new(secs * VERSIONS_PER_VIEW)
});

struct Entry {
    state: ViewState,
    tx: broadcast::Sender<Arc<ViewFrame>>,
    /// The full view at the current version, serialised on first demand.
    full: Option<Arc<ViewFrame>>,
    /// The latest changes, oldest first, for pollers.
    log: VecDeque<ViewUpdate>,
    polled: Option<Instant>,
}

impl Entry {
    fn new(rollups: &Rollups, key: &ViewKey) -> Self {
        let base = NEXT_BASE.fetch_add(VERSIONS_PER_VIEW, Ordering::Relaxed);
        let mut state = ViewState::starting_at(base);
        let now = Utc::now();
        state.update(snapshot::compute(&rollups.read(), key, now), now);
        Entry {
            state,
            tx: broadcast::channel(CHANNEL).0,
            full: None,
            log: VecDeque::new(),
            polled: None,
        }
    }

    fn watched(&self) -> bool {
        self.tx.receiver_count() > 0 || self.polled.is_some_and(|t| t.elapsed() < POLL_KEEP)
    }
}

#[derive(Clone, Default)]
pub struct Views {
    inner: Arc<Mutex<HashMap<ViewKey, Entry>>>,
}

fn message(update: ViewUpdate) -> Arc<ViewFrame> {
    let message = ServerMessage::View {
        view: Box::new(update),
    };
    // Serialising plain data cannot fail.
    Arc::new(ViewFrame::new(ByteString::from(
        serde_json::to_string(&message).unwrap_or_default(),
    )))
}

impl Views {
    /// Starts watching `key`: the full view now, and the receiver of every
    /// change after it (subscribed under the same lock, so none is missed).
    pub fn join(
        &self,
        rollups: &Rollups,
        key: ViewKey,
    ) -> (Arc<ViewFrame>, broadcast::Receiver<Arc<ViewFrame>>) {
        let mut views = self.inner.lock();
        let entry = views
            .entry(key)
            .or_insert_with_key(|key| Entry::new(rollups, key));
        let full = entry
            .full
            .get_or_insert_with(|| message(entry.state.full(Utc::now())))
            .clone();
        (full, entry.tx.subscribe())
    }

    /// What a poller holding version `after` is missing: the changes after
    /// it, none when it is current, or the full view when it holds none the
    /// log still has (or nothing yet).
    pub fn poll(&self, rollups: &Rollups, key: ViewKey, after: Option<u64>) -> Vec<ViewUpdate> {
        let mut views = self.inner.lock();
        let entry = views
            .entry(key)
            .or_insert_with_key(|key| Entry::new(rollups, key));
        entry.polled = Some(Instant::now());
        let current = entry.state.version();
        match after {
            Some(v) if v == current => Vec::new(),
            Some(v) if entry.log.front().is_some_and(|u| u.version <= v + 1) && v < current => {
                entry
                    .log
                    .iter()
                    .filter(|u| u.version > v)
                    .cloned()
                    .collect()
            }
            _ => vec![entry.state.full(Utc::now())],
        }
    }

    /// Views watched now.
    pub fn len(&self) -> usize {
        self.inner.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One tick: drops unwatched views, and sends each watched one's change.
    pub fn tick(&self, rollups: &Rollups) {
        let mut views = self.inner.lock();
        views.retain(|_, e| e.watched());
        if views.is_empty() {
            return;
        }
        let state = rollups.read();
        let now = Utc::now();
        for (key, entry) in views.iter_mut() {
            if let Some(update) = entry.state.update(snapshot::compute(&state, key, now), now) {
                entry.full = None;
                if entry.polled.is_some() {
                    entry.log.push_back(update.clone());
                    if entry.log.len() > POLL_LOG {
                        entry.log.pop_front();
                    }
                }
                if entry.tx.receiver_count() > 0 {
                    // A receiver gone since is fine.
                    let _ = entry.tx.send(message(update));
                }
            }
        }
    }

    /// Ticks every `every` until `shutdown`.
    pub async fn run(self, rollups: Arc<Rollups>, every: Duration, shutdown: CancellationToken) {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = interval.tick() => self.tick(&rollups),
            }
        }
    }
}
