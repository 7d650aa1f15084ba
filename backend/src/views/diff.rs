//! What a view sent last, and what changed since: each tick's [`Snapshot`]
//! against it gives the `view` message with only the new or changed buckets
//! and the parts that differ, or nothing when nothing did.

use std::collections::BTreeMap;

use protocol::{
    CustomerUsage, HistoryBucket, Metrics, ModelUsage, TenantUsage, Timestamp, ViewUpdate,
};

use super::snapshot::Snapshot;

#[derive(Debug, Clone, Default)]
pub struct ViewState {
    version: u64,
    /// A first version was made (even of an empty view).
    started: bool,
    buckets: BTreeMap<i64, HistoryBucket>,
    totals: Metrics,
    by_model: Vec<ModelUsage>,
    by_tenant: Vec<TenantUsage>,
    top_customers: Vec<CustomerUsage>,
    spend_rate_per_hour: f64,
}

impl ViewState {
    /// A view whose first version will be `base + 1`.
    pub fn starting_at(base: u64) -> Self {
        ViewState {
            version: base,
            ..ViewState::default()
        }
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// Takes `snap` as the view now; the change from before as the next
    /// version, or `None` if nothing changed (the version stays).
    pub fn update(&mut self, snap: Snapshot, at: Timestamp) -> Option<ViewUpdate> {
        let first = snap.buckets.first().map(|b| b.start.timestamp_millis());
        let mut changed = Vec::new();
        for b in snap.buckets {
            let start = b.start.timestamp_millis();
            if self.buckets.get(&start) != Some(&b) {
                changed.push(b.clone());
                self.buckets.insert(start, b);
            }
        }
        if let Some(first) = first {
            self.buckets.retain(|start, _| *start >= first);
        }
        let mut update = ViewUpdate {
            buckets: changed,
            totals: replace(&mut self.totals, snap.totals),
            by_model: replace(&mut self.by_model, snap.by_model),
            by_tenant: replace(&mut self.by_tenant, snap.by_tenant),
            top_customers: replace(&mut self.top_customers, snap.top_customers),
            spend_rate_per_hour: replace(&mut self.spend_rate_per_hour, snap.spend_rate_per_hour),
            at,
            ..ViewUpdate::default()
        };
        let nothing = update.buckets.is_empty()
            && update.totals.is_none()
            && update.by_model.is_none()
            && update.by_tenant.is_none()
            && update.top_customers.is_none()
            && update.spend_rate_per_hour.is_none();
        if nothing && self.started {
            return None;
        }
        self.started = true;
        self.version += 1;
        update.version = self.version;
        Some(update)
    }

    /// The whole view at the current version, for a session that joins.
    pub fn full(&self, at: Timestamp) -> ViewUpdate {
        ViewUpdate {
            version: self.version,
            full: true,
            at,
            buckets: self.buckets.values().cloned().collect(),
            totals: Some(self.totals),
            by_model: Some(self.by_model.clone()),
            by_tenant: Some(self.by_tenant.clone()),
            top_customers: Some(self.top_customers.clone()),
            spend_rate_per_hour: Some(self.spend_rate_per_hour),
        }
    }
}

/// `new` if it differs from what `held` was (which it becomes).
fn replace<T: PartialEq + Clone>(held: &mut T, new: T) -> Option<T> {
    (*held != new).then(|| {
        *held = new.clone();
        new
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn at(s: i64) -> Timestamp {
        "2026-12-01T10:00:00Z".parse::<Timestamp>().unwrap() + TimeDelta::seconds(s)
    }

    fn bucket(s: i64, cost: f64) -> HistoryBucket {
        HistoryBucket {
            start: at(s),
            totals: Metrics {
                total_cost: cost,
                ..Metrics::default()
            },
            by_model: vec![],
            by_tenant: vec![],
            customers: vec![],
            other_customers: None,
            missing: false,
        }
    }

    fn snap(buckets: Vec<HistoryBucket>, rate: f64) -> Snapshot {
        Snapshot {
            buckets,
            totals: Metrics::default(),
            by_model: vec![],
            by_tenant: vec![],
            top_customers: vec![],
            spend_rate_per_hour: rate,
        }
    }

    #[test]
    fn only_what_changed_is_sent_and_versions_follow_each_other() {
        let mut v = ViewState::default();
        let first = v
            .update(snap(vec![bucket(0, 1.0), bucket(5, 2.0)], 3.0), at(6))
            .unwrap();
        assert_eq!((first.version, first.buckets.len()), (1, 2));
        // Nothing moved: nothing to send, the version stays.
        assert!(
            v.update(snap(vec![bucket(0, 1.0), bucket(5, 2.0)], 3.0), at(7))
                .is_none()
        );
        assert_eq!(v.version(), 1);
        // The open bucket grew and the rate moved; the closed one is not resent.
        let next = v
            .update(snap(vec![bucket(0, 1.0), bucket(5, 2.5)], 4.0), at(8))
            .unwrap();
        assert_eq!(next.version, 2);
        assert_eq!(next.buckets, vec![bucket(5, 2.5)]);
        assert_eq!(next.spend_rate_per_hour, Some(4.0));
        assert_eq!(next.by_model, None);
        // The span moves on: the oldest bucket leaves the full view.
        let moved = v
            .update(snap(vec![bucket(5, 2.5), bucket(10, 0.5)], 4.0), at(11))
            .unwrap();
        assert_eq!(moved.buckets, vec![bucket(10, 0.5)]);
        let full = v.full(at(11));
        assert!(full.full);
        assert_eq!(full.version, 3);
        assert_eq!(full.buckets, vec![bucket(5, 2.5), bucket(10, 0.5)]);
        assert_eq!(full.spend_rate_per_hour, Some(4.0));
    }

    #[test]
    fn an_empty_first_view_is_still_a_version() {
        let mut v = ViewState::starting_at(1 << 32);
        let first = v.update(snap(vec![], 0.0), at(0)).unwrap();
        assert_eq!(first.version, (1 << 32) + 1);
        assert!(v.update(snap(vec![], 0.0), at(1)).is_none());
    }
}
