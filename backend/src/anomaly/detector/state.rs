//! The state kept per entity and measure: readings, alarms, published
//! anomalies and cached baselines. Scoring, the entity tree, de-duplication
//! and publication all build on these types, so they sit below every one of
//! them and import none of them.

use std::collections::VecDeque;

use protocol::{Anomaly, EntityRef, Timestamp, TrendPoint};

use super::config::Shape;
use super::measure::{Measure, PerMeasure};
use crate::anomaly::baseline::Baseline;
use crate::anomaly::series::Series;

/// How one measure of one entity looks in the latest window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Reading {
    pub(super) observed: f64,
    pub(super) expected: f64,
    pub(super) score: f64,
    /// Significant and material: counts towards opening.
    pub(super) exceeds: bool,
    /// Back to baseline: counts towards ending.
    pub(super) calm: bool,
    pub(super) severe: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Published {
    pub(super) anomaly: Anomaly,
    /// When it was last returned by `evaluate`; `None` until first returned.
    pub(super) last_emitted: Option<Timestamp>,
    /// Least spacing of trend points, doubled whenever the trend is thinned.
    pub(super) trend_step_ms: i64,
    /// Largest excess over expected so far, in the measure's unit.
    pub(super) peak_excess: f64,
}

#[derive(Debug, Clone)]
pub(super) struct Alarm {
    /// First slot kept out of the baseline.
    pub(super) start_slot: i64,
    /// Windows since it began.
    pub(super) age: u32,
    /// Whether it was published or folded (decided once, when it begins).
    pub(super) decided: bool,
    /// End of the first exceeding window.
    pub(super) started_at: Timestamp,
    pub(super) calm: u32,
    pub(super) first_calm_at: Option<Timestamp>,
    pub(super) ended_at: Option<Timestamp>,
    pub(super) published: Option<Published>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct MetricState {
    pub(super) reading: Option<Reading>,
    /// Consecutive exceeding windows while not in alarm, and where they began.
    pub(super) streak: u32,
    pub(super) streak_start: i64,
    pub(super) alarm: Option<Alarm>,
    /// Latest trend points, for the part of a trend before an anomaly starts.
    pub(super) recent: VecDeque<TrendPoint>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct CachedBaselines {
    pub(super) last_block: i64,
    pub(super) exclusions: u64,
    /// Each measure's baseline and the last block it was computed up to.
    pub(super) baselines: PerMeasure<Option<(Baseline, i64)>>,
}

pub(super) fn new_series((block_slots, slots, blocks): Shape) -> Series {
    Series::new(block_slots, slots, blocks)
}

/// A scored entity: its series and the state of both measures.
#[derive(Debug, Clone)]
pub(super) struct Track {
    pub(super) entity: EntityRef,
    pub(super) series: Series,
    pub(super) states: PerMeasure<MetricState>,
    pub(super) cache: Option<CachedBaselines>,
}

impl Track {
    pub(super) fn new(entity: EntityRef, shape: Shape) -> Self {
        Track {
            entity,
            series: new_series(shape),
            states: Default::default(),
            cache: None,
        }
    }

    /// The entity's baseline tokens per call (0 before it has one).
    pub(super) fn fallback_tpc(&self) -> f64 {
        self.cache
            .and_then(|c| c.baselines[Measure::Tokens])
            .map_or(0.0, |(b, _)| b.median)
    }
}

/// Which tracked entity. Orders tenants, then customers, then models.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Key {
    Tenant(String),
    Customer(String, String),
    Model(String),
}
