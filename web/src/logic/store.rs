//! The client-side store: the server's live view (`protocol::view`) as the
//! panels draw it. The server computes the view and sends it in full, then
//! per tick only what changed; the store holds it at its version, and a
//! message that does not follow the version it holds is a gap — the view is
//! dropped and the feed asks for it in full. The client never folds reports.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::TimeDelta;
use protocol::view::{VIEW_SPAN_SECONDS, VIEW_STEP_SECONDS};
use protocol::{CustomerUsage, Metrics, ModelUsage, TenantUsage, Timestamp, ViewSpec, ViewUpdate};

use super::series::{CustomerKey, Series};

/// Resolution of the view's buckets: the live token chart and the gauge.
pub const FINE_STEP: Duration = Duration::from_secs(VIEW_STEP_SECONDS as u64);
/// What the view's buckets cover: the chart's 5 minutes, the minute before
/// "5 min ago" that the gauge compares with, and a spare minute.
pub const FINE_SPAN: Duration = Duration::from_secs(VIEW_SPAN_SECONDS as u64);
/// Buckets of the live token chart: 5 minutes at 5 s.
pub const LIVE_CHART_BUCKETS: usize = 60;
/// How far back the customers' "▲▼" compares ranks.
pub const RANKS_COMPARED_OVER: Duration = Duration::from_secs(60);

/// Counters for instrumentation and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// View messages applied (full ones included).
    pub views_applied: u64,
    /// Of those, full views (first load, a gap, a new window or filter).
    pub full_views: u64,
    /// Messages delivered again after they were applied (skipped).
    pub duplicates: u64,
    /// Gaps detected (each led to a reload of the full view).
    pub gaps: u64,
    /// Version of the view held.
    pub version: u64,
}

/// The view as the server last sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveView {
    /// What was asked for: a message for another spec is not applied.
    pub spec: ViewSpec,
    pub version: u64,
    /// The last minutes at 5 s.
    pub fine: Series,
    /// The window's totals, models, tenants and top customers.
    pub totals: Metrics,
    pub by_model: Vec<ModelUsage>,
    pub by_tenant: Vec<TenantUsage>,
    pub top_customers: Vec<CustomerUsage>,
    /// Spend rate over the last complete minute, USD/h.
    pub spend_rate_per_hour: f64,
    /// Top-customer ranks as they were, oldest first, for "▲▼ vs earlier".
    ranks: VecDeque<(Timestamp, HashMap<CustomerKey, usize>)>,
}

impl LiveView {
    fn new(spec: ViewSpec) -> Self {
        let capacity = (FINE_SPAN.as_secs() / FINE_STEP.as_secs()) as usize + 2;
        LiveView {
            spec,
            version: 0,
            fine: Series::new(FINE_STEP, capacity),
            totals: Metrics::default(),
            by_model: Vec::new(),
            by_tenant: Vec::new(),
            top_customers: Vec::new(),
            spend_rate_per_hour: 0.0,
            ranks: VecDeque::new(),
        }
    }

    /// Takes one message's changes (absent parts did not change).
    fn take(&mut self, u: ViewUpdate) {
        self.version = u.version;
        for b in u.buckets {
            self.fine.put(b);
        }
        if let Some(t) = u.totals {
            self.totals = t;
        }
        if let Some(m) = u.by_model {
            self.by_model = m;
        }
        if let Some(t) = u.by_tenant {
            self.by_tenant = t;
        }
        if let Some(c) = u.top_customers {
            self.top_customers = c;
            self.remember_ranks(u.at);
        }
        if let Some(r) = u.spend_rate_per_hour {
            self.spend_rate_per_hour = r;
        }
    }

    fn remember_ranks(&mut self, at: Timestamp) {
        let ranks = ranks(&self.top_customers);
        self.ranks.push_back((at, ranks));
        // Keep the newest entry at least the comparison span old, and the ones after it.
        let cutoff = at - span(RANKS_COMPARED_OVER);
        while self.ranks.get(1).is_some_and(|(t, _)| *t <= cutoff) {
            self.ranks.pop_front();
        }
    }

    /// The top customers' ranks [`RANKS_COMPARED_OVER`] before `now`, or the
    /// oldest known when the view is younger than that.
    pub fn ranks_before(&self, now: Timestamp) -> HashMap<CustomerKey, usize> {
        let cutoff = now - span(RANKS_COMPARED_OVER);
        self.ranks
            .iter()
            .rev()
            .find(|(t, _)| *t <= cutoff)
            .or(self.ranks.front())
            .map(|(_, r)| r.clone())
            .unwrap_or_default()
    }
}

/// Spend ranks (1 = most expensive) in the order the server sends them.
fn ranks(customers: &[CustomerUsage]) -> HashMap<CustomerKey, usize> {
    customers
        .iter()
        .enumerate()
        .map(|(i, c)| ((c.tenant_id.clone(), c.customer_id.clone()), i + 1))
        .collect()
}

fn span(d: Duration) -> TimeDelta {
    TimeDelta::milliseconds(d.as_millis() as i64)
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricStore {
    pub view: Option<LiveView>,
    pub counters: Counters,
}

impl MetricStore {
    /// Whether the store lacks the view `spec` (none yet, or one for another window or filter).
    pub fn missing(&self, spec: &ViewSpec) -> bool {
        self.view.as_ref().is_none_or(|v| &v.spec != spec)
    }

    /// The live view's 5 s buckets.
    pub fn fine(&self) -> Option<&Series> {
        self.view.as_ref().map(|v| &v.fine)
    }

    /// Forgets the view (a new filter: what it holds is for another view).
    pub fn reset(&mut self) {
        self.view = None;
    }

    /// The version held, which a poll continues after.
    pub fn version(&self) -> Option<u64> {
        self.view.as_ref().map(|v| v.version)
    }

    /// Applies messages for the view `spec`, in order. A full one replaces
    /// the view; a change applies when it follows the version held and is
    /// skipped when already applied. Returns true when one did not follow:
    /// the view was dropped and must be loaded in full.
    pub fn apply(&mut self, spec: &ViewSpec, updates: Vec<ViewUpdate>) -> bool {
        let mut gap = false;
        for u in updates {
            if u.full {
                let mut view = LiveView::new(spec.clone());
                self.counters.full_views += 1;
                self.counters.views_applied += 1;
                self.counters.version = u.version;
                view.take(u);
                self.view = Some(view);
                continue;
            }
            let Some(view) = self.view.as_mut().filter(|v| &v.spec == spec) else {
                // For a view no longer shown (the window or filter changed).
                continue;
            };
            if u.version <= view.version {
                self.counters.duplicates += 1;
            } else if u.version == view.version + 1 {
                self.counters.views_applied += 1;
                self.counters.version = u.version;
                view.take(u);
            } else {
                self.view = None;
                gap = true;
            }
        }
        if gap {
            self.counters.gaps += 1;
        }
        gap
    }

    /// Moves the buckets forward to `now` so quiet periods read as zeros.
    pub fn advance_to(&mut self, now: Timestamp) {
        if let Some(view) = &mut self.view {
            view.fine.advance_to(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::series::tests::{history, ts};
    use protocol::TimeWindow;

    fn spec() -> ViewSpec {
        ViewSpec {
            window: TimeWindow::FifteenMinutes,
            ..ViewSpec::default()
        }
    }

    fn customer(id: &str) -> CustomerUsage {
        CustomerUsage {
            tenant_id: "acme".into(),
            customer_id: id.into(),
            metrics: Metrics::default(),
        }
    }

    fn full(version: u64) -> ViewUpdate {
        ViewUpdate {
            version,
            full: true,
            at: ts("2026-11-23T10:07:00Z"),
            buckets: history(0, "2026-11-23T10:00:00Z", 84, 5).buckets,
            totals: Some(Metrics {
                total_cost: 84.0,
                ..Metrics::default()
            }),
            top_customers: Some(vec![customer("a"), customer("b")]),
            spend_rate_per_hour: Some(720.0),
            ..ViewUpdate::default()
        }
    }

    fn change(version: u64, at: &str) -> ViewUpdate {
        let mut bucket = history(0, "2026-11-23T10:06:55Z", 1, 5).buckets.remove(0);
        bucket.totals.total_cost = 3.0;
        ViewUpdate {
            version,
            at: ts(at),
            buckets: vec![bucket],
            top_customers: Some(vec![customer("b"), customer("a")]),
            ..ViewUpdate::default()
        }
    }

    #[test]
    fn a_full_view_then_changes_in_order() {
        let mut store = MetricStore::default();
        assert!(store.missing(&spec()));
        assert!(!store.apply(&spec(), vec![full(40)]));
        assert!(!store.missing(&spec()));
        assert!(store.missing(&ViewSpec::default()), "another window");
        assert!(!store.apply(&spec(), vec![change(41, "2026-11-23T10:07:01Z")]));
        let view = store.view.as_ref().unwrap();
        assert_eq!(view.version, 41);
        assert_eq!(view.totals.total_cost, 84.0, "absent parts are kept");
        assert_eq!(view.spend_rate_per_hour, 720.0);
        assert_eq!(view.top_customers[0].customer_id, "b");
        let newest = view.fine.bucket(ts("2026-11-23T10:06:55Z")).unwrap();
        assert_eq!(newest.totals.total_cost, 3.0);
        assert_eq!(store.version(), Some(41));
        assert_eq!(store.counters.views_applied, 2);
        // The same change again (a reconnect): skipped.
        let before = store.clone();
        assert!(!store.apply(&spec(), vec![change(41, "2026-11-23T10:07:01Z")]));
        assert_eq!(store.view, before.view);
        assert_eq!(store.counters.duplicates, 1);
    }

    #[test]
    fn a_version_skipped_drops_the_view_for_a_reload() {
        let mut store = MetricStore::default();
        store.apply(&spec(), vec![full(40)]);
        assert!(store.apply(&spec(), vec![change(42, "2026-11-23T10:07:01Z")]));
        assert!(store.view.is_none());
        assert_eq!(store.counters.gaps, 1);
        assert!(store.missing(&spec()));
        // A message for a view no longer shown is no gap.
        store.apply(&spec(), vec![full(50)]);
        assert!(!store.apply(
            &ViewSpec::default(),
            vec![change(60, "2026-11-23T10:07:01Z")]
        ));
        assert_eq!(store.version(), Some(50));
    }

    #[test]
    fn ranks_compare_with_a_minute_earlier() {
        let mut store = MetricStore::default();
        store.apply(&spec(), vec![full(1)]);
        let view = store.view.as_ref().unwrap();
        // Younger than a minute: compared with the oldest known.
        let first = view.ranks_before(ts("2026-11-23T10:07:30Z"));
        assert_eq!(first[&("acme".into(), "a".into())], 1);
        store.apply(&spec(), vec![change(2, "2026-11-23T10:08:30Z")]);
        let view = store.view.as_ref().unwrap();
        let before = view.ranks_before(ts("2026-11-23T10:08:30Z"));
        assert_eq!(
            before[&("acme".into(), "a".into())],
            1,
            "a minute ago a led"
        );
        let later = view.ranks_before(ts("2026-11-23T10:09:40Z"));
        assert_eq!(later[&("acme".into(), "b".into())], 1);
    }
}
