//! A bucketed time series that is kept current by applying updates from the
//! feed: the unit of the client-side metric store.
//!
//! A series is loaded from a history snapshot and remembers the `seq` that
//! snapshot includes (its cursor). The feed delivers [`Batch`]es — every
//! update the client may see in `(after, cursor]` — and applying one skips
//! what the cursor already covers, applies the rest, and reports a gap when
//! the batch starts after the cursor — the caller then reloads a snapshot.
//! That rule is what makes "no gap, no duplicates" hold across transports,
//! reconnects, restarts, and tokens that see only some tenants (whose `seq`s
//! have holes).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use chrono::TimeDelta;
use protocol::time::align_floor;
use protocol::{HistoryBucket, HistoryResponse, MetricUpdate, Metrics, Timestamp};

/// Distinct customers kept per bucket; the rest are summed in `other_customers`.
pub const MAX_CUSTOMERS_PER_BUCKET: usize = 2_000;

/// Identifies a customer: (tenant id, customer id).
pub type CustomerKey = (String, String);

#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub start: Timestamp,
    pub totals: Metrics,
    pub by_model: BTreeMap<String, Metrics>,
    pub by_tenant: BTreeMap<String, Metrics>,
    pub customers: HashMap<CustomerKey, Metrics>,
    /// Customers the snapshot (or the per-bucket bound) left out, summed.
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

    fn add(&mut self, u: &MetricUpdate) {
        // Data arrived for it: someone was recording after all.
        self.missing = false;
        self.totals.merge(&u.metrics);
        self.by_model
            .entry(u.model.clone())
            .or_default()
            .merge(&u.metrics);
        self.by_tenant
            .entry(u.tenant_id.clone())
            .or_default()
            .merge(&u.metrics);
        let key = (u.tenant_id.clone(), u.customer_id.clone());
        if let Some(m) = self.customers.get_mut(&key) {
            m.merge(&u.metrics);
        } else if self.customers.len() < MAX_CUSTOMERS_PER_BUCKET {
            self.customers.insert(key, u.metrics);
        } else {
            self.other_customers.merge(&u.metrics);
        }
    }
}

/// What one delta or poll answer carries: every update the client may see
/// after `after` up to `cursor`, in `seq` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub after: u64,
    pub cursor: u64,
    pub updates: Vec<MetricUpdate>,
}

/// What applying one update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Its `seq` was already included (snapshot or earlier delivery).
    Skipped,
    /// Added to its bucket (or counted as too old for the kept range).
    Applied,
    /// Its `seq` is beyond `cursor + 1`: updates are missing, reload a snapshot.
    Gap,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    resolution: Duration,
    cursor: u64,
    /// Dense, aligned, oldest first.
    buckets: VecDeque<Bucket>,
    capacity: usize,
}

impl Series {
    /// An empty series at `resolution` that continues after `cursor`.
    pub fn new(resolution: Duration, cursor: u64, capacity: usize) -> Self {
        Series {
            resolution: resolution.max(Duration::from_secs(1)),
            cursor,
            buckets: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// A series holding a history snapshot, keeping at most `capacity` newest buckets.
    pub fn from_history(history: HistoryResponse, capacity: usize) -> Self {
        let mut series = Series::new(
            Duration::from_secs(u64::from(history.resolution_seconds)),
            history.cursor,
            capacity,
        );
        for b in history.buckets {
            series.buckets.push_back(Bucket::from_history(b));
        }
        series.evict();
        series
    }

    pub fn cursor(&self) -> u64 {
        self.cursor
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

    /// Buckets whose start lies in `[from, to)`.
    pub fn range(&self, from: Timestamp, to: Timestamp) -> impl Iterator<Item = &Bucket> + Clone {
        self.buckets
            .iter()
            .filter(move |b| b.start >= from && b.start < to)
    }

    /// The bucket starting exactly at `start`.
    pub fn bucket(&self, start: Timestamp) -> Option<&Bucket> {
        let first = self.buckets.front()?.start;
        let index = (start - first).num_milliseconds() / self.step_ms();
        if start < first {
            return None;
        }
        self.buckets
            .get(usize::try_from(index).ok()?)
            .filter(|b| b.start == start)
    }

    fn step_ms(&self) -> i64 {
        self.resolution.as_millis().max(1) as i64
    }

    fn step(&self) -> TimeDelta {
        TimeDelta::milliseconds(self.step_ms())
    }

    /// Applies one update that must follow the cursor directly.
    pub fn apply(&mut self, update: &MetricUpdate) -> Applied {
        if update.seq <= self.cursor {
            return Applied::Skipped;
        }
        if update.seq != self.cursor + 1 {
            return Applied::Gap;
        }
        self.add(update);
        Applied::Applied
    }

    /// Applies a batch: its updates the cursor does not cover yet, then its
    /// cursor. A batch that starts after the cursor means updates are missing.
    pub fn apply_batch(&mut self, batch: &Batch) -> Applied {
        if batch.cursor <= self.cursor {
            return Applied::Skipped;
        }
        if batch.after > self.cursor {
            return Applied::Gap;
        }
        let covered = self.cursor;
        for update in batch.updates.iter().filter(|u| u.seq > covered) {
            self.add(update);
        }
        self.cursor = batch.cursor;
        Applied::Applied
    }

    fn add(&mut self, update: &MetricUpdate) {
        self.cursor = update.seq;
        let start = align_floor(update.timestamp, self.resolution);
        self.extend_to(start);
        if let Some(first) = self.buckets.front().map(|b| b.start) {
            // Older than the kept range: counted in the cursor, not drawn.
            if start >= first {
                let index = ((start - first).num_milliseconds() / self.step_ms()) as usize;
                if let Some(bucket) = self.buckets.get_mut(index) {
                    bucket.add(update);
                }
            }
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
    use protocol::{CustomerUsage, ModelUsage};

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

    #[test]
    fn skips_applies_and_detects_gaps_by_seq() {
        let mut s = Series::from_history(history(10, "2026-11-23T10:00:00Z", 3, 5), 10);
        assert_eq!(
            s.apply(&update(9, "2026-11-23T10:00:01Z", "c", "gpt-4o", 1.0)),
            Applied::Skipped
        );
        assert_eq!(
            s.apply(&update(10, "2026-11-23T10:00:01Z", "c", "gpt-4o", 1.0)),
            Applied::Skipped
        );
        assert_eq!(
            s.apply(&update(11, "2026-11-23T10:00:06Z", "c", "gpt-4o", 2.0)),
            Applied::Applied
        );
        assert_eq!(
            s.apply(&update(13, "2026-11-23T10:00:06Z", "c", "gpt-4o", 2.0)),
            Applied::Gap
        );
        assert_eq!(s.cursor(), 11);
        let b = s.bucket(ts("2026-11-23T10:00:05Z")).unwrap();
        assert_eq!(b.totals.total_cost, 3.0);
        assert_eq!(b.by_model["gpt-4o"].total_calls, 3);
        assert_eq!(b.customers[&("acme".into(), "c".into())].total_cost, 2.0);
    }

    #[test]
    fn batches_chain_by_cursor_even_with_holes_in_seq() {
        let mut s = Series::from_history(history(10, "2026-11-23T10:00:00Z", 3, 5), 10);
        let batch = |after, cursor, seqs: &[u64]| Batch {
            after,
            cursor,
            updates: seqs
                .iter()
                .map(|seq| update(*seq, "2026-11-23T10:00:06Z", "c", "gpt-4o", 1.0))
                .collect(),
        };
        // Holes in seq are fine (another tenant's updates); the batch chains on.
        assert_eq!(s.apply_batch(&batch(10, 20, &[12, 17])), Applied::Applied);
        assert_eq!(s.cursor(), 20);
        // Nothing for this client in (20, 25]: the cursor still moves.
        assert_eq!(s.apply_batch(&batch(20, 25, &[])), Applied::Applied);
        assert_eq!(s.cursor(), 25);
        // Overlap: what the cursor covers is skipped.
        assert_eq!(s.apply_batch(&batch(20, 30, &[17, 28])), Applied::Applied);
        assert_eq!(s.apply_batch(&batch(25, 30, &[28])), Applied::Skipped);
        // Starting after the cursor: something was missed.
        assert_eq!(s.apply_batch(&batch(31, 40, &[35])), Applied::Gap);
        assert_eq!(s.cursor(), 30);
        let b = s.bucket(ts("2026-11-23T10:00:05Z")).unwrap();
        assert_eq!(b.totals.total_cost, 1.0 + 3.0, "12, 17 and 28 once each");
    }

    #[test]
    fn late_updates_land_in_their_own_older_bucket() {
        let mut s = Series::from_history(history(0, "2026-11-23T10:00:00Z", 4, 5), 10);
        s.apply(&update(1, "2026-11-23T10:00:02.500Z", "c", "m", 5.0));
        assert_eq!(s.buckets()[0].totals.total_cost, 6.0);
        assert_eq!(s.buckets()[3].totals.total_cost, 1.0);
    }

    #[test]
    fn new_buckets_are_dense_and_the_ring_is_bounded() {
        let mut s = Series::new(Duration::from_secs(5), 0, 4);
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
        // Too old for the ring: the cursor moves, nothing is drawn.
        assert_eq!(
            s.apply(&update(3, "2026-11-23T09:00:00Z", "c", "m", 1.0)),
            Applied::Applied
        );
        assert_eq!(s.cursor(), 3);
        let total: f64 = s.buckets().iter().map(|b| b.totals.total_cost).sum();
        assert_eq!(total, 1.0);
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
    fn customers_beyond_the_bound_are_folded_into_other() {
        let mut s = Series::new(Duration::from_secs(5), 0, 2);
        let n = MAX_CUSTOMERS_PER_BUCKET as u64 + 3;
        for i in 1..=n {
            s.apply(&update(
                i,
                "2026-11-23T10:00:00Z",
                &format!("c{i}"),
                "m",
                1.0,
            ));
        }
        let b = &s.buckets()[0];
        assert_eq!(b.customers.len(), MAX_CUSTOMERS_PER_BUCKET);
        assert_eq!(b.other_customers.total_cost, 3.0);
        assert_eq!(b.totals.total_cost, n as f64);
    }
}
