//! The test harness for the detector, shared by its unit tests,
//! `tests/anomaly_recall.rs` and `benches/detector.rs`: a detector on a
//! virtual clock that records what every evaluation returns, fed either by
//! synthetic customer–model traffic or by the caller. Not part of the API.

use std::time::{Duration, Instant};

use chrono::{Duration as ChronoDuration, TimeZone, Utc};
use protocol::{Anomaly, MetricUpdate, Metrics, Timestamp};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::{Detector, DetectorConfig};

/// Where the unit tests' clock starts.
pub fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
}

/// A customer–model pair of synthetic traffic: about six calls a second.
#[derive(Debug, Clone, Copy)]
pub struct Pair {
    pub tenant: &'static str,
    pub customer: &'static str,
    pub model: &'static str,
    pub usd_per_hour: f64,
    pub tokens_per_call: f64,
}

pub const fn pair(
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
pub struct Change {
    pub calls: f64,
    pub tokens: f64,
    /// Moves this share of the calls to another model costing this many times more.
    pub switch: Option<(&'static str, f64, f64)>,
}

pub const NORMAL: Change = Change {
    calls: 1.0,
    tokens: 1.0,
    switch: None,
};

pub fn calls(factor: f64) -> Change {
    Change {
        calls: factor,
        ..NORMAL
    }
}

/// A detector on a virtual clock, evaluated every 5 s of it, that keeps
/// every anomaly `evaluate` returned with the time it did.
pub struct Bench {
    pub detector: Detector,
    rng: SmallRng,
    /// Where the clock started: evaluations fall on multiples of 5 s from it.
    start: Timestamp,
    pub now: Timestamp,
    /// Relative spread of calls per second.
    pub spread: f64,
    pub emitted: Vec<(Timestamp, Anomaly)>,
    /// The longest single `evaluate` call so far, in this build.
    pub slowest_evaluate: Duration,
}

impl Bench {
    /// A bench whose clock starts at [`t0`].
    pub fn new(config: DetectorConfig) -> Self {
        Bench::starting_at(config, t0())
    }

    pub fn starting_at(config: DetectorConfig, start: Timestamp) -> Self {
        Bench {
            detector: Detector::new(config),
            rng: SmallRng::seed_from_u64(42),
            start,
            now: start,
            spread: 0.3,
            emitted: Vec::new(),
            slowest_evaluate: Duration::ZERO,
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
                ..Default::default()
            },
        })
    }

    /// Feeds synthetic traffic second by second and evaluates every 5 s.
    pub fn run(&mut self, secs: i64, pairs: &[Pair], change: impl Fn(&Pair) -> Change) {
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
            if (self.now - self.start).num_seconds() % 5 == 0 {
                self.evaluate(self.now);
            }
        }
    }

    /// Evaluates at `now`, keeping what it returned and how long it took.
    pub fn evaluate(&mut self, now: Timestamp) {
        let timer = Instant::now();
        let changed = self.detector.evaluate(now);
        self.slowest_evaluate = self.slowest_evaluate.max(timer.elapsed());
        for a in changed {
            self.emitted.push((now, a));
        }
    }

    /// Every anomaly's latest version, in order of first emission.
    pub fn anomalies(&self) -> Vec<&Anomaly> {
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
    pub fn opened_at(&self, id: &str) -> Option<Timestamp> {
        self.emitted
            .iter()
            .find(|(_, a)| a.id == id)
            .map(|(t, _)| *t)
    }
}

/// Series the detector tracks (tenants + customers + models + pairs).
pub fn series_count(detector: &Detector) -> usize {
    detector.entities.series_count
}
