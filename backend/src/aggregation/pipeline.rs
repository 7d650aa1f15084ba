//! `Pipeline`: what the aggregator actor does, without the actor: fold
//! reports into the current frame, and seal the frame into the rollups and a
//! `SealedFrame` ready to broadcast. Benchmarked directly.

use std::sync::Arc;

use protocol::MetricUpdate;
use protocol::time::Timestamp;

use super::query::to_update;
use super::{Coalescer, Interner, NameCaps, Rollups, Usage};
use crate::feed::SealedFrame;

pub struct Pipeline {
    rollups: Arc<Rollups>,
    interner: Interner,
    coalescer: Coalescer,
    frame_no: u64,
}

impl Pipeline {
    pub fn new(rollups: Arc<Rollups>) -> Self {
        Pipeline {
            rollups,
            interner: Interner::new(NameCaps::default()),
            coalescer: Coalescer::default(),
            frame_no: 0,
        }
    }

    /// Folds validated reports into the current frame.
    pub fn ingest(&mut self, updates: &[MetricUpdate]) {
        for u in updates {
            let key = self.interner.intern(&u.tenant_id, &u.customer_id, &u.model);
            self.coalescer.add(
                key,
                u.timestamp.timestamp_millis(),
                u.samples.max(1),
                &Usage::from_metrics(&u.metrics),
            );
        }
    }

    /// Seals the current frame: folds it into the rollups and the update log,
    /// and returns it with its updates numbered and serialised once.
    pub fn seal(&mut self, now: Timestamp) -> Arc<SealedFrame> {
        self.frame_no += 1;
        let entries = self.coalescer.drain();
        let (first_seq, _) =
            self.rollups
                .apply_frame(self.interner.names(), &entries, now.timestamp_millis());
        let names = self.interner.names();
        let updates: Vec<MetricUpdate> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| to_update(names, first_seq + i as u64, e))
            .collect();
        Arc::new(SealedFrame::new(self.frame_no, first_seq, now, updates))
    }

    /// Reports folded into `(other)` past the name caps, since start.
    pub fn overflowed(&self) -> u64 {
        self.interner.overflowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::RollupConfig;
    use protocol::Metrics;

    #[test]
    fn reports_fold_into_numbered_frames() {
        let rollups = Arc::new(Rollups::new(RollupConfig::default(), 100));
        let mut p = Pipeline::new(rollups.clone());
        let now: Timestamp = "2026-11-23T10:00:00.100Z".parse().unwrap();
        let report = |customer: &str| MetricUpdate {
            seq: 0,
            timestamp: now,
            tenant_id: "acme".into(),
            customer_id: customer.into(),
            model: "gpt-4o".into(),
            samples: 1,
            metrics: Metrics {
                total_calls: 2,
                total_tokens: 10,
                input_tokens: 6,
                output_tokens: 4,
                total_cost: 0.5,
                avg_latency_ms: 100.0,
            },
        };
        p.ingest(&[report("a"), report("a"), report("b")]);
        let frame = p.seal(now);
        assert_eq!((frame.no, frame.first_seq, frame.last_seq), (1, 101, 102));
        assert_eq!(frame.updates[0].customer_id, "a");
        assert_eq!(frame.updates[0].samples, 2);
        assert_eq!(frame.updates[0].metrics.total_calls, 4);
        let empty = p.seal(now);
        assert!(empty.is_empty());
        assert_eq!((empty.no, empty.last_seq), (2, 102));
        assert_eq!(rollups.read().reports, 3);
    }
}
