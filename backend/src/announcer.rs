//! `Announcer`: the one way an anomaly changes. It writes the change into
//! the anomaly book, tells every session on the hub, and keeps the
//! open-anomalies gauge equal to the book, whether the change came from the
//! detector or from a person.

use std::sync::Arc;

use parking_lot::RwLock;
use protocol::{Anomaly, Timestamp};

use crate::anomaly::{AnomalyBook, Decision};
use crate::feed::Hub;
use crate::storage::StorageHandle;
use crate::telemetry::Telemetry;

#[derive(Clone)]
pub struct Announcer {
    book: Arc<RwLock<AnomalyBook>>,
    hub: Hub,
    telemetry: Arc<Telemetry>,
    storage: Option<StorageHandle>,
}

impl Announcer {
    pub fn new(book: Arc<RwLock<AnomalyBook>>, hub: Hub, telemetry: Arc<Telemetry>) -> Self {
        Announcer {
            book,
            hub,
            telemetry,
            storage: None,
        }
    }

    /// Also keeps every change in the durable store.
    pub fn storing_to(mut self, storage: Option<StorageHandle>) -> Self {
        self.storage = storage;
        self
    }

    /// The book, for reading.
    pub fn book(&self) -> &Arc<RwLock<AnomalyBook>> {
        &self.book
    }

    /// What the detector found (people's decisions on it are kept).
    pub fn detected(&self, anomaly: Anomaly) -> Anomaly {
        let stored = self.book.write().upsert(anomaly);
        self.telemetry.anomalies_reported.inc();
        self.announce(&stored);
        stored
    }

    /// What a person decided; `None` if the id is unknown.
    pub fn decided(&self, id: &str, decision: Decision, now: Timestamp) -> Option<Anomaly> {
        let stored = self.book.write().set_status(id, decision, now)?;
        self.announce(&stored);
        Some(stored)
    }

    fn announce(&self, stored: &Anomaly) {
        if let Some(storage) = &self.storage {
            storage.save_anomaly(stored);
        }
        self.hub.publish_anomaly(stored);
        let open = self.book.read().open_count();
        self.telemetry.anomalies_open.set(open as i64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::Event;
    use protocol::AnomalyStatus;

    #[test]
    fn every_change_is_booked_broadcast_and_counted() {
        let hub = Hub::new(8);
        let mut rx = hub.subscribe();
        let telemetry = Arc::new(Telemetry::new());
        let announcer = Announcer::new(
            Arc::new(RwLock::new(AnomalyBook::new(10))),
            hub,
            telemetry.clone(),
        );
        let mut anomaly = protocol_sample();
        anomaly.id = "anm-x-000001".into();
        announcer.detected(anomaly);
        assert_eq!(telemetry.anomalies_open.get(), 1);
        assert!(matches!(rx.try_recv(), Ok(Event::Anomaly(_))));
        let decided = announcer
            .decided(
                "anm-x-000001",
                Decision::to(AnomalyStatus::Dismissed),
                chrono::Utc::now(),
            )
            .unwrap();
        assert_eq!(decided.status, AnomalyStatus::Dismissed);
        assert_eq!(telemetry.anomalies_open.get(), 0);
        assert!(matches!(rx.try_recv(), Ok(Event::Anomaly(_))));
        assert!(
            announcer
                .decided(
                    "nope",
                    Decision::to(AnomalyStatus::Open),
                    chrono::Utc::now()
                )
                .is_none()
        );
    }

    fn protocol_sample() -> Anomaly {
        serde_json::from_value(serde_json::json!({
            "id": "x", "entity": {"kind": "tenant", "id": "acme"}, "metric": "costRate",
            "severity": "warning", "score": 7.0, "startedAt": "2026-11-23T10:00:00Z",
            "updatedAt": "2026-11-23T10:00:00Z", "observed": 2.0, "expected": 1.0, "peak": 2.0,
            "trend": [], "cause": {"excessUsdPerHour": 1.0, "summary": "", "contributors": []},
            "status": "open"
        }))
        .unwrap()
    }
}
