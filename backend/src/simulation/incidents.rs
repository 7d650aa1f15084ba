//! Injected incidents: what kinds exist, when they start, and what each does
//! to the traffic while it lasts.

use chrono::Duration as ChronoDuration;
use protocol::Timestamp;
use rand::Rng;
use rand::rngs::SmallRng;
use rand_distr::Exp1;

/// No incident starts in the first minutes of a run: the detector needs a
/// baseline first (10 min warm-up), and the dashboard should open on a calm view.
pub const QUIET_START: ChronoDuration = ChronoDuration::minutes(15);
/// A tenant has at most one incident at a time; one that falls due during
/// another starts this long after the other ends.
pub const GAP_AFTER: ChronoDuration = ChronoDuration::minutes(1);
/// Incidents that would have waited longer than this are dropped (only when
/// incidents are configured to come faster than they can last).
pub const MAX_DELAY: ChronoDuration = ChronoDuration::minutes(10);
/// Shortest and longest incident, in seconds.
pub const MIN_SECS: f64 = 120.0;
pub const MAX_SECS: f64 = 480.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IncidentKind {
    /// One customer's calls on its main model ×5–10, slower, slightly fewer tokens per call.
    RetryStorm,
    /// One customer moves most of its traffic to an expensive model.
    ModelSwitch,
    /// A whole tenant's traffic ×3–5.
    TrafficSurge,
    /// One customer's input tokens per call on its main model ×3–6.
    PromptBloat,
}

impl IncidentKind {
    pub const ALL: [IncidentKind; 4] = [
        IncidentKind::RetryStorm,
        IncidentKind::ModelSwitch,
        IncidentKind::TrafficSurge,
        IncidentKind::PromptBloat,
    ];
}

/// An injected incident, as the ground truth for tests and measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Unique across tenants: tenant position × 1,000,000 + sequence.
    pub id: u64,
    pub kind: IncidentKind,
    pub tenant_id: String,
    /// The customer it hits (none for a tenant-wide surge).
    pub customer_id: Option<String>,
    /// The model it is about: the storm's or bloat's main model, the switch's target.
    pub model: Option<String>,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Incident {
    pub fn is_active(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
}

/// What an incident does to its tenant's traffic. Customers are positions in
/// the tenant's customer list; `slot` is a position in the customer's model mix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    RetryStorm {
        customer: usize,
        slot: usize,
        /// Multiplier of the pair's report rate.
        rate: f64,
        tokens: f64,
        latency: f64,
    },
    ModelSwitch {
        customer: usize,
        /// Index into `KNOWN_MODELS`.
        to_model: usize,
        /// Fraction of the customer's reports that go to `to_model`.
        fraction: f64,
    },
    TrafficSurge {
        rate: f64,
    },
    PromptBloat {
        customer: usize,
        slot: usize,
        /// Multiplier of input tokens per call.
        input: f64,
    },
}

/// When a tenant's incidents fall due: a Poisson process, started lazily at the
/// first generated instant, with its own random stream so that the schedule
/// does not depend on how the traffic is cut into windows.
#[derive(Debug, Clone)]
pub struct Schedule {
    rng: SmallRng,
    mean_gap_secs: Option<f64>,
    next_due: Option<Timestamp>,
}

impl Schedule {
    pub fn new(rng: SmallRng, mean_gap_secs: Option<f64>) -> Self {
        let mean_gap_secs = mean_gap_secs.filter(|s| s.is_finite() && *s > 0.0);
        Schedule {
            rng,
            mean_gap_secs,
            next_due: None,
        }
    }

    /// The schedule's own random stream, also used to shape each incident.
    pub fn rng(&mut self) -> &mut SmallRng {
        &mut self.rng
    }

    fn exp_gap(&mut self, mean: f64) -> ChronoDuration {
        let gap: f64 = self.rng.sample::<f64, _>(Exp1) * mean;
        ChronoDuration::milliseconds((gap * 1000.0).min(1e15) as i64)
    }

    /// Starts the clock at the first instant the tenant generates.
    pub fn begin(&mut self, t: Timestamp) {
        if self.next_due.is_none()
            && let Some(mean) = self.mean_gap_secs
        {
            let gap = self.exp_gap(mean);
            self.next_due = Some(t + QUIET_START + gap);
        }
    }

    /// The next incident start at or before `t`, given that the tenant is busy
    /// with an incident until `busy_until`. Call repeatedly until `None`.
    pub fn due(&mut self, t: Timestamp, busy_until: Option<Timestamp>) -> Option<Timestamp> {
        let mean = self.mean_gap_secs?;
        loop {
            let due = self.next_due?;
            let start = match busy_until {
                Some(busy) if busy + GAP_AFTER > due => busy + GAP_AFTER,
                _ => due,
            };
            if start > t {
                return None;
            }
            let gap = self.exp_gap(mean);
            self.next_due = Some(due + gap);
            if start - due <= MAX_DELAY {
                return Some(start);
            }
        }
    }

    /// Duration of a new incident.
    pub fn duration(&mut self) -> ChronoDuration {
        let secs = self.rng.random_range(MIN_SECS..MAX_SECS);
        ChronoDuration::milliseconds((secs * 1000.0) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use rand::SeedableRng;

    fn t0() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
    }

    #[test]
    fn without_a_mean_nothing_is_due() {
        let mut s = Schedule::new(SmallRng::seed_from_u64(1), None);
        s.begin(t0());
        assert_eq!(s.due(t0() + ChronoDuration::days(3), None), None);
        let mut zero = Schedule::new(SmallRng::seed_from_u64(1), Some(0.0));
        zero.begin(t0());
        assert_eq!(zero.due(t0() + ChronoDuration::days(3), None), None);
    }

    #[test]
    fn starts_come_at_the_configured_rate_after_a_quiet_start() {
        let mut s = Schedule::new(SmallRng::seed_from_u64(2), Some(600.0));
        s.begin(t0());
        let end = t0() + ChronoDuration::days(7);
        let mut starts = Vec::new();
        while let Some(start) = s.due(end, None) {
            starts.push(start);
        }
        assert!(starts[0] >= t0() + QUIET_START);
        assert!(starts.windows(2).all(|w| w[0] <= w[1]));
        let expected = (7.0 * 86_400.0 - QUIET_START.num_seconds() as f64) / 600.0;
        let ratio = starts.len() as f64 / expected;
        assert!((0.9..1.1).contains(&ratio), "{} starts", starts.len());
    }

    #[test]
    fn a_busy_tenant_defers_then_drops() {
        let mut s = Schedule::new(SmallRng::seed_from_u64(3), Some(60.0));
        s.begin(t0());
        let busy = t0() + ChronoDuration::hours(2);
        assert_eq!(s.due(busy, Some(busy)), None);
        let first = s.due(busy + GAP_AFTER, Some(busy)).unwrap();
        // Every start due before `busy` waits until a minute after it.
        assert_eq!(first, busy + GAP_AFTER);
        // Those due too long before are dropped rather than piling up.
        let mut count = 1;
        while s.due(busy + GAP_AFTER, Some(busy)).is_some() {
            count += 1;
        }
        assert!(count < 20, "{count} deferred starts");
    }

    #[test]
    fn durations_are_two_to_eight_minutes() {
        let mut s = Schedule::new(SmallRng::seed_from_u64(4), Some(60.0));
        for _ in 0..1000 {
            let d = s.duration().num_seconds();
            assert!((120..=480).contains(&d));
        }
    }
}
