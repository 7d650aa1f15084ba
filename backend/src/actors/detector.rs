//! The anomaly detector actor: observes every sealed frame, re-evaluates the
//! baselines every few seconds, records what it finds in the anomaly book and
//! tells every session.

use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};

use super::aggregator::FrameSealed;
use crate::announcer::Announcer;
use crate::anomaly::Detector;

const EVALUATE_EVERY: Duration = Duration::from_secs(5);

pub struct AnomalyDetector {
    detector: Detector,
    announcer: Announcer,
}

impl AnomalyDetector {
    pub fn new(detector: Detector, announcer: Announcer) -> Self {
        AnomalyDetector {
            detector,
            announcer,
        }
    }

    /// Re-evaluates the baselines as of `now` (every `EVALUATE_EVERY`, from
    /// the actor's own timer), books what changed and tells every session.
    fn evaluate(&mut self, now: DateTime<Utc>) {
        for anomaly in self.detector.evaluate(now) {
            self.announcer.detected(anomaly);
        }
    }
}

impl Actor for AnomalyDetector {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(64);
        ctx.run_interval(EVALUATE_EVERY, |act, _| act.evaluate(Utc::now()));
    }
}

impl Handler<FrameSealed> for AnomalyDetector {
    type Result = ();

    fn handle(&mut self, msg: FrameSealed, _: &mut Self::Context) {
        self.detector.observe(&msg.0.updates);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anomaly::{AnomalyBook, DetectorConfig};
    use crate::feed::{Event, Hub, SealedFrame};
    use crate::telemetry::Telemetry;
    use parking_lot::RwLock;
    use protocol::{AnomalyStatus, MetricUpdate, Metrics, ServerMessage};
    use std::sync::Arc;

    fn report(at: DateTime<Utc>, cost: f64) -> MetricUpdate {
        MetricUpdate {
            seq: 0,
            timestamp: at,
            tenant_id: "acme".into(),
            customer_id: "acme-17".into(),
            model: "claude-opus-4".into(),
            samples: 1,
            metrics: Metrics {
                total_calls: 2,
                total_tokens: 4_000,
                input_tokens: 3_500,
                output_tokens: 500,
                total_cost: cost,
                avg_latency_ms: 1_500.0,
                ..Default::default()
            },
        }
    }

    /// Drives the actor as its mailbox and timer would: frames through its
    /// `FrameSealed` handler, then `evaluate` as the 5 s timer calls it, at
    /// chosen instants instead of the wall clock.
    #[test]
    fn a_spike_after_a_steady_baseline_is_booked_and_broadcast() {
        let book = Arc::new(RwLock::new(AnomalyBook::new(10)));
        let hub = Hub::new(64);
        let mut rx = hub.subscribe();
        let mut detector = AnomalyDetector::new(
            Detector::new(DetectorConfig::default()),
            Announcer::new(book.clone(), hub, Arc::new(Telemetry::new())),
        );
        let mut ctx = Context::new();
        let now = Utc::now();
        // 30 min at $0.02 a second ($72/h), then two minutes at $0.5 a second.
        let mut updates: Vec<MetricUpdate> = (120..1800)
            .map(|s| report(now - chrono::Duration::seconds(s), 0.02))
            .collect();
        updates.extend((1..120).map(|s| report(now - chrono::Duration::seconds(s), 0.5)));
        for (i, chunk) in updates.chunks(200).enumerate() {
            let frame = SealedFrame::new(i as u64, 1 + i as u64 * 200, now, chunk.to_vec());
            detector.handle(FrameSealed(Arc::new(frame)), &mut ctx);
        }
        for back in [10, 5, 0] {
            detector.evaluate(now - chrono::Duration::seconds(back));
        }
        let listed = book.read().list(None, 10);
        assert_eq!(listed.len(), 1, "{listed:#?}");
        let anomaly = &listed[0];
        assert_eq!(anomaly.entity.id, "acme-17");
        assert_eq!(anomaly.status, AnomalyStatus::Open);
        assert!(anomaly.observed > 10.0 * anomaly.expected, "{anomaly:?}");
        assert!(
            anomaly.cause.summary.contains("acme-17"),
            "{}",
            anomaly.cause.summary
        );
        assert_eq!(book.read().open_count(), 1);
        match rx.try_recv() {
            Ok(Event::Anomaly(event)) => match serde_json::from_str(&event.message).unwrap() {
                ServerMessage::Anomaly { anomaly: sent } => assert_eq!(sent.id, anomaly.id),
                other => panic!("{other:?}"),
            },
            other => panic!("expected the anomaly broadcast, got {other:?}"),
        }
    }
}
