//! The anomaly list: server anomalies merged with the viewer's own reviews
//! (acknowledged / dismissed / reopened), which persist in localStorage and
//! survive reloads and backend restarts.

use std::collections::BTreeMap;

use protocol::{Anomaly, AnomalyStatus};
use serde::{Deserialize, Serialize};

/// Anomalies kept in memory (newest first); older ones drop off.
pub const MAX_ANOMALIES: usize = 200;
/// Reviews kept in localStorage; the oldest are forgotten first.
pub const MAX_REVIEWS: usize = 500;

/// Which anomalies the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    #[default]
    Open,
    Acknowledged,
    Dismissed,
    All,
}

impl Filter {
    pub const ALL: [Filter; 4] = [
        Filter::Open,
        Filter::Acknowledged,
        Filter::Dismissed,
        Filter::All,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Filter::Open => "Open",
            Filter::Acknowledged => "Acknowledged",
            Filter::Dismissed => "Dismissed",
            Filter::All => "All",
        }
    }

    fn admits(self, status: AnomalyStatus) -> bool {
        match self {
            Filter::Open => status == AnomalyStatus::Open,
            Filter::Acknowledged => status == AnomalyStatus::Acknowledged,
            Filter::Dismissed => status == AnomalyStatus::Dismissed,
            Filter::All => true,
        }
    }
}

/// A viewer's decision about one anomaly, as stored in localStorage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub status: AnomalyStatus,
    /// Wall-clock milliseconds of the decision (orders eviction).
    pub at_ms: f64,
}

/// Key of a review: the id plus the start time, because a restarted backend
/// numbers its anomalies from 1 again and an old "acknowledged" must not hide a new one.
pub fn review_key(a: &Anomaly) -> String {
    format!("{}@{}", a.id, a.started_at.timestamp_millis())
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnomalyBook {
    /// Newest first by start time.
    anomalies: Vec<Anomaly>,
    reviews: BTreeMap<String, Review>,
    /// The list has been loaded at least once.
    pub loaded: bool,
}

impl AnomalyBook {
    pub fn with_reviews(reviews: BTreeMap<String, Review>) -> Self {
        AnomalyBook {
            reviews,
            ..AnomalyBook::default()
        }
    }

    pub fn reviews(&self) -> &BTreeMap<String, Review> {
        &self.reviews
    }

    /// Replaces the list with a fresh load from the server.
    pub fn replace_all(&mut self, anomalies: Vec<Anomaly>) {
        self.anomalies = anomalies;
        self.sort_and_bound();
        self.loaded = true;
    }

    /// Inserts or updates one anomaly (from the socket or an action's reply).
    pub fn upsert(&mut self, anomaly: Anomaly) {
        match self.anomalies.iter_mut().find(|a| a.id == anomaly.id) {
            Some(existing) => *existing = anomaly,
            None => self.anomalies.push(anomaly),
        }
        self.sort_and_bound();
    }

    fn sort_and_bound(&mut self) {
        self.anomalies.sort_by(|a, b| {
            b.started_at
                .cmp(&a.started_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        self.anomalies.truncate(MAX_ANOMALIES);
    }

    /// Status as the viewer sees it: their own review wins over the server's.
    pub fn status_of(&self, a: &Anomaly) -> AnomalyStatus {
        self.reviews
            .get(&review_key(a))
            .map_or(a.status, |r| r.status)
    }

    pub fn get(&self, id: &str) -> Option<&Anomaly> {
        self.anomalies.iter().find(|a| a.id == id)
    }

    /// The anomalies the filter admits, newest first.
    pub fn visible(&self, filter: Filter) -> Vec<&Anomaly> {
        self.anomalies
            .iter()
            .filter(|a| filter.admits(self.status_of(a)))
            .collect()
    }

    /// The wall's order: critical before warning, then the largest excess
    /// spend ($/h over the baseline, as the cause gives it), then the newest.
    pub fn wall_order(items: &mut [&Anomaly]) {
        let excess = |a: &Anomaly| a.cause.excess_usd_per_hour;
        items.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| excess(b).total_cmp(&excess(a)))
                .then_with(|| b.started_at.cmp(&a.started_at))
        });
    }

    pub fn count(&self, filter: Filter) -> usize {
        self.anomalies
            .iter()
            .filter(|a| filter.admits(self.status_of(a)))
            .count()
    }

    /// All anomalies, newest first.
    pub fn all(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// Records the viewer's decision; returns false for an unknown id.
    pub fn review(&mut self, id: &str, status: AnomalyStatus, now_ms: f64) -> bool {
        let Some(key) = self.get(id).map(review_key) else {
            return false;
        };
        self.reviews.insert(
            key,
            Review {
                status,
                at_ms: now_ms,
            },
        );
        while self.reviews.len() > MAX_REVIEWS {
            let oldest = self
                .reviews
                .iter()
                .min_by(|a, b| a.1.at_ms.total_cmp(&b.1.at_ms))
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => self.reviews.remove(&k),
                None => break,
            };
        }
        true
    }

    /// Reviews the server does not know about yet (it restarted, or an earlier
    /// request failed): (id, status) pairs to send again.
    pub fn unsynced(&self) -> Vec<(String, AnomalyStatus)> {
        self.anomalies
            .iter()
            .filter_map(|a| {
                let r = self.reviews.get(&review_key(a))?;
                (r.status != a.status).then(|| (a.id.clone(), r.status))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{AnomalyMetric, Cause, EntityKind, EntityRef, Severity};

    fn anomaly(id: &str, started: &str) -> Anomaly {
        Anomaly {
            id: id.into(),
            entity: EntityRef {
                kind: EntityKind::Customer,
                id: "acme-17".into(),
                tenant_id: Some("acme".into()),
            },
            metric: AnomalyMetric::CostRate,
            severity: Severity::Critical,
            score: 9.0,
            started_at: started.parse().unwrap(),
            updated_at: started.parse().unwrap(),
            ended_at: None,
            observed: 500.0,
            expected: 100.0,
            peak: 520.0,
            trend: vec![],
            cause: Cause {
                excess_usd_per_hour: 400.0,
                summary: "82% of the +$400/h came from acme-17 on claude-opus-4".into(),
                contributors: vec![],
            },
            status: AnomalyStatus::Open,
            status_reason: None,
            status_changed_by: None,
            status_changed_at: None,
        }
    }

    #[test]
    fn newest_first_and_upsert_replaces() {
        let mut book = AnomalyBook::default();
        book.replace_all(vec![
            anomaly("anm-1", "2026-11-23T10:00:00Z"),
            anomaly("anm-2", "2026-11-23T10:05:00Z"),
        ]);
        assert_eq!(book.visible(Filter::Open)[0].id, "anm-2");
        let mut changed = anomaly("anm-1", "2026-11-23T10:00:00Z");
        changed.observed = 900.0;
        book.upsert(changed);
        assert_eq!(book.all().len(), 2);
        assert_eq!(book.get("anm-1").unwrap().observed, 900.0);
        book.upsert(anomaly("anm-3", "2026-11-23T10:06:00Z"));
        assert_eq!(book.all()[0].id, "anm-3");
    }

    #[test]
    fn reviews_override_and_filter() {
        let mut book = AnomalyBook::default();
        book.replace_all(vec![anomaly("anm-1", "2026-11-23T10:00:00Z")]);
        assert!(book.review("anm-1", AnomalyStatus::Acknowledged, 1.0));
        assert!(!book.review("nope", AnomalyStatus::Acknowledged, 1.0));
        assert_eq!(book.count(Filter::Open), 0);
        assert_eq!(book.visible(Filter::Acknowledged).len(), 1);
        assert_eq!(book.count(Filter::All), 1);
        assert_eq!(
            book.unsynced(),
            [("anm-1".to_string(), AnomalyStatus::Acknowledged)]
        );
        // The server catching up clears the need to resend.
        let mut acked = anomaly("anm-1", "2026-11-23T10:00:00Z");
        acked.status = AnomalyStatus::Acknowledged;
        book.upsert(acked);
        assert!(book.unsynced().is_empty());
    }

    #[test]
    fn reviews_survive_a_reload_but_not_a_reused_id() {
        let mut book = AnomalyBook::default();
        book.replace_all(vec![anomaly("anm-1", "2026-11-23T10:00:00Z")]);
        book.review("anm-1", AnomalyStatus::Dismissed, 1.0);
        let stored = serde_json::to_string(book.reviews()).unwrap();
        let reloaded: BTreeMap<String, Review> = serde_json::from_str(&stored).unwrap();
        let mut again = AnomalyBook::with_reviews(reloaded.clone());
        again.replace_all(vec![anomaly("anm-1", "2026-11-23T10:00:00Z")]);
        assert_eq!(again.count(Filter::Dismissed), 1);
        // A restarted backend reuses the id for a different anomaly.
        let mut restarted = AnomalyBook::with_reviews(reloaded);
        restarted.replace_all(vec![anomaly("anm-1", "2026-11-23T11:00:00Z")]);
        assert_eq!(restarted.count(Filter::Open), 1);
    }

    #[test]
    fn memory_is_bounded() {
        let mut book = AnomalyBook::default();
        for i in 0..(MAX_ANOMALIES + 10) {
            let started = format!("2026-11-23T10:{:02}:{:02}Z", i / 60, i % 60);
            book.upsert(anomaly(&format!("anm-{i}"), &started));
        }
        assert_eq!(book.all().len(), MAX_ANOMALIES);
        for i in 0..MAX_ANOMALIES {
            book.review(
                &book.all()[i].id.clone(),
                AnomalyStatus::Acknowledged,
                i as f64,
            );
        }
        for i in 0..(MAX_REVIEWS - MAX_ANOMALIES + 5) {
            book.reviews.insert(
                format!("old-{i}"),
                Review {
                    status: AnomalyStatus::Dismissed,
                    at_ms: -1.0,
                },
            );
        }
        book.review(&book.all()[0].id.clone(), AnomalyStatus::Dismissed, 1e9);
        assert_eq!(book.reviews().len(), MAX_REVIEWS);
    }

    #[test]
    fn the_wall_ranks_severity_then_excess_spend() {
        let mut warning = anomaly("anm-w", "2026-11-23T10:09:00Z");
        warning.severity = Severity::Warning;
        warning.cause.excess_usd_per_hour = 9_000.0;
        let mut small = anomaly("anm-s", "2026-11-23T10:05:00Z");
        small.cause.excess_usd_per_hour = 50.0;
        let big = anomaly("anm-b", "2026-11-23T10:00:00Z");
        let mut items = vec![&warning, &small, &big];
        AnomalyBook::wall_order(&mut items);
        let ids: Vec<&str> = items.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["anm-b", "anm-s", "anm-w"]);
    }
}
