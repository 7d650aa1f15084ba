//! The aggregator actor: folds every report into the current frame and, four
//! times a second, seals the frame into the rollups and the live feed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::{DateTime, Utc};
use protocol::MetricUpdate;
use protocol::limits::FRAME_MS;

use crate::aggregation::pipeline::Sealed;
use crate::aggregation::{Pipeline, Rollups};
use crate::feed::{Hub, SealedFrame};
use crate::storage::StorageHandle;
use crate::telemetry::{Source, Telemetry};

/// Messages waiting for the aggregator; generators drop (and count) batches
/// beyond this instead of queueing without bound, HTTP ingest waits.
pub const MAILBOX_CAPACITY: usize = 256;

/// A batch of raw reports, already validated.
#[derive(Message)]
#[rtype(result = "Receipt")]
pub struct Ingest {
    pub updates: Vec<MetricUpdate>,
    pub source: Source,
}

/// What happened to a batch: how many reports were folded, and the frame
/// they will be sealed (and committed) in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, MessageResponse)]
pub struct Receipt {
    pub accepted: usize,
    pub frame: u64,
}

/// A frame was sealed (sent to the anomaly detector).
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct FrameSealed(pub Arc<SealedFrame>);

pub struct Aggregator {
    pipeline: Pipeline,
    hub: Hub,
    telemetry: Arc<Telemetry>,
    detector: Option<Recipient<FrameSealed>>,
    storage: Option<StorageHandle>,
    overflowed_reported: u64,
}

impl Aggregator {
    pub fn new(
        pipeline: Pipeline,
        hub: Hub,
        telemetry: Arc<Telemetry>,
        detector: Option<Recipient<FrameSealed>>,
        storage: Option<StorageHandle>,
    ) -> Self {
        Aggregator {
            pipeline,
            hub,
            telemetry,
            detector,
            storage,
            overflowed_reported: 0,
        }
    }

    /// An aggregator over fresh rollups with no detector and no store (tests, benches).
    pub fn bare(rollups: Arc<Rollups>, hub: Hub, telemetry: Arc<Telemetry>) -> Self {
        Aggregator::new(Pipeline::new(rollups), hub, telemetry, None, None)
    }

    fn seal(&mut self, now: DateTime<Utc>) {
        let started = Instant::now();
        let Sealed { frame, commit } = self.pipeline.seal(now);
        // In order, one commit per frame (empty ones too: they say the
        // server was recording). Blocks while the writer is behind.
        if let Some(storage) = &self.storage {
            storage.commit(commit);
        }
        self.hub.publish_frame(frame.clone());
        let logged = frame.updates.len() as u64;
        if !frame.is_empty()
            && let Some(detector) = &self.detector
        {
            // The detector keeps up easily; if it ever did not, skipping a
            // frame beats an unbounded queue.
            let _ = detector.try_send(FrameSealed(frame));
        }
        let t = &self.telemetry;
        t.frames_sealed.inc();
        t.updates_logged.inc_by(logged);
        t.frame_seal_seconds
            .observe(started.elapsed().as_secs_f64());
        let overflowed = self.pipeline.overflowed();
        if overflowed > self.overflowed_reported {
            t.names_overflowed
                .inc_by(overflowed - self.overflowed_reported);
            self.overflowed_reported = overflowed;
        }
    }
}

impl Actor for Aggregator {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX_CAPACITY);
        ctx.run_interval(Duration::from_millis(u64::from(FRAME_MS)), |act, _| {
            act.seal(Utc::now())
        });
    }
}

impl Handler<Ingest> for Aggregator {
    type Result = Receipt;

    fn handle(&mut self, msg: Ingest, _: &mut Self::Context) -> Receipt {
        self.pipeline.ingest(&msg.updates);
        self.telemetry
            .ingested(msg.source, msg.updates.len() as u64);
        let unpriced = msg.updates.iter().map(|u| u.metrics.unpriced_calls).sum();
        self.telemetry.unpriced(msg.source, unpriced);
        Receipt {
            accepted: msg.updates.len(),
            frame: self.pipeline.next_frame_no(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::RollupConfig;
    use crate::feed::Event;
    use protocol::Metrics;

    fn report(customer: &str, ts: DateTime<Utc>) -> MetricUpdate {
        MetricUpdate {
            seq: 0,
            timestamp: ts,
            tenant_id: "acme".into(),
            customer_id: customer.into(),
            model: "gpt-4o".into(),
            samples: 1,
            metrics: Metrics {
                total_calls: 1,
                total_tokens: 100,
                input_tokens: 80,
                output_tokens: 20,
                total_cost: 0.01,
                avg_latency_ms: 300.0,
                ..Default::default()
            },
        }
    }

    #[actix::test]
    async fn ingested_reports_come_out_as_one_sealed_frame() {
        let rollups = Arc::new(Rollups::new(RollupConfig::default(), 1000));
        let hub = Hub::new(16);
        let mut rx = hub.subscribe();
        let addr = Aggregator::bare(rollups.clone(), hub, Arc::new(Telemetry::new())).start();
        let now = Utc::now();
        let batch: Vec<MetricUpdate> = (0..10)
            .map(|i| report(if i % 2 == 0 { "a" } else { "b" }, now))
            .collect();
        assert_eq!(
            addr.send(Ingest {
                updates: batch,
                source: Source::Http
            })
            .await
            .unwrap()
            .accepted,
            10
        );
        // Frames keep coming every 250 ms; find the one with our updates.
        let frame = loop {
            match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
                Ok(Ok(Event::Frame(f))) if !f.is_empty() => break f,
                Ok(Ok(_)) => continue,
                other => panic!("no frame: {other:?}"),
            }
        };
        assert_eq!(frame.first_seq, 1001);
        assert_eq!(frame.last_seq, 1002);
        assert_eq!(frame.updates.len(), 2);
        assert_eq!(frame.updates.iter().map(|u| u.samples).sum::<u32>(), 10);
        assert_eq!(
            frame
                .updates
                .iter()
                .map(|u| u.metrics.total_calls)
                .sum::<u64>(),
            10
        );
        let state = rollups.read();
        assert_eq!(state.log.head(), 1002);
        assert_eq!(state.reports, 10);
    }
}
