//! A bucketed time series in the history endpoint's bucket format: the unit
//! the panels draw from. Historical mode and playback load one from a
//! history range; live mode keeps one current with the buckets the server's
//! view sends ([`Series::put`]), so both render the same data through the
//! same code and the client never folds reports itself.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use chrono::TimeDelta;
use protocol::time::align_floor;
use protocol::{HistoryBucket, HistoryResponse, Metrics, Timestamp};

/// Identifies a customer: (tenant id, customer id).
pub type CustomerKey = (String, String);

#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub start: Timestamp,
    pub totals: Metrics,
    pub by_model: BTreeMap<String, Metrics>,
    pub by_tenant: BTreeMap<String, Metrics>,
    pub customers: HashMap<CustomerKey, Metrics>,
    /// Customers the server left out of the bucket, summed.
    pub other_customers: Metrics,
    /// No server was recording during this bucket: unknown, not zero.
    pub missing: bool,
}

impl Bucket {
    pub fn empty(start: Timestamp) -> Self {
        Bucket {
            start,
            totals: Metrics::default(),
            by_model: BTreeMap::new(),
            by_tenant: BTreeMap::new(),
            customers: HashMap::new(),
            other_customers: Metrics::default(),
            missing: false,
        }
    }

    fn from_history(b: HistoryBucket) -> Self {
        Bucket {
            start: b.start,
            totals: b.totals,
            by_model: b
                .by_model
                .into_iter()
                .map(|m| (m.model, m.metrics))
                .collect(),
            by_tenant: b
                .by_tenant
                .into_iter()
                .map(|t| (t.tenant_id, t.metrics))
                .collect(),
            customers: b
                .customers
                .into_iter()
                .map(|c| ((c.tenant_id, c.customer_id), c.metrics))
                .collect(),
            other_customers: b.other_customers.unwrap_or_default(),
            missing: b.missing,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    resolution: Duration,
    /// Dense, aligned, oldest first.
    buckets: VecDeque<Bucket>,
    capacity: usize,
}

impl Series {
    /// An empty series at `resolution` keeping at most `capacity` buckets.
    pub fn new(resolution: Duration, capacity: usize) -> Self {
        Series {
            resolution: resolution.max(Duration::from_secs(1)),
            buckets: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// A series holding a history range, keeping at most `capacity` newest buckets.
    pub fn from_history(history: HistoryResponse, capacity: usize) -> Self {
        let mut series = Series::new(
            Duration::from_secs(u64::from(history.resolution_seconds)),
            capacity,
        );
        for b in history.buckets {
            series.buckets.push_back(Bucket::from_history(b));
        }
        series.evict();
        series
    }

    pub fn resolution(&self) -> Duration {
        self.resolution
    }

    pub fn buckets(&self) -> &VecDeque<Bucket> {
        &self.buckets
    }

    /// Start of the newest bucket, if any.
    pub fn last_start(&self) -> Option<Timestamp> {
        self.buckets.back().map(|b| b.start)
    }

    /// Start of the oldest bucket with any calls: where a replay begins.
    pub fn first_with_data(&self) -> Option<Timestamp> {
        self.buckets
            .iter()
            .find(|b| b.totals.total_calls > 0)
            .map(|b| b.start)
    }

    /// Buckets whose start lies in `[from, to)`.
    pub fn range(&self, from: Timestamp, to: Timestamp) -> impl Iterator<Item = &Bucket> + Clone {
        self.buckets
            .iter()
            .filter(move |b| b.start >= from && b.start < to)
    }

    /// The bucket starting exactly at `start`.
    pub fn bucket(&self, start: Timestamp) -> Option<&Bucket> {
        let index = self.index_of(start)?;
        self.buckets.get(index).filter(|b| b.start == start)
    }

    fn index_of(&self, start: Timestamp) -> Option<usize> {
        let first = self.buckets.front()?.start;
        if start < first {
            return None;
        }
        usize::try_from((start - first).num_milliseconds() / self.step_ms()).ok()
    }

    fn step_ms(&self) -> i64 {
        self.resolution.as_millis().max(1) as i64
    }

    fn step(&self) -> TimeDelta {
        TimeDelta::milliseconds(self.step_ms())
    }

    /// Takes a bucket as the server now has it: replaces the one at its
    /// start, or extends the series to it when it is newer. One older than
    /// the kept range is dropped.
    pub fn put(&mut self, bucket: HistoryBucket) {
        let start = align_floor(bucket.start, self.resolution);
        self.extend_to(start);
        if let Some(slot) = self.index_of(start).and_then(|i| self.buckets.get_mut(i)) {
            *slot = Bucket::from_history(bucket);
            slot.start = start;
        }
    }

    /// Makes sure the bucket holding `now` exists, so quiet periods show as
    /// zeros and old buckets leave the ring.
    pub fn advance_to(&mut self, now: Timestamp) {
        let start = align_floor(now, self.resolution);
        self.extend_to(start);
    }

    /// Appends empty buckets up to the one starting at `start` (never moves backwards).
    fn extend_to(&mut self, start: Timestamp) {
        let step = self.step();
        match self.buckets.back().map(|b| b.start) {
            None => self.buckets.push_back(Bucket::empty(start)),
            Some(last) if start > last => {
                let missing = (start - last).num_milliseconds() / self.step_ms();
                if missing as usize > self.capacity {
                    // A jump longer than the ring: nothing kept is still in range.
                    self.buckets.clear();
                    self.buckets.push_back(Bucket::empty(start));
                } else {
                    let mut next = last + step;
                    while next <= start {
                        self.buckets.push_back(Bucket::empty(next));
                        next += step;
                    }
                }
            }
            Some(_) => {}
        }
        self.evict();
    }

    fn evict(&mut self) {
        while self.buckets.len() > self.capacity {
            self.buckets.pop_front();
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use protocol::{CustomerUsage, MetricUpdate, ModelUsage};

    pub(crate) fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    pub(crate) fn update(
        seq: u64,
        at: &str,
        customer: &str,
        model: &str,
        cost: f64,
    ) -> MetricUpdate {
        MetricUpdate {
            seq,
            timestamp: ts(at),
            tenant_id: "acme".into(),
            customer_id: customer.into(),
            model: model.into(),
            samples: 2,
            metrics: Metrics {
                total_calls: 2,
                total_tokens: 1_000,
                input_tokens: 800,
                output_tokens: 200,
                total_cost: cost,
                avg_latency_ms: 400.0,
                ..Default::default()
            },
        }
    }

    pub(crate) fn history(cursor: u64, from: &str, buckets: usize, step: u32) -> HistoryResponse {
        let from = ts(from);
        HistoryResponse {
            from,
            to: from + TimeDelta::seconds(i64::from(step) * buckets as i64),
            resolution_seconds: step,
            cursor,
            buckets: (0..buckets)
                .map(|i| HistoryBucket {
                    start: from + TimeDelta::seconds(i64::from(step) * i as i64),
                    totals: Metrics {
                        total_calls: 1,
                        total_tokens: 100,
                        total_cost: 1.0,
                        ..Metrics::default()
                    },
                    by_model: vec![ModelUsage {
                        model: "gpt-4o".into(),
                        metrics: Metrics {
                            total_calls: 1,
                            total_tokens: 100,
                            total_cost: 1.0,
                            ..Metrics::default()
                        },
                    }],
                    by_tenant: vec![protocol::TenantUsage {
                        tenant_id: "acme".into(),
                        metrics: Metrics {
                            total_calls: 1,
                            total_tokens: 100,
                            total_cost: 1.0,
                            ..Metrics::default()
                        },
                    }],
                    customers: vec![CustomerUsage {
                        tenant_id: "acme".into(),
                        customer_id: "acme-1".into(),
                        metrics: Metrics {
                            total_calls: 1,
                            total_tokens: 100,
                            total_cost: 1.0,
                            ..Metrics::default()
                        },
                    }],
                    other_customers: None,
                    missing: false,
                })
                .collect(),
            compare_offset_seconds: None,
            compare: Vec::new(),
        }
    }

    impl Series {
        /// Folds one raw update into its bucket, for tests that build a series by hand.
        pub(crate) fn apply(&mut self, u: &MetricUpdate) {
            let start = align_floor(u.timestamp, self.resolution);
            self.extend_to(start);
            let Some(b) = self.index_of(start).and_then(|i| self.buckets.get_mut(i)) else {
                return;
            };
            b.totals.merge(&u.metrics);
            b.by_model
                .entry(u.model.clone())
                .or_default()
                .merge(&u.metrics);
            b.by_tenant
                .entry(u.tenant_id.clone())
                .or_default()
                .merge(&u.metrics);
            b.customers
                .entry((u.tenant_id.clone(), u.customer_id.clone()))
                .or_default()
                .merge(&u.metrics);
        }
    }

    #[test]
    fn put_replaces_a_bucket_or_extends_to_it() {
        let mut s = Series::from_history(history(0, "2026-11-23T10:00:00Z", 3, 5), 4);
        let mut changed = history(0, "2026-11-23T10:00:05Z", 1, 5).buckets.remove(0);
        changed.totals.total_cost = 7.0;
        s.put(changed);
        assert_eq!(s.buckets()[1].totals.total_cost, 7.0);
        assert_eq!(s.buckets().len(), 3);
        // Newer: the series grows to it, with zeros between.
        let mut newer = history(0, "2026-11-23T10:00:20Z", 1, 5).buckets.remove(0);
        newer.totals.total_cost = 2.0;
        s.put(newer);
        let costs: Vec<f64> = s.buckets().iter().map(|b| b.totals.total_cost).collect();
        assert_eq!(costs, [7.0, 1.0, 0.0, 2.0], "the ring keeps the newest 4");
        // Older than the ring: dropped.
        s.put(history(0, "2026-11-23T09:00:00Z", 1, 5).buckets.remove(0));
        assert_eq!(s.buckets()[0].start, ts("2026-11-23T10:00:05Z"));
        assert_eq!(s.buckets().len(), 4);
    }

    #[test]
    fn new_buckets_are_dense_and_the_ring_is_bounded() {
        let mut s = Series::new(Duration::from_secs(5), 4);
        s.apply(&update(1, "2026-11-23T10:00:00Z", "c", "m", 1.0));
        s.apply(&update(2, "2026-11-23T10:00:16Z", "c", "m", 1.0));
        let starts: Vec<_> = s.buckets().iter().map(|b| b.start).collect();
        assert_eq!(
            starts,
            [
                ts("2026-11-23T10:00:00Z"),
                ts("2026-11-23T10:00:05Z"),
                ts("2026-11-23T10:00:10Z"),
                ts("2026-11-23T10:00:15Z")
            ]
        );
        s.advance_to(ts("2026-11-23T10:00:21Z"));
        assert_eq!(s.buckets().len(), 4);
        assert_eq!(s.buckets()[0].start, ts("2026-11-23T10:00:05Z"));
        assert_eq!(s.last_start(), Some(ts("2026-11-23T10:00:20Z")));
    }

    #[test]
    fn a_jump_longer_than_the_ring_starts_over() {
        let mut s = Series::from_history(history(0, "2026-11-23T10:00:00Z", 3, 5), 3);
        s.advance_to(ts("2026-11-23T12:00:00Z"));
        assert_eq!(s.buckets().len(), 1);
        assert_eq!(s.buckets()[0].start, ts("2026-11-23T12:00:00Z"));
        assert_eq!(s.buckets()[0].totals, Metrics::default());
    }

    #[test]
    fn snapshot_longer_than_capacity_keeps_the_newest() {
        let s = Series::from_history(history(0, "2026-11-23T10:00:00Z", 10, 5), 4);
        assert_eq!(s.buckets().len(), 4);
        assert_eq!(s.buckets()[0].start, ts("2026-11-23T10:00:30Z"));
        assert!(s.bucket(ts("2026-11-23T10:00:00Z")).is_none());
        assert!(s.bucket(ts("2026-11-23T10:00:45Z")).is_some());
        assert_eq!(
            s.range(ts("2026-11-23T10:00:35Z"), ts("2026-11-23T10:00:45Z"))
                .count(),
            2
        );
    }

    #[test]
    fn first_with_data_skips_empty_buckets() {
        let mut h = history(1, "2026-11-23T10:00:00Z", 4, 60);
        h.buckets[0].totals = Metrics::default();
        h.buckets[1].totals = Metrics::default();
        let s = Series::from_history(h, 5);
        assert_eq!(s.first_with_data(), Some(ts("2026-11-23T10:02:00Z")));
        assert_eq!(
            Series::new(Duration::from_secs(60), 4).first_with_data(),
            None
        );
    }
}
