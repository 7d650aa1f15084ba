//! The anomalies people see and act on: what REST lists, with the status
//! (acknowledged, dismissed) people gave them. Bounded; the owner wraps it in a lock.

use protocol::{Anomaly, AnomalyStatus, Timestamp};

/// What a person decided about an anomaly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub status: AnomalyStatus,
    pub reason: Option<String>,
    /// The name of the token that decided, if tokens are configured.
    pub by: Option<String>,
}

impl Decision {
    /// A decision with no reason and no name (tests, open servers).
    pub fn to(status: AnomalyStatus) -> Self {
        Decision {
            status,
            reason: None,
            by: None,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    /// Insertion order, to break ties between equal start times.
    seq: u64,
    anomaly: Anomaly,
}

#[derive(Debug, Clone)]
pub struct AnomalyBook {
    capacity: usize,
    entries: Vec<Entry>,
    next_seq: u64,
}

impl AnomalyBook {
    /// Keeps at most `capacity` anomalies, evicting the oldest ended ones first.
    pub fn new(capacity: usize) -> Self {
        AnomalyBook {
            capacity,
            entries: Vec::new(),
            next_seq: 0,
        }
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.anomaly.id == id)
    }

    /// Inserts or replaces by id, keeping the stored status, status reason and
    /// status time (those belong to people, not to the detector). Returns what is stored.
    pub fn upsert(&mut self, anomaly: Anomaly) -> Anomaly {
        if let Some(i) = self.position(&anomaly.id) {
            let stored = &mut self.entries[i].anomaly;
            *stored = Anomaly {
                status: stored.status,
                status_reason: stored.status_reason.take(),
                status_changed_by: stored.status_changed_by.take(),
                status_changed_at: stored.status_changed_at,
                ..anomaly
            };
            return stored.clone();
        }
        if self.capacity == 0 {
            return anomaly;
        }
        if self.entries.len() >= self.capacity {
            self.evict_one();
        }
        self.entries.push(Entry {
            seq: self.next_seq,
            anomaly: anomaly.clone(),
        });
        self.next_seq += 1;
        anomaly
    }

    /// Puts back an anomaly as the durable store kept it, status and all.
    pub fn restore(&mut self, anomaly: Anomaly) {
        if let Some(i) = self.position(&anomaly.id) {
            self.entries[i].anomaly = anomaly;
            return;
        }
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() >= self.capacity {
            self.evict_one();
        }
        self.entries.push(Entry {
            seq: self.next_seq,
            anomaly,
        });
        self.next_seq += 1;
    }

    /// Removes the oldest ended anomaly, or the oldest of all if none has ended.
    fn evict_one(&mut self) {
        let oldest = |ended_only: bool| {
            self.entries
                .iter()
                .enumerate()
                .filter(|(_, e)| !ended_only || !e.anomaly.is_ongoing())
                .min_by_key(|(_, e)| (e.anomaly.started_at, e.seq))
                .map(|(i, _)| i)
        };
        if let Some(i) = oldest(true).or_else(|| oldest(false)) {
            self.entries.remove(i);
        }
    }

    pub fn get(&self, id: &str) -> Option<&Anomaly> {
        self.entries
            .iter()
            .find(|e| e.anomaly.id == id)
            .map(|e| &e.anomaly)
    }

    /// Up to `limit` anomalies with the given status (all if `None`), newest start first.
    pub fn list(&self, status: Option<AnomalyStatus>, limit: usize) -> Vec<Anomaly> {
        self.list_where(status, limit, |_| true)
    }

    /// Like [`AnomalyBook::list`], of the anomalies `visible` admits.
    pub fn list_where(
        &self,
        status: Option<AnomalyStatus>,
        limit: usize,
        visible: impl Fn(&Anomaly) -> bool,
    ) -> Vec<Anomaly> {
        let mut matching: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| status.is_none_or(|s| e.anomaly.status == s) && visible(&e.anomaly))
            .collect();
        matching.sort_by_key(|e| std::cmp::Reverse((e.anomaly.started_at, e.seq)));
        matching
            .into_iter()
            .take(limit)
            .map(|e| e.anomaly.clone())
            .collect()
    }

    /// Sets what people decided; `None` if the id is unknown.
    pub fn set_status(&mut self, id: &str, decision: Decision, now: Timestamp) -> Option<Anomaly> {
        let i = self.position(id)?;
        let stored = &mut self.entries[i].anomaly;
        stored.status = decision.status;
        stored.status_reason = decision.reason;
        stored.status_changed_by = decision.by;
        stored.status_changed_at = Some(now);
        Some(stored.clone())
    }

    /// Anomalies still ongoing (no `endedAt`) that nobody has acknowledged or dismissed.
    pub fn open_count(&self) -> usize {
        self.open_count_where(|_| true)
    }

    /// Like [`AnomalyBook::open_count`], of the anomalies `visible` admits.
    pub fn open_count_where(&self, visible: impl Fn(&Anomaly) -> bool) -> usize {
        self.entries
            .iter()
            .filter(|e| {
                e.anomaly.is_ongoing()
                    && e.anomaly.status == AnomalyStatus::Open
                    && visible(&e.anomaly)
            })
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use protocol::{AnomalyMetric, Cause, EntityKind, EntityRef, Severity};

    fn t(minutes: i64) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap() + Duration::minutes(minutes)
    }

    fn anomaly(n: u32, started: i64, ended: Option<i64>) -> Anomaly {
        Anomaly {
            id: format!("anm-{n:06}"),
            entity: EntityRef {
                kind: EntityKind::Customer,
                id: "acme-17".into(),
                tenant_id: Some("acme".into()),
            },
            metric: AnomalyMetric::CostRate,
            severity: Severity::Warning,
            score: 8.0,
            started_at: t(started),
            updated_at: t(started + 1),
            ended_at: ended.map(t),
            observed: 300.0,
            expected: 100.0,
            peak: 320.0,
            trend: Vec::new(),
            cause: Cause {
                excess_usd_per_hour: 200.0,
                summary: "test".into(),
                contributors: Vec::new(),
            },
            status: AnomalyStatus::Open,
            status_reason: None,
            status_changed_by: None,
            status_changed_at: None,
        }
    }

    fn ids(list: &[Anomaly]) -> Vec<&str> {
        list.iter().map(|a| a.id.as_str()).collect()
    }

    #[test]
    fn upsert_keeps_what_people_decided() {
        let mut book = AnomalyBook::new(10);
        let stored = book.upsert(anomaly(1, 0, None));
        assert_eq!(stored, anomaly(1, 0, None));
        let acked = book
            .set_status(
                "anm-000001",
                Decision {
                    status: AnomalyStatus::Acknowledged,
                    reason: Some("batch job".into()),
                    by: Some("ops".into()),
                },
                t(3),
            )
            .unwrap();
        assert_eq!(acked.status, AnomalyStatus::Acknowledged);
        assert_eq!(acked.status_changed_at, Some(t(3)));

        // The detector sends a fresh copy (status Open, no reason); people's choice stays.
        let mut fresh = anomaly(1, 0, Some(6));
        fresh.observed = 110.0;
        let stored = book.upsert(fresh);
        assert_eq!(stored.status, AnomalyStatus::Acknowledged);
        assert_eq!(stored.status_reason.as_deref(), Some("batch job"));
        assert_eq!(stored.status_changed_at, Some(t(3)));
        assert_eq!(stored.status_changed_by.as_deref(), Some("ops"));
        assert_eq!(stored.observed, 110.0);
        assert_eq!(stored.ended_at, Some(t(6)));
        assert_eq!(book.get("anm-000001"), Some(&stored));
        assert_eq!(book.list(None, 10).len(), 1);
    }

    #[test]
    fn unknown_ids() {
        let mut book = AnomalyBook::new(10);
        assert_eq!(book.get("anm-000404"), None);
        assert_eq!(
            book.set_status("anm-000404", Decision::to(AnomalyStatus::Dismissed), t(0)),
            None
        );
    }

    #[test]
    fn list_is_newest_first_filtered_and_limited() {
        let mut book = AnomalyBook::new(10);
        book.upsert(anomaly(1, 0, None));
        book.upsert(anomaly(2, 5, None));
        book.upsert(anomaly(3, 2, Some(4)));
        book.upsert(anomaly(4, 5, None));
        book.set_status("anm-000003", Decision::to(AnomalyStatus::Dismissed), t(6));
        assert_eq!(
            ids(&book.list(None, 10)),
            ["anm-000004", "anm-000002", "anm-000003", "anm-000001"]
        );
        assert_eq!(ids(&book.list(None, 2)), ["anm-000004", "anm-000002"]);
        assert_eq!(
            ids(&book.list(Some(AnomalyStatus::Open), 10)),
            ["anm-000004", "anm-000002", "anm-000001"]
        );
        assert_eq!(
            ids(&book.list(Some(AnomalyStatus::Dismissed), 10)),
            ["anm-000003"]
        );
        assert!(book.list(Some(AnomalyStatus::Acknowledged), 10).is_empty());
        assert!(book.list(None, 0).is_empty());
    }

    #[test]
    fn open_count_needs_ongoing_and_open() {
        let mut book = AnomalyBook::new(10);
        book.upsert(anomaly(1, 0, None));
        book.upsert(anomaly(2, 1, None));
        book.upsert(anomaly(3, 2, Some(3)));
        assert_eq!(book.open_count(), 2);
        book.set_status(
            "anm-000002",
            Decision::to(AnomalyStatus::Acknowledged),
            t(4),
        );
        assert_eq!(book.open_count(), 1);
        book.upsert(anomaly(1, 0, Some(5)));
        assert_eq!(book.open_count(), 0);
        book.set_status("anm-000002", Decision::to(AnomalyStatus::Open), t(6));
        assert_eq!(book.open_count(), 1);
    }

    #[test]
    fn eviction_takes_the_oldest_ended_first() {
        let mut book = AnomalyBook::new(3);
        book.upsert(anomaly(1, 0, None));
        book.upsert(anomaly(2, 1, Some(3)));
        book.upsert(anomaly(3, 2, Some(4)));
        book.upsert(anomaly(4, 5, None));
        // anm-000002 is the oldest ended one; the older ongoing anm-000001 stays.
        assert_eq!(
            ids(&book.list(None, 10)),
            ["anm-000004", "anm-000003", "anm-000001"]
        );
        book.upsert(anomaly(5, 6, None));
        assert_eq!(
            ids(&book.list(None, 10)),
            ["anm-000005", "anm-000004", "anm-000001"]
        );
        // Nothing ended: the oldest of all goes.
        book.upsert(anomaly(6, 7, None));
        assert_eq!(
            ids(&book.list(None, 10)),
            ["anm-000006", "anm-000005", "anm-000004"]
        );
        // Replacing does not evict.
        book.upsert(anomaly(5, 6, Some(8)));
        assert_eq!(book.list(None, 10).len(), 3);
        // A zero-capacity book stores nothing.
        let mut none = AnomalyBook::new(0);
        assert_eq!(none.upsert(anomaly(1, 0, None)).id, "anm-000001");
        assert!(none.get("anm-000001").is_none());
    }
}
