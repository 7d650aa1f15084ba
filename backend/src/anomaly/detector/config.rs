//! The detector's tunables, with their defaults, and the slot arithmetic
//! derived from them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use protocol::Timestamp;

/// Tunables. The defaults suit the simulator's default traffic (7 tenants,
/// 100 customers, 400 reports/s) and real traffic of similar granularity.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorConfig {
    /// Width of one time slot.
    pub slot: Duration,
    /// Slots in the scored window, and in each baseline block.
    pub window_slots: usize,
    /// Blocks in the trailing baseline.
    pub baseline_blocks: usize,
    /// Usable baseline blocks needed before an entity is scored (warm-up).
    pub min_baseline_blocks: usize,
    /// A slot is scored once it ended this long before `now`, so late frames are in.
    pub settle: Duration,
    /// Robust z-score to open an anomaly.
    pub open_z: f64,
    /// Robust z-score below which an anomaly counts as back to baseline.
    pub end_z: f64,
    /// Robust z-score needed (with a large excess) for critical severity.
    pub critical_z: f64,
    /// Consecutive exceeding windows needed to open.
    pub open_after: u32,
    /// Consecutive calm windows needed to end.
    pub end_after: u32,
    /// Smallest cost excess worth an alert, USD/h.
    pub min_excess_usd_per_hour: f64,
    /// Smallest cost excess worth an alert, as a fraction of expected.
    pub min_excess_fraction: f64,
    /// Cost excess for critical severity, USD/h.
    pub critical_excess_usd_per_hour: f64,
    /// Cost excess for critical severity, as a fraction of expected.
    pub critical_excess_fraction: f64,
    /// Calls in a window needed to score its tokens per call.
    pub min_calls: u64,
    /// Observed ÷ expected tokens per call needed to open.
    pub min_tokens_ratio: f64,
    /// Observed ÷ expected tokens per call for critical severity.
    pub critical_tokens_ratio: f64,
    /// Least cost-rate scale, USD/h: guards entities whose MAD is 0.
    pub cost_scale_floor: f64,
    /// Least cost-rate scale as a multiple of the counting noise of a window,
    /// √(mean Σ cost² of its reports): a few reports per window, some on an
    /// expensive model, vary far more than the MAD of quiet windows says.
    pub count_noise_factor: f64,
    /// Least scale as a fraction of the median, for both measures.
    pub relative_scale_floor: f64,
    /// Share of a parent's excess that makes one child "the" cause.
    pub explain_share: f64,
    /// Share of a model's excess coming from tenants and customers already in
    /// alarm that makes the model's own alert redundant.
    pub covered_share: f64,
    /// An open anomaly is re-sent with fresh numbers at most this often.
    pub refresh_every: Duration,
    /// Longest time an anomaly keeps its blocks out of its baseline.
    pub max_exclusion: Duration,
    /// Most series (tenants + customers + models + customer–model pairs) tracked.
    pub max_series: usize,
    /// Contributors listed in a cause.
    pub max_contributors: usize,
    /// Trend points kept from before an anomaly starts.
    pub trend_lead_points: usize,
    /// Most trend points in an anomaly (older ones are thinned out).
    pub max_trend_points: usize,
    /// Most windows scored in one `evaluate` after a pause.
    pub max_catch_up: usize,
    /// Start of every anomaly id (`<prefix>-000001`, …). The server gives
    /// each run its own (see `startup::run_id`) so ids never repeat across
    /// restarts and a stale link cannot act on a different incident.
    pub id_prefix: String,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            slot: Duration::from_secs(5),
            window_slots: 6,
            baseline_blocks: 60,
            min_baseline_blocks: 20,
            settle: Duration::from_secs(1),
            open_z: 6.0,
            end_z: 2.5,
            critical_z: 12.0,
            open_after: 2,
            end_after: 2,
            min_excess_usd_per_hour: 2.0,
            min_excess_fraction: 0.3,
            critical_excess_usd_per_hour: 50.0,
            critical_excess_fraction: 1.0,
            min_calls: 30,
            min_tokens_ratio: 1.5,
            critical_tokens_ratio: 2.5,
            cost_scale_floor: 0.5,
            count_noise_factor: 1.5,
            relative_scale_floor: 0.05,
            explain_share: 0.7,
            covered_share: 0.5,
            refresh_every: Duration::from_secs(10),
            max_exclusion: Duration::from_secs(20 * 60),
            max_series: 4096,
            max_contributors: 5,
            trend_lead_points: 36,
            max_trend_points: 60,
            max_catch_up: 12,
            id_prefix: "anm".into(),
        }
    }
}

impl DetectorConfig {
    /// The config with every count the arithmetic divides by or waits for at
    /// least 1, and the warm-up no longer than the baseline.
    pub(super) fn normalized(self) -> Self {
        let mut config = self;
        config.window_slots = config.window_slots.max(1);
        config.baseline_blocks = config.baseline_blocks.max(1);
        config.min_baseline_blocks = config.min_baseline_blocks.clamp(1, config.baseline_blocks);
        config.open_after = config.open_after.max(1);
        config.end_after = config.end_after.max(1);
        config.max_trend_points = config.max_trend_points.max(2);
        config.max_catch_up = config.max_catch_up.max(1);
        config
    }

    /// The shape every series is created with.
    pub(super) fn shape(&self) -> Shape {
        let window = self.window_slots;
        (window, 2 * window + 16, self.baseline_blocks + 6)
    }
}

/// Slots per block, slot capacity and block capacity of every series: the
/// window, twice it plus slack for late and early data, and the baseline
/// plus the blocks the window and that slack can touch.
pub(super) type Shape = (usize, usize, usize);

/// Slot arithmetic derived from the config.
#[derive(Debug, Clone, Copy)]
pub(super) struct Geometry {
    pub(super) slot_ms: i64,
    pub(super) window: i64,
    pub(super) blocks: i64,
}

impl Geometry {
    pub(super) fn new(config: &DetectorConfig) -> Self {
        Geometry {
            slot_ms: (config.slot.as_millis() as i64).max(1),
            window: config.window_slots as i64,
            blocks: config.baseline_blocks as i64,
        }
    }

    pub(super) fn slot_of(&self, t: Timestamp) -> i64 {
        t.timestamp_millis().div_euclid(self.slot_ms)
    }

    pub(super) fn time_of(&self, slot: i64) -> Timestamp {
        DateTime::<Utc>::from_timestamp_millis(slot.saturating_mul(self.slot_ms))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    pub(super) fn window_secs(&self) -> f64 {
        (self.window * self.slot_ms) as f64 / 1000.0
    }

    /// The newest block entirely before the window ending (exclusively) at slot `end`.
    pub(super) fn last_baseline_block(&self, end: i64) -> i64 {
        (end - self.window).div_euclid(self.window) - 1
    }

    /// The baseline blocks of the window ending at `end`, oldest first.
    pub(super) fn baseline_blocks(&self, end: i64) -> std::ops::RangeInclusive<i64> {
        let last = self.last_baseline_block(end);
        (last - self.blocks + 1)..=last
    }
}
