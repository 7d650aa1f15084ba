//! Following a server-side view (`subscribeView`) as a client does, and
//! checking it: versions strictly consecutive after each full message, the
//! view's totals as the last message that carried them left them, and where
//! a message's bytes go (buckets, totals, models, tenants, customers).
//!
//! Raw subscriptions are checked by counting reports (nothing lost); a view
//! carries aggregates, not reports, so instead its versions must not skip
//! and its totals must agree with `GET /api/stats` for the same window.

use protocol::{Metrics, ViewUpdate};
use serde::Serialize;

/// What one message did to the version sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A full message: the sequence starts (again) at its version.
    Full,
    /// The version after the last one.
    Next,
    /// Not the version after the last one (or a change before any full
    /// message): a change was missed, and the view must be subscribed again.
    Gap { expected: Option<u64>, got: u64 },
}

/// One client's reading of its view.
#[derive(Debug, Clone, Default)]
pub struct ViewFollow {
    last: Option<u64>,
    /// Full messages: the first, and one after each rejoin or resubscribe.
    pub fulls: u64,
    /// Change messages (not full).
    pub deltas: u64,
    pub gaps: u64,
    /// The window's totals as of the last message (`None` before a full one).
    pub totals: Option<Metrics>,
}

impl ViewFollow {
    /// Takes the next message's version; a gap is counted, and the sequence
    /// continues from `version` (the caller subscribes again).
    pub fn version(&mut self, version: u64, full: bool) -> Step {
        let step = if full {
            self.fulls += 1;
            Step::Full
        } else {
            self.deltas += 1;
            match self.last {
                Some(last) if version == last + 1 => Step::Next,
                expected => Step::Gap {
                    expected: expected.map(|v| v + 1),
                    got: version,
                },
            }
        };
        if matches!(step, Step::Gap { .. }) {
            self.gaps += 1;
        }
        self.last = Some(version);
        step
    }

    /// Takes a whole message: its version and, if it carries them, the totals.
    pub fn apply(&mut self, update: &ViewUpdate) -> Step {
        let step = self.version(update.version, update.full);
        if update.full {
            self.totals = update.totals;
        } else if let Some(totals) = update.totals {
            self.totals = Some(totals);
        }
        step
    }
}

/// Bytes of `view` messages by part: each part with its key (`"byModel":…,`),
/// `envelope` the rest (`type`, `version`, `full`, `at`, braces).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PartBytes {
    pub messages: u64,
    pub total: u64,
    pub envelope: u64,
    pub buckets: u64,
    /// Buckets the messages carried.
    pub bucket_count: u64,
    pub totals: u64,
    pub by_model: u64,
    pub by_tenant: u64,
    pub top_customers: u64,
    pub spend_rate: u64,
}

fn part<T: Serialize>(key: &str, value: &T) -> u64 {
    // `"key":value,`
    serde_json::to_string(value).map_or(0, |s| (key.len() + 4 + s.len()) as u64)
}

impl PartBytes {
    /// The parts of one message, `total` bytes long as received.
    pub fn of(update: &ViewUpdate, total: usize) -> PartBytes {
        let mut p = PartBytes {
            messages: 1,
            total: total as u64,
            bucket_count: update.buckets.len() as u64,
            ..PartBytes::default()
        };
        if !update.buckets.is_empty() {
            p.buckets = part("buckets", &update.buckets);
        }
        if let Some(t) = &update.totals {
            p.totals = part("totals", t);
        }
        if let Some(m) = &update.by_model {
            p.by_model = part("byModel", m);
        }
        if let Some(t) = &update.by_tenant {
            p.by_tenant = part("byTenant", t);
        }
        if let Some(c) = &update.top_customers {
            p.top_customers = part("topCustomers", c);
        }
        if let Some(r) = &update.spend_rate_per_hour {
            p.spend_rate = part("spendRatePerHour", r);
        }
        let parts =
            p.buckets + p.totals + p.by_model + p.by_tenant + p.top_customers + p.spend_rate;
        p.envelope = p.total.saturating_sub(parts);
        p
    }

    pub fn add(&mut self, other: &PartBytes) {
        self.messages += other.messages;
        self.total += other.total;
        self.envelope += other.envelope;
        self.buckets += other.buckets;
        self.bucket_count += other.bucket_count;
        self.totals += other.totals;
        self.by_model += other.by_model;
        self.by_tenant += other.by_tenant;
        self.top_customers += other.top_customers;
        self.spend_rate += other.spend_rate;
    }
}

/// How a client's final view totals compare with `GET /api/stats` for the
/// same window, fetched just after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Agreement {
    pub calls_diff: u64,
    pub cost_diff: f64,
    /// Equal calls and cost within the view's rounding (1e-6 USD, plus float noise).
    pub exact: bool,
    /// Within 1 % (the window moves between the two readings).
    pub within_tolerance: bool,
}

pub fn agreement(view: &Metrics, stats: &Metrics) -> Agreement {
    let calls_diff = view.total_calls.abs_diff(stats.total_calls);
    let cost_diff = (view.total_cost - stats.total_cost).abs();
    let rounding = 1e-6 + stats.total_cost.abs() * 1e-9;
    Agreement {
        calls_diff,
        cost_diff,
        exact: calls_diff == 0 && cost_diff <= rounding,
        within_tolerance: calls_diff as f64 <= stats.total_calls as f64 * 0.01
            && cost_diff <= rounding + stats.total_cost.abs() * 0.01,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{HistoryBucket, ModelUsage, ServerMessage};

    fn update(version: u64, full: bool, calls: Option<u64>) -> ViewUpdate {
        ViewUpdate {
            version,
            full,
            at: "2026-12-01T10:00:00Z".parse().unwrap(),
            totals: calls.map(|c| Metrics {
                total_calls: c,
                ..Metrics::default()
            }),
            ..ViewUpdate::default()
        }
    }

    #[test]
    fn versions_must_follow_the_full_message_one_by_one() {
        let mut f = ViewFollow::default();
        assert_eq!(
            f.apply(&update(4, false, Some(1))),
            Step::Gap {
                expected: None,
                got: 4
            },
            "a change before any full message"
        );
        assert_eq!(f.apply(&update(7, true, Some(10))), Step::Full);
        assert_eq!(f.apply(&update(8, false, None)), Step::Next);
        assert_eq!(
            f.totals.unwrap().total_calls,
            10,
            "absent totals did not change"
        );
        assert_eq!(f.apply(&update(9, false, Some(12))), Step::Next);
        assert_eq!(f.totals.unwrap().total_calls, 12);
        assert_eq!(
            f.apply(&update(11, false, None)),
            Step::Gap {
                expected: Some(10),
                got: 11
            }
        );
        assert_eq!(
            f.apply(&update(11, false, None)),
            Step::Gap {
                expected: Some(12),
                got: 11
            },
            "a repeat is a gap too"
        );
        // Subscribed again: the full message starts over, even at a lower version.
        assert_eq!(f.apply(&update(3, true, Some(5))), Step::Full);
        assert_eq!(f.apply(&update(4, false, None)), Step::Next);
        assert_eq!((f.fulls, f.deltas, f.gaps), (2, 6, 3));
        assert_eq!(f.totals.unwrap().total_calls, 5);
    }

    #[test]
    fn part_bytes_add_up_to_the_message() {
        let mut u = update(2, false, Some(3));
        let bucket: HistoryBucket = serde_json::from_value(serde_json::json!({
            "start": "2026-12-01T10:00:00Z",
            "totals": Metrics::default(),
            "byModel": [],
            "customers": [],
        }))
        .unwrap();
        u.buckets = vec![bucket];
        u.by_model = Some(vec![ModelUsage {
            model: "gpt-4o".into(),
            metrics: Metrics::default(),
        }]);
        u.spend_rate_per_hour = Some(1.5);
        let text = serde_json::to_string(&ServerMessage::View {
            view: Box::new(u.clone()),
        })
        .unwrap();
        let p = PartBytes::of(&u, text.len());
        assert_eq!(p.bucket_count, 1);
        assert_eq!(p.by_tenant, 0);
        assert_eq!(p.spend_rate, r#""spendRatePerHour":1.5,"#.len() as u64);
        // The envelope: the message without its parts (each part's comma goes with it).
        let envelope = r#"{"type":"view","view":{"version":2,"at":"2026-12-01T10:00:00.000Z"}}"#;
        assert_eq!(p.envelope, envelope.len() as u64, "{text}");
        let mut sum = PartBytes::default();
        sum.add(&p);
        sum.add(&p);
        assert_eq!(sum.total, 2 * text.len() as u64);
        assert_eq!(sum.messages, 2);
    }

    #[test]
    fn totals_agree_within_rounding_or_the_moving_window() {
        let m = |calls, cost| Metrics {
            total_calls: calls,
            total_cost: cost,
            ..Metrics::default()
        };
        let a = agreement(&m(1000, 12.345_678), &m(1000, 12.345_678_4));
        assert!(a.exact && a.within_tolerance, "{a:?}");
        let a = agreement(&m(995, 12.3), &m(1000, 12.4));
        assert!(!a.exact && a.within_tolerance, "{a:?}");
        assert_eq!(a.calls_diff, 5);
        let a = agreement(&m(0, 0.0), &m(1000, 12.4));
        assert!(!a.within_tolerance, "{a:?}");
    }
}
