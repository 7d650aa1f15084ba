//! `Pipeline`: what the aggregator actor does, without the actor: fold
//! reports into the current frame, and seal the frame into the rollups, a
//! `SealedFrame` ready to broadcast and a `FrameCommit` for the durable
//! store. Benchmarked directly.

use std::sync::Arc;

use protocol::MetricUpdate;
use protocol::time::Timestamp;

use rustc_hash::FxHashSet;

use super::commit::{FrameCommit, SeriesName};
use super::names::{Names, SeriesKey};
use super::query::to_update;
use super::{Coalescer, Interner, NameCaps, Rollups, Usage};
use crate::feed::SealedFrame;

pub struct Pipeline {
    rollups: Arc<Rollups>,
    interner: Interner,
    coalescer: Coalescer,
    frame_no: u64,
    /// Keys the durable store already has names for.
    named: FxHashSet<SeriesKey>,
}

/// What sealing a frame gives: the frame for sessions, the commit for the store.
pub struct Sealed {
    pub frame: Arc<SealedFrame>,
    pub commit: FrameCommit,
}

impl Pipeline {
    pub fn new(rollups: Arc<Rollups>) -> Self {
        Pipeline {
            rollups,
            interner: Interner::new(NameCaps::default()),
            coalescer: Coalescer::default(),
            frame_no: 0,
            named: FxHashSet::default(),
        }
    }

    /// Interns the series a durable store already holds (at start-up), and
    /// returns the key each of its ids now has.
    pub fn adopt_series(&mut self, series: &[(i64, SeriesName)]) -> Vec<(i64, SeriesKey)> {
        series
            .iter()
            .map(|(id, n)| {
                let key = self.interner.intern(&n.tenant, &n.customer, &n.model);
                self.named.insert(key);
                (*id, key)
            })
            .collect()
    }

    /// The names every key so far stands for.
    pub fn names(&self) -> &Names {
        self.interner.names()
    }

    /// The number the next sealed frame will have: a batch ingested now is
    /// durable once that frame is committed.
    pub fn next_frame_no(&self) -> u64 {
        self.frame_no + 1
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
    /// and returns it with its updates numbered and serialised once, and as
    /// the store commits it.
    pub fn seal(&mut self, now: Timestamp) -> Sealed {
        self.frame_no += 1;
        let entries = self.coalescer.drain();
        let sealed_at_ms = now.timestamp_millis();
        let (first_seq, _) =
            self.rollups
                .apply_frame(self.interner.names(), &entries, sealed_at_ms);
        let names = self.interner.names();
        let updates: Vec<MetricUpdate> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| to_update(names, first_seq + i as u64, e))
            .collect();
        let mut new_series = Vec::new();
        for e in &entries {
            if self.named.insert(e.key) {
                let (tenant, customer) = names.customer(e.key.customer);
                new_series.push((
                    e.key,
                    SeriesName {
                        tenant: tenant.to_string(),
                        customer: customer.to_string(),
                        model: names.model(e.key.model).to_string(),
                    },
                ));
            }
        }
        Sealed {
            frame: Arc::new(SealedFrame::new(self.frame_no, first_seq, now, updates)),
            commit: FrameCommit {
                frame_no: self.frame_no,
                sealed_at_ms,
                new_series,
                entries,
            },
        }
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
                ..Default::default()
            },
        };
        p.ingest(&[report("a"), report("a"), report("b")]);
        assert_eq!(p.next_frame_no(), 1);
        let sealed = p.seal(now);
        let frame = sealed.frame;
        assert_eq!(sealed.commit.frame_no, 1);
        assert_eq!(sealed.commit.entries.len(), 2);
        assert_eq!(sealed.commit.new_series.len(), 2, "named once each");
        assert_eq!((frame.no, frame.first_seq, frame.last_seq), (1, 101, 102));
        assert_eq!(frame.updates[0].customer_id, "a");
        assert_eq!(frame.updates[0].samples, 2);
        assert_eq!(frame.updates[0].metrics.total_calls, 4);
        p.ingest(&[report("a")]);
        assert!(
            p.seal(now).commit.new_series.is_empty(),
            "a is named already"
        );
        let empty = p.seal(now).frame;
        assert!(empty.is_empty());
        assert_eq!((empty.no, empty.last_seq), (3, 103));
        assert_eq!(rollups.read().reports, 4);
    }
}
