//! The anomaly detector: per-entity baselines, scoring, persistence and
//! hysteresis, de-duplication, and the anomalies people see.
//!
//! # Method
//!
//! Every tenant, customer and model has a [`Series`] of 5 s slots. At each
//! evaluation the detector scores the latest sealed 30 s window (6 slots) of
//! two measures, **cost rate** (USD/h) and **tokens per call**, with a robust
//! z-score against the median and MAD of the same measure over the previous
//! 60 aligned 30 s blocks (30 min). Why this and not a seasonal EWMA:
//!
//! - The only seasonality that matters within minutes is the slow daily
//!   rhythm, and a 30 min trailing median follows it (it moves a few % per
//!   minute, so the median lags by a few %). A seasonal model would need days
//!   of history before it is any use; this one needs ten minutes.
//! - Spend per window is skewed and heavy-tailed (a few whales, log-normal
//!   prompts). Mean and standard deviation (what an EWMA tracks) are dragged
//!   by every past spike; median and MAD are not, and there is no smoothing
//!   constant to tune per entity.
//! - Blocks that overlap an anomaly of the entity are left out of its
//!   baseline, so an incident does not become its own normal. They are left
//!   out for at most `max_exclusion` (20 min) after the start, so a lasting
//!   shift does become the new normal instead of an endless alarm.
//!
//! # Rules
//!
//! - **Warm-up**: an entity is scored only once it has `min_baseline_blocks`
//!   usable blocks (20 × 30 s = 10 min) recorded after it was first seen.
//!   Tokens per call needs as many blocks with at least `min_calls` calls.
//! - **Open**: z ≥ `open_z` and a material excess, in `open_after` (2)
//!   consecutive windows. Material for cost: excess ≥ `min_excess_usd_per_hour`
//!   and ≥ `min_excess_fraction` × expected, so a $0.02/h customer doubling is
//!   not an alert. Material for tokens per call: at least `min_calls` calls in
//!   the window and observed ≥ `min_tokens_ratio` × expected. Only rises are
//!   anomalies: a FinOps team acts on spend going up.
//! - **End** (hysteresis): z < `end_z` or the excess below half of the
//!   material threshold, in `end_after` (2) consecutive windows.
//! - **Severity**: critical once z ≥ `critical_z` and the excess is large
//!   (cost: ≥ `critical_excess_usd_per_hour` and ≥ `critical_excess_fraction` ×
//!   expected; tokens: ≥ `critical_tokens_ratio` × expected); it never goes back.
//! - **One alert per cause**. An entity in alarm is published unless:
//!   1. the same entity already has a published anomaly on the other measure
//!      (cost is decided first when both begin together): one entity, one alert;
//!   2. it is a tenant and one customer accounts for ≥ `explain_share` (70 %)
//!      of its net excess: that customer's own alert says it better;
//!   3. it is a customer whose tenant is in alarm on the same metric and the
//!      tenant's alarm is published or not explained by this customer: the
//!      tenant-wide alert (a surge) lists it among its contributors;
//!   4. it is a model and one customer accounts for ≥ `explain_share` of its
//!      net excess, or tenants and customers that are themselves in alarm on
//!      the same measure account for ≥ `covered_share` (50 %) of it.
//!
//!   The decision is made once, when the alarm begins (a customer whose
//!   tenant is exceeding but not yet in alarm waits up to two windows for it);
//!   published anomalies stay until they end, and folded alarms stay quiet
//!   until they end but still keep their blocks out of the baseline. "In
//!   alarm" in rule 4 includes entities exceeding for the first time.
//!
//! # Cost and memory
//!
//! `observe` is O(updates): four ordered-map lookups per update. `evaluate`
//! scores every entity from 6 slots plus a baseline cached per sealed block,
//! and decomposes pairs only for entities in alarm (release build, 321
//! entities and 600 pairs: ~40 µs per evaluation, ~0.5 ms when the baselines
//! roll over every 30 s). Memory is bounded by `max_series` (tenants +
//! customers + models + customer–model pairs; updates for ids beyond it are
//! not tracked), each series a fixed (2 × window + 16 slots + baseline + 6
//! blocks) × 64 bytes ≈ 6 KB with the defaults, plus ~2 KB of recent trend
//! points per scored entity: at most ≈ 30 MB at the default cap of 4,096
//! series. Entities silent for longer than the baseline and not in alarm are
//! dropped every 10 min.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use protocol::{
    Anomaly, AnomalyMetric, AnomalyStatus, Cause, EntityKind, EntityRef, MetricUpdate, Severity,
    Timestamp, TrendPoint,
};

use super::baseline::{Baseline, baseline};
use super::cause::{PairUsage, Subject, Usage, covered_share, dominant, explain};
use super::series::{Series, Totals};

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
        }
    }
}

const COST: usize = 0;
const TOKENS: usize = 1;
const METRICS: [AnomalyMetric; 2] = [AnomalyMetric::CostRate, AnomalyMetric::TokensPerCall];

/// Slot arithmetic derived from the config.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    slot_ms: i64,
    window: i64,
    blocks: i64,
}

impl Geometry {
    fn slot_of(&self, t: Timestamp) -> i64 {
        t.timestamp_millis().div_euclid(self.slot_ms)
    }

    fn time_of(&self, slot: i64) -> Timestamp {
        DateTime::<Utc>::from_timestamp_millis(slot.saturating_mul(self.slot_ms))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    fn window_secs(&self) -> f64 {
        (self.window * self.slot_ms) as f64 / 1000.0
    }

    /// The newest block entirely before the window ending (exclusively) at slot `end`.
    fn last_baseline_block(&self, end: i64) -> i64 {
        (end - self.window).div_euclid(self.window) - 1
    }

    /// The baseline blocks of the window ending at `end`, oldest first.
    fn baseline_blocks(&self, end: i64) -> std::ops::RangeInclusive<i64> {
        let last = self.last_baseline_block(end);
        (last - self.blocks + 1)..=last
    }
}

/// How one measure of one entity looks in the latest window.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Reading {
    observed: f64,
    expected: f64,
    score: f64,
    /// Significant and material: counts towards opening.
    exceeds: bool,
    /// Back to baseline: counts towards ending.
    calm: bool,
    severe: bool,
}

#[derive(Debug, Clone)]
struct Published {
    anomaly: Anomaly,
    /// When it was last returned by `evaluate`; `None` until first returned.
    last_emitted: Option<Timestamp>,
    /// Least spacing of trend points, doubled whenever the trend is thinned.
    trend_step_ms: i64,
    /// Largest excess over expected so far, in the measure's unit.
    peak_excess: f64,
}

/// What to do with a new alarm (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Publish,
    /// Another alarm already tells this story; stay quiet until it ends.
    Fold,
    /// The parent is rising but not yet in alarm; decide at the next window.
    Wait,
}

/// Windows a new alarm may wait for its parent to decide.
const MAX_WAIT: u32 = 2;

#[derive(Debug, Clone)]
struct Alarm {
    /// First slot kept out of the baseline.
    start_slot: i64,
    /// Windows since it began.
    age: u32,
    /// Whether it was published or folded (decided once, when it begins).
    decided: bool,
    /// End of the first exceeding window.
    started_at: Timestamp,
    calm: u32,
    first_calm_at: Option<Timestamp>,
    ended_at: Option<Timestamp>,
    published: Option<Published>,
}

#[derive(Debug, Clone, Default)]
struct MetricState {
    reading: Option<Reading>,
    /// Consecutive exceeding windows while not in alarm, and where they began.
    streak: u32,
    streak_start: i64,
    alarm: Option<Alarm>,
    /// Latest trend points, for the part of a trend before an anomaly starts.
    recent: VecDeque<TrendPoint>,
}

#[derive(Debug, Clone, Copy)]
struct CachedBaselines {
    last_block: i64,
    exclusions: u64,
    /// Each measure's baseline and the last block it was computed up to.
    baselines: [Option<(Baseline, i64)>; 2],
}

/// Slots per block, slot capacity and block capacity of every series: the
/// window, twice it plus slack for late and early data, and the baseline
/// plus the blocks the window and that slack can touch.
type Shape = (usize, usize, usize);

fn new_series((block_slots, slots, blocks): Shape) -> Series {
    Series::new(block_slots, slots, blocks)
}

/// A scored entity: its series and the state of both measures.
#[derive(Debug, Clone)]
struct Track {
    entity: EntityRef,
    series: Series,
    states: [MetricState; 2],
    cache: Option<CachedBaselines>,
}

impl Track {
    fn new(entity: EntityRef, shape: Shape) -> Self {
        Track {
            entity,
            series: new_series(shape),
            states: Default::default(),
            cache: None,
        }
    }
}

#[derive(Debug, Clone)]
struct CustomerNode {
    track: Track,
    /// Customer–model pairs, by model; scored only through their parents.
    pairs: BTreeMap<String, Series>,
}

#[derive(Debug, Clone)]
struct TenantNode {
    track: Track,
    customers: BTreeMap<String, CustomerNode>,
}

/// Which tracked entity. Orders tenants, then customers, then models.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Tenant(String),
    Customer(String, String),
    Model(String),
}

/// Finds anomalies in a stream of usage updates; see the module docs.
#[derive(Debug, Clone)]
pub struct Detector {
    config: DetectorConfig,
    geometry: Geometry,
    tenants: BTreeMap<String, TenantNode>,
    models: BTreeMap<String, Track>,
    series_count: usize,
    /// End slot (exclusive) of the last scored window.
    last_end: Option<i64>,
    next_id: u64,
    windows_since_sweep: u32,
}

/// Windows between sweeps of silent entities.
const SWEEP_EVERY: u32 = 120;

impl Detector {
    pub fn new(config: DetectorConfig) -> Self {
        let mut config = config;
        config.window_slots = config.window_slots.max(1);
        config.baseline_blocks = config.baseline_blocks.max(1);
        config.min_baseline_blocks = config.min_baseline_blocks.clamp(1, config.baseline_blocks);
        config.open_after = config.open_after.max(1);
        config.end_after = config.end_after.max(1);
        config.max_trend_points = config.max_trend_points.max(2);
        config.max_catch_up = config.max_catch_up.max(1);
        let geometry = Geometry {
            slot_ms: (config.slot.as_millis() as i64).max(1),
            window: config.window_slots as i64,
            blocks: config.baseline_blocks as i64,
        };
        Detector {
            config,
            geometry,
            tenants: BTreeMap::new(),
            models: BTreeMap::new(),
            series_count: 0,
            last_end: None,
            next_id: 1,
            windows_since_sweep: 0,
        }
    }

    /// Folds updates into per-entity slots. O(updates).
    pub fn observe(&mut self, updates: &[MetricUpdate]) {
        for update in updates {
            self.observe_one(update);
        }
    }

    /// Adds one update to its model, tenant, customer and pair, creating
    /// those not yet tracked while there is room under `max_series`.
    fn observe_one(&mut self, u: &MetricUpdate) {
        let slot = self.geometry.slot_of(u.timestamp);
        let (samples, m) = (u.samples, &u.metrics);
        let window = self.config.window_slots;
        let shape = (window, 2 * window + 16, self.config.baseline_blocks + 6);
        let cap = self.config.max_series;
        let count = &mut self.series_count;

        if !self.models.contains_key(&u.model) && *count < cap {
            let entity = EntityRef {
                kind: EntityKind::Model,
                id: u.model.clone(),
                tenant_id: None,
            };
            self.models
                .insert(u.model.clone(), Track::new(entity, shape));
            *count += 1;
        }
        if let Some(track) = self.models.get_mut(&u.model) {
            track.series.add(slot, samples, m);
        }

        if !self.tenants.contains_key(&u.tenant_id) {
            if *count >= cap {
                return;
            }
            let entity = EntityRef {
                kind: EntityKind::Tenant,
                id: u.tenant_id.clone(),
                tenant_id: None,
            };
            let node = TenantNode {
                track: Track::new(entity, shape),
                customers: BTreeMap::new(),
            };
            self.tenants.insert(u.tenant_id.clone(), node);
            *count += 1;
        }
        let Some(tenant) = self.tenants.get_mut(&u.tenant_id) else {
            return;
        };
        tenant.track.series.add(slot, samples, m);

        if !tenant.customers.contains_key(&u.customer_id) {
            if *count >= cap {
                return;
            }
            let entity = EntityRef {
                kind: EntityKind::Customer,
                id: u.customer_id.clone(),
                tenant_id: Some(u.tenant_id.clone()),
            };
            let node = CustomerNode {
                track: Track::new(entity, shape),
                pairs: BTreeMap::new(),
            };
            tenant.customers.insert(u.customer_id.clone(), node);
            *count += 1;
        }
        let Some(customer) = tenant.customers.get_mut(&u.customer_id) else {
            return;
        };
        customer.track.series.add(slot, samples, m);

        if !customer.pairs.contains_key(&u.model) {
            if *count >= cap {
                return;
            }
            customer.pairs.insert(u.model.clone(), new_series(shape));
            *count += 1;
        }
        if let Some(series) = customer.pairs.get_mut(&u.model) {
            series.add(slot, samples, m);
        }
    }

    /// Scores every tracked entity at `now` and returns the anomalies that
    /// opened, changed materially (severity, ended, or a refresh at most every
    /// `refresh_every`) or ended, with `status: Open` and no status reason.
    pub fn evaluate(&mut self, now: Timestamp) -> Vec<Anomaly> {
        let settle = chrono::Duration::from_std(self.config.settle).unwrap_or_default();
        let latest = self.geometry.slot_of(now - settle);
        let first = match self.last_end {
            Some(last) => (last + 1).max(latest - self.config.max_catch_up as i64 + 1),
            None => latest,
        };
        let mut out: Vec<Anomaly> = Vec::new();
        for end in first..=latest {
            self.evaluate_window(end, now, &mut out);
            self.last_end = Some(end);
        }
        // A window can change an anomaly twice in one call; keep the latest.
        let mut seen = std::collections::HashSet::new();
        let mut latest_first: Vec<Anomaly> = out
            .into_iter()
            .rev()
            .filter(|a| seen.insert(a.id.clone()))
            .collect();
        latest_first.reverse();
        latest_first
    }

    fn evaluate_window(&mut self, end: i64, now: Timestamp, out: &mut Vec<Anomaly>) {
        let config = &self.config;
        let geometry = self.geometry;
        for tenant in self.tenants.values_mut() {
            score_track(&mut tenant.track, end, config, geometry);
            for customer in tenant.customers.values_mut() {
                score_track(&mut customer.track, end, config, geometry);
            }
        }
        for track in self.models.values_mut() {
            score_track(track, end, config, geometry);
        }

        let alarms = self.alarm_keys();
        for (key, m) in &alarms {
            let Some(age) = self
                .track(key)
                .and_then(|t| t.states[*m].alarm.as_ref())
                .filter(|a| !a.decided && a.ended_at.is_none())
                .map(|a| a.age)
            else {
                continue;
            };
            let decision = match self.decide(key, *m, end) {
                Decision::Wait if age >= MAX_WAIT => Decision::Publish,
                decision => decision,
            };
            if decision == Decision::Publish {
                self.publish(key, *m, now);
            }
            if decision != Decision::Wait
                && let Some(alarm) = self
                    .track_mut(key)
                    .and_then(|t| t.states[*m].alarm.as_mut())
            {
                alarm.decided = true;
            }
        }
        for (key, m) in &alarms {
            self.refresh(key, *m, end, now, out);
        }

        self.windows_since_sweep += 1;
        if self.windows_since_sweep >= SWEEP_EVERY {
            self.windows_since_sweep = 0;
            self.sweep(end);
        }
    }

    fn track(&self, key: &Key) -> Option<&Track> {
        match key {
            Key::Tenant(t) => self.tenants.get(t).map(|n| &n.track),
            Key::Customer(t, c) => self.tenants.get(t)?.customers.get(c).map(|n| &n.track),
            Key::Model(m) => self.models.get(m),
        }
    }

    fn track_mut(&mut self, key: &Key) -> Option<&mut Track> {
        match key {
            Key::Tenant(t) => self.tenants.get_mut(t).map(|n| &mut n.track),
            Key::Customer(t, c) => self
                .tenants
                .get_mut(t)?
                .customers
                .get_mut(c)
                .map(|n| &mut n.track),
            Key::Model(m) => self.models.get_mut(m),
        }
    }

    /// Every (entity, measure) in alarm, tenants first, then customers, then models.
    fn alarm_keys(&self) -> Vec<(Key, usize)> {
        let mut keys = Vec::new();
        let mut push = |key: Key, track: &Track| {
            for m in [COST, TOKENS] {
                if track.states[m].alarm.is_some() {
                    keys.push((key.clone(), m));
                }
            }
        };
        for (t, tenant) in &self.tenants {
            push(Key::Tenant(t.clone()), &tenant.track);
        }
        for (t, tenant) in &self.tenants {
            for (c, customer) in &tenant.customers {
                push(Key::Customer(t.clone(), c.clone()), &customer.track);
            }
        }
        for (m, track) in &self.models {
            push(Key::Model(m.clone()), track);
        }
        keys
    }

    /// The usage of every customer–model pair inside `key`'s entity, now and
    /// over the blocks of that entity's current baseline.
    fn pairs(&self, key: &Key, end: i64) -> Vec<PairUsage<'_>> {
        let Some(track) = self.track(key) else {
            return Vec::new();
        };
        let blocks: Vec<i64> = self
            .geometry
            .baseline_blocks(end)
            .filter(|b| track.series.covers(*b) && !track.series.is_excluded(*b))
            .collect();
        let window = self.geometry.window;
        let window_secs = self.geometry.window_secs();
        let mut out = Vec::new();
        for (tenant_id, tenant) in &self.tenants {
            if let Key::Tenant(t) | Key::Customer(t, _) = key
                && t != tenant_id
            {
                continue;
            }
            for (customer_id, customer) in &tenant.customers {
                if let Key::Customer(_, c) = key
                    && c != customer_id
                {
                    continue;
                }
                for (model, series) in &customer.pairs {
                    if let Key::Model(m) = key
                        && m != model
                    {
                        continue;
                    }
                    let mut base = Totals::default();
                    for b in &blocks {
                        base.add(&series.block(*b));
                    }
                    let now = series.slot_sum(end - window, end);
                    if now.calls == 0 && base.calls == 0 {
                        continue;
                    }
                    out.push(PairUsage {
                        tenant_id,
                        customer_id,
                        model,
                        now: Usage {
                            totals: now,
                            secs: window_secs,
                        },
                        base: Usage {
                            totals: base,
                            secs: window_secs * blocks.len() as f64,
                        },
                    });
                }
            }
        }
        out
    }

    /// The entity's baseline tokens per call (0 before it has one).
    fn fallback_tpc(track: &Track) -> f64 {
        track
            .cache
            .and_then(|c| c.baselines[TOKENS])
            .map_or(0.0, |(b, _)| b.median)
    }

    /// The customer that accounts for at least `explain_share` of the
    /// tenant's net excess on measure `m`, if there is one.
    fn explainer(&self, tenant: &str, m: usize, end: i64) -> Option<&str> {
        let key = Key::Tenant(tenant.to_string());
        let track = self.track(&key)?;
        let pairs = self.pairs(&key, end);
        let (customer, share) = dominant(&pairs, METRICS[m], Self::fallback_tpc(track), |p| {
            p.customer_id
        })?;
        (share >= self.config.explain_share).then_some(customer)
    }

    /// The de-duplication rules of the module docs, for a new alarm.
    fn decide(&self, key: &Key, m: usize, end: i64) -> Decision {
        let Some(track) = self.track(key) else {
            return Decision::Fold;
        };
        // 1. One alert per entity: the other measure already speaks for it.
        if track.states[1 - m]
            .alarm
            .as_ref()
            .is_some_and(|a| a.published.is_some())
        {
            return Decision::Fold;
        }
        let share = self.config.explain_share;
        let publish_unless = |fold: bool| {
            if fold {
                Decision::Fold
            } else {
                Decision::Publish
            }
        };
        match key {
            // 2. A tenant explained by one customer: that customer's alert.
            Key::Tenant(t) => publish_unless(self.explainer(t, m, end).is_some()),
            // 3. A customer inside a tenant-wide alarm: the tenant's alert.
            Key::Customer(t, c) => {
                let Some(tenant) = self.tenants.get(t) else {
                    return Decision::Publish;
                };
                let state = &tenant.track.states[m];
                match &state.alarm {
                    Some(a) if a.ended_at.is_none() => publish_unless(
                        a.published.is_some() || self.explainer(t, m, end) != Some(c.as_str()),
                    ),
                    _ if state.streak > 0 => Decision::Wait,
                    _ => Decision::Publish,
                }
            }
            // 4. A model explained by one customer, or mostly by tenants and
            //    customers that are (or are about to be) in alarm themselves.
            Key::Model(_) => {
                let pairs = self.pairs(key, end);
                let fallback = Self::fallback_tpc(track);
                let metric = METRICS[m];
                if dominant(&pairs, metric, fallback, |p| p.customer_id)
                    .is_some_and(|(_, s)| s >= share)
                {
                    return Decision::Fold;
                }
                let rising = |s: &MetricState| s.alarm.is_some() || s.streak > 0;
                let covered = |p: &PairUsage| {
                    self.tenants.get(p.tenant_id).is_some_and(|t| {
                        rising(&t.track.states[m])
                            || t.customers
                                .get(p.customer_id)
                                .is_some_and(|c| rising(&c.track.states[m]))
                    })
                };
                publish_unless(
                    covered_share(&pairs, metric, fallback, covered) >= self.config.covered_share,
                )
            }
        }
    }

    fn publish(&mut self, key: &Key, m: usize, now: Timestamp) {
        let id = format!("anm-{:06}", self.next_id);
        let slot_ms = self.geometry.slot_ms;
        let Some(track) = self.track_mut(key) else {
            return;
        };
        let entity = track.entity.clone();
        let state = &mut track.states[m];
        let trend: Vec<TrendPoint> = state.recent.iter().copied().collect();
        let (observed, expected, score, severe) = match (state.reading, trend.last()) {
            (Some(r), _) => (r.observed, r.expected, r.score, r.severe),
            (None, Some(p)) => (p.observed, p.expected, 0.0, false),
            (None, None) => (0.0, 0.0, 0.0, false),
        };
        let Some(alarm) = state.alarm.as_mut() else {
            return;
        };
        let peak = trend
            .iter()
            .filter(|p| p.t >= alarm.started_at)
            .map(|p| p.observed)
            .fold(observed, f64::max);
        alarm.published = Some(Published {
            anomaly: Anomaly {
                id,
                entity,
                metric: METRICS[m],
                severity: if severe {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                score,
                started_at: alarm.started_at,
                updated_at: now,
                ended_at: None,
                observed,
                expected,
                peak,
                trend,
                cause: Cause {
                    excess_usd_per_hour: 0.0,
                    summary: String::new(),
                    contributors: Vec::new(),
                },
                status: AnomalyStatus::Open,
                status_reason: None,
                status_changed_at: None,
            },
            last_emitted: None,
            trend_step_ms: slot_ms,
            peak_excess: 0.0,
        });
        self.next_id += 1;
    }

    /// Brings a published anomaly up to date and emits it when it opened,
    /// changed severity, ended, or is due for a refresh. Ended alarms are
    /// dropped after their last emission.
    fn refresh(&mut self, key: &Key, m: usize, end: i64, now: Timestamp, out: &mut Vec<Anomaly>) {
        let refresh_ms = self.config.refresh_every.as_millis() as i64;
        let max_points = self.config.max_trend_points;
        let t = self.geometry.time_of(end);
        let Some(track) = self.track_mut(key) else {
            return;
        };
        let state = &mut track.states[m];
        let reading = state.reading;
        let Some(Alarm {
            ended_at,
            published: Some(p),
            ..
        }) = state.alarm.as_mut()
        else {
            return;
        };
        let a = &mut p.anomaly;
        let mut changed = p.last_emitted.is_none();
        // The cause describes the anomaly at its height: it is recomputed
        // while the excess is within 10 % of the largest so far, then kept.
        let mut explain_now = a.cause.summary.is_empty();
        if let Some(r) = reading {
            let excess = r.observed - r.expected;
            explain_now |= r.exceeds && excess >= 0.9 * p.peak_excess;
            p.peak_excess = p.peak_excess.max(excess);
            a.observed = r.observed;
            a.expected = r.expected;
            a.score = r.score;
            a.peak = a.peak.max(r.observed);
            if r.severe && a.severity == Severity::Warning {
                a.severity = Severity::Critical;
                changed = true;
            }
            let point = TrendPoint {
                t,
                observed: r.observed,
                expected: r.expected,
            };
            push_trend(&mut a.trend, &mut p.trend_step_ms, point, max_points);
        }
        a.updated_at = now;
        let ending = ended_at.is_some();
        if ending {
            a.ended_at = *ended_at;
            changed = true;
        }
        let due = p
            .last_emitted
            .is_none_or(|last| (now - last).num_milliseconds() >= refresh_ms);
        if !changed && !due {
            return;
        }
        if explain_now {
            let cause = self.cause(key, m, end);
            if let Some(p) = self.published_mut(key, m) {
                p.anomaly.cause = cause;
            }
        }
        if let Some(p) = self.published_mut(key, m) {
            p.last_emitted = Some(now);
            out.push(p.anomaly.clone());
        }
        if ending && let Some(track) = self.track_mut(key) {
            track.states[m].alarm = None;
        }
    }

    fn published_mut(&mut self, key: &Key, m: usize) -> Option<&mut Published> {
        self.track_mut(key)?.states[m]
            .alarm
            .as_mut()?
            .published
            .as_mut()
    }

    fn cause(&self, key: &Key, m: usize, end: i64) -> Cause {
        let empty = Cause {
            excess_usd_per_hour: 0.0,
            summary: String::new(),
            contributors: Vec::new(),
        };
        let Some(track) = self.track(key) else {
            return empty;
        };
        let Some(p) = track.states[m]
            .alarm
            .as_ref()
            .and_then(|a| a.published.as_ref())
        else {
            return empty;
        };
        let excess = track.states[COST]
            .reading
            .map_or(0.0, |r| (r.observed - r.expected).max(0.0));
        let pairs = self.pairs(key, end);
        let subject = Subject {
            entity: &track.entity,
            metric: METRICS[m],
            observed: p.anomaly.observed,
            expected: p.anomaly.expected,
            excess_usd_per_hour: excess,
            fallback_tpc: Self::fallback_tpc(track),
        };
        explain(&subject, &pairs, self.config.max_contributors)
    }

    /// Drops entities silent for longer than the baseline and not in alarm.
    fn sweep(&mut self, end: i64) {
        let horizon = end - self.geometry.window * (self.geometry.blocks + 2);
        let silent = |s: &Series| s.last_slot().is_none_or(|l| l < horizon);
        let idle = |t: &Track| silent(&t.series) && t.states.iter().all(|s| s.alarm.is_none());
        for tenant in self.tenants.values_mut() {
            for customer in tenant.customers.values_mut() {
                customer.pairs.retain(|_, s| !silent(s));
            }
            tenant
                .customers
                .retain(|_, c| !(c.pairs.is_empty() && idle(&c.track)));
        }
        self.tenants
            .retain(|_, t| !(t.customers.is_empty() && idle(&t.track)));
        self.models.retain(|_, t| !idle(t));
        self.series_count = self.models.len()
            + self
                .tenants
                .values()
                .map(|t| {
                    1 + t
                        .customers
                        .values()
                        .map(|c| 1 + c.pairs.len())
                        .sum::<usize>()
                })
                .sum::<usize>();
    }
}

/// Appends a trend point at least one step after the last; past
/// `max` points, every other point goes and the step doubles.
fn push_trend(trend: &mut Vec<TrendPoint>, step_ms: &mut i64, point: TrendPoint, max: usize) {
    if let Some(last) = trend.last_mut() {
        if last.t >= point.t {
            *last = point;
            return;
        }
        if (point.t - last.t).num_milliseconds() < *step_ms {
            return;
        }
    }
    trend.push(point);
    if trend.len() > max {
        let mut i = 0;
        trend.retain(|_| {
            i += 1;
            i % 2 == 1
        });
        *step_ms *= 2;
    }
}

fn compute_baselines(
    series: &Series,
    end: i64,
    config: &DetectorConfig,
    g: Geometry,
) -> [Option<Baseline>; 2] {
    let to_rate = 3600.0 / g.window_secs();
    let mut cost = Vec::with_capacity(config.baseline_blocks);
    let mut tokens = Vec::with_capacity(config.baseline_blocks);
    let mut sum = Totals::default();
    for b in g.baseline_blocks(end) {
        if !series.covers(b) || series.is_excluded(b) {
            continue;
        }
        let totals = series.block(b);
        sum.add(&totals);
        cost.push(totals.cost * to_rate);
        if totals.calls >= config.min_calls
            && let Some(tpc) = totals.tokens_per_call()
        {
            tokens.push(tpc);
        }
    }
    let floor = config.relative_scale_floor;
    let enough = |v: &[f64]| v.len() >= config.min_baseline_blocks;
    // Reports arrive as a Poisson process: λ reports per window costing C
    // each make a window vary by √(λ·E[C²]) = √(mean Σ C² per window),
    // however small the MAD of mostly quiet windows is.
    let count_noise = if cost.is_empty() {
        0.0
    } else {
        config.count_noise_factor * (sum.cost_sq / cost.len() as f64).sqrt() * to_rate
    };
    [
        if enough(&cost) {
            baseline(&mut cost, config.cost_scale_floor.max(count_noise), floor)
        } else {
            None
        },
        if enough(&tokens) {
            baseline(&mut tokens, 1.0, floor)
        } else {
            None
        },
    ]
}

/// A measure in the latest window, with the excess that counts as material.
#[derive(Debug, Clone, Copy)]
struct Observation {
    value: f64,
    /// Least excess over the median worth an alert, in the measure's unit.
    material: f64,
    /// Excess over the median for critical severity.
    critical: f64,
}

fn read(o: Observation, b: Baseline, config: &DetectorConfig) -> Reading {
    let score = b.z(o.value);
    let excess = o.value - b.median;
    Reading {
        observed: o.value,
        expected: b.median,
        score,
        exceeds: score >= config.open_z && excess >= o.material,
        calm: score < config.end_z || excess < o.material / 2.0,
        severe: score >= config.critical_z && excess >= o.critical,
    }
}

fn cost_reading(
    now: &Totals,
    baseline: Option<Baseline>,
    config: &DetectorConfig,
    g: Geometry,
) -> Option<Reading> {
    let b = baseline?;
    let observation = Observation {
        value: now.cost * 3600.0 / g.window_secs(),
        material: config
            .min_excess_usd_per_hour
            .max(config.min_excess_fraction * b.median),
        critical: config
            .critical_excess_usd_per_hour
            .max(config.critical_excess_fraction * b.median),
    };
    Some(read(observation, b, config))
}

fn tokens_reading(
    now: &Totals,
    baseline: Option<Baseline>,
    config: &DetectorConfig,
) -> Option<Reading> {
    let b = baseline?;
    if now.calls < config.min_calls || b.median <= 0.0 {
        return None;
    }
    let observation = Observation {
        value: now.tokens_per_call()?,
        material: (config.min_tokens_ratio - 1.0) * b.median,
        critical: (config.critical_tokens_ratio - 1.0) * b.median,
    };
    Some(read(observation, b, config))
}

/// Advances one measure's state machine by one window.
fn step(
    state: &mut MetricState,
    reading: Option<Reading>,
    end: i64,
    config: &DetectorConfig,
    g: Geometry,
) {
    let t = g.time_of(end);
    state.reading = reading;
    if let Some(r) = reading {
        state.recent.push_back(TrendPoint {
            t,
            observed: r.observed,
            expected: r.expected,
        });
        while state.recent.len() > config.trend_lead_points.max(1) {
            state.recent.pop_front();
        }
    }
    let Some(alarm) = state.alarm.as_mut() else {
        if reading.is_some_and(|r| r.exceeds) {
            if state.streak == 0 {
                state.streak_start = end;
            }
            state.streak += 1;
            if state.streak >= config.open_after {
                state.alarm = Some(Alarm {
                    start_slot: state.streak_start - g.window,
                    age: 0,
                    decided: false,
                    started_at: g.time_of(state.streak_start),
                    calm: 0,
                    first_calm_at: None,
                    ended_at: None,
                    published: None,
                });
                state.streak = 0;
            }
        } else {
            state.streak = 0;
        }
        return;
    };
    if alarm.ended_at.is_some() {
        return;
    }
    alarm.age += 1;
    if reading.is_none_or(|r| r.calm) {
        alarm.calm += 1;
        let first_calm = *alarm.first_calm_at.get_or_insert(t);
        if alarm.calm >= config.end_after {
            if alarm.published.is_some() {
                alarm.ended_at = Some(first_calm);
            } else {
                state.alarm = None;
            }
        }
    } else {
        alarm.calm = 0;
        alarm.first_calm_at = None;
    }
}

/// Scores both measures of one entity for the window ending at slot `end`.
fn score_track(track: &mut Track, end: i64, config: &DetectorConfig, g: Geometry) {
    let last_block = g.last_baseline_block(end);
    let exclusions = track.series.exclusions();
    let cached = match track.cache {
        Some(c) if c.last_block == last_block && c.exclusions == exclusions => c.baselines,
        _ => {
            let fresh = compute_baselines(&track.series, end, config, g);
            let previous = track.cache.map(|c| c.baselines).unwrap_or_default();
            // When anomalies have excluded too much of the history, the last
            // baseline stands in, for at most one baseline span.
            let baselines: [Option<(Baseline, i64)>; 2] = std::array::from_fn(|m| {
                fresh[m]
                    .map(|b| (b, last_block))
                    .or(previous[m].filter(|(_, at)| last_block - at < g.blocks))
            });
            track.cache = Some(CachedBaselines {
                last_block,
                exclusions,
                baselines,
            });
            baselines
        }
    };
    let baselines = cached.map(|b| b.map(|(b, _)| b));
    let now = track.series.slot_sum(end - g.window, end);
    step(
        &mut track.states[COST],
        cost_reading(&now, baselines[COST], config, g),
        end,
        config,
        g,
    );
    step(
        &mut track.states[TOKENS],
        tokens_reading(&now, baselines[TOKENS], config),
        end,
        config,
        g,
    );
    // Time inside an alarm stays out of the baseline, for a while.
    let max_slots = config.max_exclusion.as_millis() as i64 / g.slot_ms;
    for state in &track.states {
        if let Some(alarm) = &state.alarm
            && alarm.ended_at.is_none()
        {
            let stop = end.min(alarm.start_slot + max_slots);
            track.series.exclude(alarm.start_slot, stop);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration as ChronoDuration, TimeZone};
    use protocol::Metrics;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn t0() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
    }

    /// A customer–model pair of synthetic traffic: about six calls a second.
    #[derive(Debug, Clone, Copy)]
    struct Pair {
        tenant: &'static str,
        customer: &'static str,
        model: &'static str,
        usd_per_hour: f64,
        tokens_per_call: f64,
    }

    const fn pair(
        tenant: &'static str,
        customer: &'static str,
        model: &'static str,
        usd_per_hour: f64,
    ) -> Pair {
        Pair {
            tenant,
            customer,
            model,
            usd_per_hour,
            tokens_per_call: 2000.0,
        }
    }

    /// How a pair departs from normal.
    #[derive(Debug, Clone, Copy)]
    struct Change {
        calls: f64,
        tokens: f64,
        /// Moves this share of the calls to another model costing this many times more.
        switch: Option<(&'static str, f64, f64)>,
    }

    const NORMAL: Change = Change {
        calls: 1.0,
        tokens: 1.0,
        switch: None,
    };

    fn calls(factor: f64) -> Change {
        Change {
            calls: factor,
            ..NORMAL
        }
    }

    /// Feeds synthetic traffic second by second and evaluates every 5 s.
    struct Bench {
        detector: Detector,
        rng: SmallRng,
        now: Timestamp,
        /// Relative spread of calls per second.
        spread: f64,
        emitted: Vec<(Timestamp, Anomaly)>,
    }

    impl Bench {
        fn new(config: DetectorConfig) -> Self {
            Bench {
                detector: Detector::new(config),
                rng: SmallRng::seed_from_u64(42),
                now: t0(),
                spread: 0.3,
                emitted: Vec::new(),
            }
        }

        fn update(
            &mut self,
            p: &Pair,
            model: &str,
            calls: f64,
            tokens: f64,
            price: f64,
        ) -> Option<MetricUpdate> {
            let calls = calls.round() as u64;
            if calls == 0 {
                return None;
            }
            let per_call = (p.tokens_per_call * tokens * self.rng.random_range(0.9..1.1)) as u64;
            let input = per_call * 4 / 5;
            let output = per_call - input;
            let cost = p.usd_per_hour / 3600.0 / 6.0 * calls as f64 * tokens * price;
            Some(MetricUpdate {
                seq: 0,
                timestamp: self.now + ChronoDuration::milliseconds(500),
                tenant_id: p.tenant.into(),
                customer_id: p.customer.into(),
                model: model.into(),
                // One report per call, as the simulator's smallest reports.
                samples: calls as u32,
                metrics: Metrics {
                    total_calls: calls,
                    total_tokens: per_call * calls,
                    input_tokens: input * calls,
                    output_tokens: output * calls,
                    total_cost: cost,
                    avg_latency_ms: 500.0,
                },
            })
        }

        fn run(&mut self, secs: i64, pairs: &[Pair], change: impl Fn(&Pair) -> Change) {
            for _ in 0..secs {
                let mut updates = Vec::new();
                for p in pairs {
                    let c = change(p);
                    let noise = self.rng.random_range(1.0 - self.spread..1.0 + self.spread);
                    let calls = 6.0 * c.calls * noise;
                    let moved = c.switch.map_or(0.0, |(_, share, _)| share);
                    updates.extend(self.update(p, p.model, calls * (1.0 - moved), c.tokens, 1.0));
                    if let Some((model, share, price)) = c.switch {
                        updates.extend(self.update(p, model, calls * share, c.tokens, price));
                    }
                }
                self.detector.observe(&updates);
                self.now += ChronoDuration::seconds(1);
                if (self.now - t0()).num_seconds() % 5 == 0 {
                    for a in self.detector.evaluate(self.now) {
                        self.emitted.push((self.now, a));
                    }
                }
            }
        }

        /// Every anomaly's latest version, in order of first emission.
        fn anomalies(&self) -> Vec<&Anomaly> {
            let mut ids: Vec<&str> = Vec::new();
            for (_, a) in &self.emitted {
                if !ids.contains(&a.id.as_str()) {
                    ids.push(&a.id);
                }
            }
            ids.iter()
                .filter_map(|id| {
                    self.emitted
                        .iter()
                        .rev()
                        .find(|(_, a)| a.id == *id)
                        .map(|(_, a)| a)
                })
                .collect()
        }

        /// When `evaluate` first returned the anomaly.
        fn opened_at(&self, id: &str) -> Option<Timestamp> {
            self.emitted
                .iter()
                .find(|(_, a)| a.id == id)
                .map(|(t, _)| *t)
        }
    }

    const ACME: [Pair; 3] = [
        pair("acme", "acme-1", "gpt-4o", 200.0),
        pair("acme", "acme-2", "gpt-4o", 150.0),
        pair("acme", "acme-3", "claude-sonnet-4", 120.0),
    ];
    const GLOBEX: [Pair; 2] = [
        pair("globex", "globex-1", "gpt-4o", 180.0),
        pair("globex", "globex-2", "claude-sonnet-4", 100.0),
    ];

    fn all_pairs() -> Vec<Pair> {
        ACME.iter().chain(GLOBEX.iter()).copied().collect()
    }

    fn minutes(m: i64) -> i64 {
        m * 60
    }

    #[test]
    fn steady_traffic_raises_nothing() {
        let mut bench = Bench::new(DetectorConfig::default());
        bench.run(minutes(45), &all_pairs(), |_| NORMAL);
        assert!(bench.emitted.is_empty(), "{:?}", bench.anomalies());
    }

    #[test]
    fn nothing_during_warm_up() {
        let mut bench = Bench::new(DetectorConfig::default());
        let pairs = all_pairs();
        bench.run(minutes(4), &pairs, |_| NORMAL);
        // A ×8 spike four minutes in: no baseline yet, so no alarm.
        bench.run(minutes(3), &pairs, |p| {
            if p.customer == "acme-1" {
                calls(8.0)
            } else {
                NORMAL
            }
        });
        bench.run(minutes(3), &pairs, |_| NORMAL);
        assert!(bench.emitted.is_empty(), "{:?}", bench.anomalies());
        // Once warm, the same spike is found.
        bench.run(minutes(8), &pairs, |_| NORMAL);
        bench.run(minutes(2), &pairs, |p| {
            if p.customer == "acme-1" {
                calls(8.0)
            } else {
                NORMAL
            }
        });
        assert_eq!(bench.anomalies().len(), 1);
    }

    #[test]
    fn a_customer_spike_opens_persists_and_ends() {
        let mut bench = Bench::new(DetectorConfig::default());
        let pairs = all_pairs();
        bench.run(minutes(15), &pairs, |_| NORMAL);
        let spike_start = bench.now;
        bench.run(minutes(3), &pairs, |p| {
            if p.customer == "acme-2" {
                calls(5.0)
            } else {
                NORMAL
            }
        });
        let spike_end = bench.now;
        bench.run(minutes(3), &pairs, |_| NORMAL);

        let anomalies = bench.anomalies();
        assert_eq!(anomalies.len(), 1, "{anomalies:?}");
        let a = anomalies[0];
        assert_eq!(a.id, "anm-000001");
        assert_eq!(
            a.entity,
            EntityRef {
                kind: EntityKind::Customer,
                id: "acme-2".into(),
                tenant_id: Some("acme".into()),
            }
        );
        assert_eq!(a.metric, AnomalyMetric::CostRate);
        assert_eq!(
            (a.status, a.status_reason.as_ref()),
            (AnomalyStatus::Open, None)
        );
        // Two windows to open: found within 20 s, started when it was first seen.
        let opened = bench.opened_at(&a.id).unwrap();
        assert!(
            opened - spike_start <= ChronoDuration::seconds(20),
            "{opened}"
        );
        assert!(spike_start < a.started_at && a.started_at < opened);
        // Back to baseline within a minute of the spike's end, once.
        let ended = a.ended_at.unwrap();
        assert!(
            spike_end < ended && ended - spike_end <= ChronoDuration::seconds(60),
            "{ended}"
        );
        let endings = bench
            .emitted
            .iter()
            .filter(|(_, e)| e.ended_at.is_some())
            .count();
        assert_eq!(endings, 1);
        // ×5 on $150/h: critical, peak near $750/h, expected near $150/h.
        assert_eq!(a.severity, Severity::Critical);
        assert!((600.0..900.0).contains(&a.peak), "{}", a.peak);
        assert!((120.0..180.0).contains(&a.expected), "{}", a.expected);
        assert!(a.score.is_finite());
        // The trend starts minutes before and is bounded.
        assert!(a.trend.len() <= 60);
        assert!(a.started_at - a.trend[0].t >= ChronoDuration::minutes(2));
        assert!(a.trend.windows(2).all(|w| w[0].t < w[1].t));
        // The cause names the pair and the calls.
        let top = &a.cause.contributors[0];
        assert_eq!(
            (top.customer_id.as_str(), top.model.as_str()),
            ("acme-2", "gpt-4o")
        );
        assert!(
            a.cause.summary.starts_with("100% of the +$"),
            "{}",
            a.cause.summary
        );
        assert!(
            a.cause
                .summary
                .contains("customer acme-2 on gpt-4o; calls ×"),
            "{}",
            a.cause.summary
        );
        let calls = top.calls_ratio.unwrap();
        assert!((4.5..5.5).contains(&calls), "calls ×{calls}");
    }

    #[test]
    fn updates_are_rate_limited_and_ids_increase() {
        let mut bench = Bench::new(DetectorConfig::default());
        let pairs = all_pairs();
        bench.run(minutes(15), &pairs, |_| NORMAL);
        bench.run(minutes(2), &pairs, |p| {
            if p.customer == "acme-1" {
                calls(5.0)
            } else {
                NORMAL
            }
        });
        bench.run(minutes(2), &pairs, |_| NORMAL);
        bench.run(minutes(2), &pairs, |p| {
            if p.customer == "globex-1" {
                calls(5.0)
            } else {
                NORMAL
            }
        });
        bench.run(minutes(2), &pairs, |_| NORMAL);
        let ids: Vec<&str> = bench.anomalies().iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["anm-000001", "anm-000002"]);
        // Evaluated every 5 s, each ongoing anomaly is re-sent about every 10 s.
        let first: Vec<Timestamp> = bench
            .emitted
            .iter()
            .filter(|(_, a)| a.id == "anm-000001" && a.ended_at.is_none())
            .map(|(t, _)| *t)
            .collect();
        assert!(first.len() >= 8, "{}", first.len());
        assert!(
            first
                .windows(2)
                .all(|w| w[1] - w[0] >= ChronoDuration::seconds(10))
        );
        // Evaluating again at the same instant changes nothing.
        assert!(bench.detector.evaluate(bench.now).is_empty());
    }

    #[test]
    fn small_or_modest_rises_are_not_material() {
        // Quiet data and no noise floors, so only materiality can hold them back.
        let config = DetectorConfig {
            count_noise_factor: 0.0,
            relative_scale_floor: 0.01,
            ..DetectorConfig::default()
        };
        let pairs = [
            pair("acme", "acme-big", "gpt-4o", 1000.0),
            pair("acme", "acme-tiny", "gpt-4o-mini", 0.5),
        ];
        let mut bench = Bench::new(config);
        bench.spread = 0.02;
        bench.run(minutes(15), &pairs, |_| NORMAL);
        // +20 % on $1,000/h and ×4 on $0.50/h: significant, not material.
        bench.run(minutes(2), &pairs, |p| match p.customer {
            "acme-big" => calls(1.2),
            _ => calls(4.0),
        });
        assert!(bench.emitted.is_empty(), "{:?}", bench.anomalies());
        bench.run(minutes(2), &pairs, |_| NORMAL);
        // +60 % on $1,000/h is.
        bench.run(minutes(2), &pairs, |p| {
            if p.customer == "acme-big" {
                calls(1.6)
            } else {
                NORMAL
            }
        });
        let anomalies = bench.anomalies();
        assert_eq!(anomalies.len(), 1);
        assert_eq!(anomalies[0].entity.id, "acme-big");
    }

    #[test]
    fn prompt_growth_is_a_tokens_per_call_anomaly() {
        let mut bench = Bench::new(DetectorConfig::default());
        let pairs = all_pairs();
        bench.run(minutes(15), &pairs, |_| NORMAL);
        let bloat = Change {
            tokens: 4.0,
            ..NORMAL
        };
        bench.run(minutes(2), &pairs, |p| {
            if p.customer == "globex-2" {
                bloat
            } else {
                NORMAL
            }
        });
        let anomalies = bench.anomalies();
        // One alert for the customer, not one per measure, and none for its tenant or model.
        assert_eq!(anomalies.len(), 1, "{anomalies:?}");
        let a = anomalies[0];
        assert_eq!(a.entity.id, "globex-2");
        assert_eq!(a.metric, AnomalyMetric::TokensPerCall);
        assert!(
            a.cause.summary.starts_with("tokens per call ×4"),
            "{}",
            a.cause.summary
        );
        assert!(
            a.cause
                .summary
                .contains("on claude-sonnet-4, mostly input tokens; +$"),
            "{}",
            a.cause.summary
        );
    }

    #[test]
    fn a_customer_that_explains_its_tenant_and_model_is_the_only_alert() {
        let mut bench = Bench::new(DetectorConfig::default());
        let pairs = all_pairs();
        bench.run(minutes(15), &pairs, |_| NORMAL);
        // acme-1 is the largest customer of acme and of gpt-4o: both rise too.
        bench.run(minutes(3), &pairs, |p| {
            if p.customer == "acme-1" {
                calls(8.0)
            } else {
                NORMAL
            }
        });
        let anomalies = bench.anomalies();
        assert_eq!(anomalies.len(), 1, "{anomalies:?}");
        assert_eq!(anomalies[0].entity.kind, EntityKind::Customer);
        // The tenant and the model were in alarm all the same (their baselines are protected).
        let tenant = &bench.detector.tenants["acme"].track;
        assert!(
            tenant.states[COST]
                .alarm
                .as_ref()
                .is_some_and(|a| a.published.is_none())
        );
        assert!(bench.detector.models["gpt-4o"].states[COST].alarm.is_some());
    }

    #[test]
    fn a_tenant_wide_surge_is_one_tenant_alert() {
        let mut bench = Bench::new(DetectorConfig::default());
        let pairs = all_pairs();
        bench.run(minutes(15), &pairs, |_| NORMAL);
        bench.run(minutes(3), &pairs, |p| {
            if p.tenant == "acme" {
                calls(4.0)
            } else {
                NORMAL
            }
        });
        let anomalies = bench.anomalies();
        assert_eq!(anomalies.len(), 1, "{anomalies:?}");
        let a = anomalies[0];
        assert_eq!(
            (a.entity.kind, a.entity.id.as_str()),
            (EntityKind::Tenant, "acme")
        );
        assert!(
            a.cause.summary.contains("across 3 customer–model pairs"),
            "{}",
            a.cause.summary
        );
        assert!(a.cause.summary.contains("; calls ×"), "{}", a.cause.summary);
        assert!(
            a.cause.summary.ends_with(" across the tenant"),
            "{}",
            a.cause.summary
        );
        assert_eq!(a.cause.contributors.len(), 3);
    }

    #[test]
    fn a_model_switch_names_the_customer_and_the_new_model() {
        let mut bench = Bench::new(DetectorConfig::default());
        let pairs = all_pairs();
        bench.run(minutes(15), &pairs, |_| NORMAL);
        let switch = Change {
            switch: Some(("claude-opus-4", 0.9, 6.0)),
            ..NORMAL
        };
        bench.run(minutes(3), &pairs, |p| {
            if p.customer == "acme-2" {
                switch
            } else {
                NORMAL
            }
        });
        let anomalies = bench.anomalies();
        assert_eq!(anomalies.len(), 1, "{anomalies:?}");
        let a = anomalies[0];
        assert_eq!(a.entity.id, "acme-2");
        let top = &a.cause.contributors[0];
        assert_eq!(
            (top.customer_id.as_str(), top.model.as_str()),
            ("acme-2", "claude-opus-4")
        );
        assert_eq!(top.expected_usd_per_hour, 0.0);
        assert!(
            a.cause.summary.contains(
                "on claude-opus-4, a model it barely used before; its gpt-4o spend fell "
            ),
            "{}",
            a.cause.summary
        );
    }

    #[test]
    fn a_long_anomaly_keeps_a_bounded_trend_and_its_baseline() {
        let mut bench = Bench::new(DetectorConfig::default());
        let pairs = all_pairs();
        bench.run(minutes(15), &pairs, |_| NORMAL);
        bench.run(minutes(12), &pairs, |p| {
            if p.customer == "globex-1" {
                calls(4.0)
            } else {
                NORMAL
            }
        });
        let a = bench.anomalies()[0].clone();
        assert!(a.ended_at.is_none(), "still going");
        assert!(a.trend.len() <= 60, "{}", a.trend.len());
        assert!(a.started_at - a.trend[0].t >= ChronoDuration::minutes(2));
        assert!(bench.now - a.trend[a.trend.len() - 1].t <= ChronoDuration::seconds(30));
        // Twelve minutes in, the baseline still excludes the incident.
        assert!((150.0..220.0).contains(&a.expected), "{}", a.expected);
    }

    #[test]
    fn tracked_series_are_capped_and_silent_ones_dropped() {
        let config = DetectorConfig {
            max_series: 12,
            ..DetectorConfig::default()
        };
        let mut bench = Bench::new(config);
        let many: Vec<Pair> = (0..20)
            .map(|i| Pair {
                customer: Box::leak(format!("acme-{i}").into_boxed_str()),
                ..pair("acme", "", "gpt-4o", 10.0)
            })
            .collect();
        bench.run(30, &many, |_| NORMAL);
        assert_eq!(bench.detector.series_count, 12);
        // model + tenant + (customer + pair) × 5
        assert_eq!(bench.detector.tenants["acme"].customers.len(), 5);

        let mut bench = Bench::new(DetectorConfig::default());
        bench.run(minutes(1), &all_pairs(), |_| NORMAL);
        assert_eq!(bench.detector.series_count, 2 + 5 * 2 + 2);
        // globex goes quiet for longer than the baseline keeps.
        bench.run(minutes(40), &ACME, |_| NORMAL);
        assert!(!bench.detector.tenants.contains_key("globex"));
        assert!(
            !bench.detector.models.contains_key("claude-sonnet-4")
                || ACME.iter().any(|p| p.model == "claude-sonnet-4")
        );
        assert_eq!(bench.detector.series_count, 1 + 3 * 2 + 2);
    }

    #[test]
    fn late_or_odd_input_is_harmless() {
        let mut detector = Detector::new(DetectorConfig::default());
        // Evaluating with nothing observed, or going back in time, returns nothing.
        assert!(detector.evaluate(t0()).is_empty());
        assert!(
            detector
                .evaluate(t0() - ChronoDuration::hours(1))
                .is_empty()
        );
        let mut bad = MetricUpdate {
            seq: 0,
            timestamp: t0(),
            tenant_id: "acme".into(),
            customer_id: "acme-1".into(),
            model: "gpt-4o".into(),
            samples: 0,
            metrics: Metrics {
                total_calls: 1,
                total_tokens: 10,
                input_tokens: 0,
                output_tokens: 0,
                total_cost: f64::NAN,
                avg_latency_ms: 1.0,
            },
        };
        detector.observe(std::slice::from_ref(&bad));
        bad.timestamp = t0() - ChronoDuration::days(400);
        detector.observe(&[bad]);
        assert!(
            detector
                .evaluate(t0() + ChronoDuration::hours(1))
                .is_empty()
        );
    }

    fn reading(exceeds: bool, calm: bool) -> Option<Reading> {
        Some(Reading {
            observed: 10.0,
            expected: 5.0,
            score: 1.0,
            exceeds,
            calm,
            severe: false,
        })
    }

    fn geometry() -> Geometry {
        Geometry {
            slot_ms: 5000,
            window: 6,
            blocks: 60,
        }
    }

    #[test]
    fn alarms_need_persistence_to_open_and_to_end() {
        let config = DetectorConfig::default();
        let g = geometry();
        let mut state = MetricState::default();
        let high = reading(true, false);
        let normal = reading(false, true);
        // One exceeding window alone does nothing.
        step(&mut state, high, 100, &config, g);
        step(&mut state, normal, 101, &config, g);
        assert!(state.alarm.is_none());
        // Two in a row open, starting at the first.
        step(&mut state, high, 102, &config, g);
        step(&mut state, high, 103, &config, g);
        let alarm = state.alarm.as_ref().unwrap();
        assert_eq!(alarm.started_at, g.time_of(102));
        assert_eq!(alarm.start_slot, 96);
        // A calm window that is not followed by another does not end it.
        step(&mut state, normal, 104, &config, g);
        step(&mut state, reading(false, false), 105, &config, g);
        assert!(state.alarm.as_ref().unwrap().ended_at.is_none());
        // A published alarm ends after two calm windows, at the first.
        state.alarm.as_mut().unwrap().published = Some(Published {
            anomaly: test_anomaly(),
            last_emitted: None,
            trend_step_ms: 5000,
            peak_excess: 0.0,
        });
        step(&mut state, normal, 106, &config, g);
        step(&mut state, None, 107, &config, g);
        assert_eq!(state.alarm.as_ref().unwrap().ended_at, Some(g.time_of(106)));
        // An unpublished one simply goes away.
        let mut quiet = MetricState::default();
        for end in 0..2 {
            step(&mut quiet, high, end, &config, g);
        }
        for end in 2..4 {
            step(&mut quiet, normal, end, &config, g);
        }
        assert!(quiet.alarm.is_none());
        assert_eq!(quiet.recent.len(), 4);
    }

    fn test_anomaly() -> Anomaly {
        Anomaly {
            id: "anm-000001".into(),
            entity: EntityRef {
                kind: EntityKind::Tenant,
                id: "acme".into(),
                tenant_id: None,
            },
            metric: AnomalyMetric::CostRate,
            severity: Severity::Warning,
            score: 0.0,
            started_at: t0(),
            updated_at: t0(),
            ended_at: None,
            observed: 0.0,
            expected: 0.0,
            peak: 0.0,
            trend: Vec::new(),
            cause: Cause {
                excess_usd_per_hour: 0.0,
                summary: String::new(),
                contributors: Vec::new(),
            },
            status: AnomalyStatus::Open,
            status_reason: None,
            status_changed_at: None,
        }
    }

    #[test]
    fn trends_thin_out_instead_of_growing() {
        let point = |s: i64| TrendPoint {
            t: t0() + ChronoDuration::seconds(s),
            observed: s as f64,
            expected: 0.0,
        };
        let mut trend = Vec::new();
        let mut step_ms = 5000;
        for s in (0..1000).step_by(5) {
            push_trend(&mut trend, &mut step_ms, point(s), 60);
            assert!(trend.len() <= 60);
        }
        assert!(step_ms > 5000);
        assert_eq!(trend[0].t, t0());
        assert!(
            trend
                .windows(2)
                .all(|w| w[1].t - w[0].t >= ChronoDuration::seconds(5))
        );
        assert!(
            t0() + ChronoDuration::seconds(995) - trend[trend.len() - 1].t
                <= ChronoDuration::milliseconds(step_ms)
        );
        // A point for the same instant replaces the last one.
        let len = trend.len();
        let last = trend[len - 1];
        push_trend(
            &mut trend,
            &mut step_ms,
            TrendPoint {
                observed: -1.0,
                ..last
            },
            60,
        );
        assert_eq!((trend.len(), trend[len - 1].observed), (len, -1.0));
    }
}

/// Detector cost, measured in an optimised build:
/// `cargo test --release -p backend --lib -- --ignored --nocapture detector_cost`.
#[cfg(all(test, not(debug_assertions)))]
mod cost {
    use super::*;
    use chrono::{Duration as ChronoDuration, TimeZone};
    use protocol::Metrics;
    use std::time::Instant;

    #[test]
    #[ignore = "timing; run in release on a quiet machine"]
    fn detector_cost() {
        // 10 tenants × 30 customers × 2 models: 321 entities, 600 pairs.
        let models = [
            "gpt-4o",
            "gpt-4o-mini",
            "claude-sonnet-4",
            "gemini-2.5-flash",
            "gpt-4.1",
        ];
        let mut updates_per_second = Vec::new();
        for t in 0..10 {
            for c in 0..30 {
                for m in 0..2 {
                    updates_per_second.push((
                        format!("t{t}"),
                        format!("t{t}-{c}"),
                        models[(c + m) % 5],
                        (c + 1) as f64,
                    ));
                }
            }
        }
        let mut detector = Detector::new(DetectorConfig::default());
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        let mut observe_ns = 0u128;
        let mut observed = 0usize;
        let mut evaluations = Vec::new();
        for s in 0..(40 * 60) {
            let now = start + ChronoDuration::seconds(s);
            let wobble = 1.0 + 0.1 * ((s as f64) / 7.0).sin();
            let batch: Vec<MetricUpdate> = updates_per_second
                .iter()
                .map(|(t, c, m, size)| MetricUpdate {
                    seq: 0,
                    timestamp: now,
                    tenant_id: t.clone(),
                    customer_id: c.clone(),
                    model: (*m).into(),
                    samples: 4,
                    metrics: Metrics {
                        total_calls: 4,
                        total_tokens: 8000,
                        input_tokens: 7000,
                        output_tokens: 1000,
                        total_cost: 0.001 * size * wobble,
                        avg_latency_ms: 400.0,
                    },
                })
                .collect();
            let timer = Instant::now();
            detector.observe(&batch);
            observe_ns += timer.elapsed().as_nanos();
            observed += batch.len();
            if s % 5 == 0 {
                let timer = Instant::now();
                let _ = detector.evaluate(now + ChronoDuration::seconds(1));
                if s > 15 * 60 {
                    evaluations.push(timer.elapsed().as_micros());
                }
            }
        }
        evaluations.sort_unstable();
        let median = evaluations[evaluations.len() / 2];
        let max = evaluations[evaluations.len() - 1];
        println!(
            "observe {} ns per update; evaluate over {} series: median {median} µs, max {max} µs",
            observe_ns / observed as u128,
            detector.series_count
        );
        assert!(median < 1000, "evaluate took {median} µs");
    }
}
