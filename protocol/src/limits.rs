//! Limits and defaults that the server enforces and clients plan around.

use std::time::Duration;

/// How far back history can be queried by default: the hourly rollups'
/// retention (`--retain-hours-days`). A server may keep less or more; its
/// range errors say how much.
pub const RETENTION: Duration = Duration::from_secs(400 * 24 * 3600);

/// Slack granted to `from` on top of the retention, so a preset computed on
/// a client a moment earlier still fits.
pub const RETENTION_SLACK: Duration = Duration::from_secs(5 * 60);

/// Oldest report timestamp ingest accepts: reports arrive live or shortly
/// after; older back-fills would miss the fine-grained rings.
pub const MAX_INGEST_AGE: Duration = Duration::from_secs(24 * 3600);

/// How far in the future a timestamp may be (clock skew between machines).
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// The server coalesces ingested updates into one frame per this period.
pub const FRAME_MS: u32 = 250;

/// WebSocket session ticks a client may choose; each is a whole number of frames.
pub const TICK_OPTIONS_MS: [u32; 5] = [250, 500, 1000, 2000, 5000];

/// Session tick used when a client does not choose one.
pub const DEFAULT_TICK_MS: u32 = 250;

/// `GET /api/metrics`: updates per response unless `limit` says otherwise.
pub const POLL_LIMIT_DEFAULT: usize = 2_000;

/// `GET /api/metrics`: largest `limit` accepted.
pub const POLL_LIMIT_MAX: usize = 10_000;

/// `POST /api/ingest`: most updates in one batch.
pub const MAX_INGEST_BATCH: usize = 20_000;

/// History buckets: customers listed per bucket unless `customers` says otherwise.
pub const HISTORY_CUSTOMERS_DEFAULT: usize = 25;

/// History buckets: largest `customers` accepted.
pub const HISTORY_CUSTOMERS_MAX: usize = 1_000;

/// Largest count (calls, tokens) accepted in one report: 2^53 − 1, the
/// largest integer a JavaScript client holds exactly.
pub const MAX_SAFE_COUNT: u64 = (1 << 53) - 1;

/// Longest identifier (tenant, customer, model) accepted on ingest.
pub const MAX_ID_LEN: usize = 128;

/// Longest reason accepted when acknowledging or dismissing an anomaly.
pub const MAX_REASON_LEN: usize = 500;
