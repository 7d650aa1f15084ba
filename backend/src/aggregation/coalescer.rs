//! `Coalescer`: folds the reports of one frame by (customer, model, second).
//!
//! This is what keeps every client's message size independent of the ingest
//! rate: 100,000 reports a second from 300 customer/model pairs become at most
//! a few hundred updates per frame. Keeping the second in the key means late
//! or back-filled reports still land in the right history bucket.

use rustc_hash::FxHashMap;

use super::names::SeriesKey;
use super::usage::Usage;

/// One folded update, compact: names are ids, the sequence number is its
/// position in the log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// Latest report time folded in, Unix milliseconds.
    pub ts_ms: i64,
    pub key: SeriesKey,
    pub samples: u32,
    pub usage: Usage,
}

#[derive(Debug, Default)]
pub struct Coalescer {
    pending: FxHashMap<(SeriesKey, i64), Entry>,
    reports: u64,
}

impl Coalescer {
    pub fn add(&mut self, key: SeriesKey, ts_ms: i64, samples: u32, usage: &Usage) {
        self.reports += 1;
        let second = ts_ms.div_euclid(1000);
        let entry = self.pending.entry((key, second)).or_insert(Entry {
            ts_ms,
            key,
            samples: 0,
            usage: Usage::default(),
        });
        entry.ts_ms = entry.ts_ms.max(ts_ms);
        entry.samples = entry.samples.saturating_add(samples);
        entry.usage.add(usage);
    }

    /// Reports added since the last drain.
    pub fn reports(&self) -> u64 {
        self.reports
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Everything folded so far, in time order (then by ids, so runs are
    /// reproducible), leaving the coalescer empty.
    pub fn drain(&mut self) -> Vec<Entry> {
        let mut out: Vec<Entry> = self.pending.drain().map(|(_, e)| e).collect();
        out.sort_unstable_by_key(|e| {
            (
                e.ts_ms.div_euclid(1000),
                e.key.customer,
                e.key.model,
                e.ts_ms,
            )
        });
        self.reports = 0;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(customer: u32, model: u32) -> SeriesKey {
        SeriesKey { customer, model }
    }

    fn usage(calls: u64) -> Usage {
        Usage {
            calls,
            tokens: calls * 10,
            cost: calls as f64,
            ..Usage::default()
        }
    }

    #[test]
    fn folds_by_series_and_second() {
        let mut c = Coalescer::default();
        c.add(key(1, 1), 1_000, 1, &usage(1));
        c.add(key(1, 1), 1_900, 1, &usage(2));
        c.add(key(1, 1), 2_100, 1, &usage(4));
        c.add(key(2, 1), 1_500, 3, &usage(8));
        assert_eq!(c.reports(), 4);
        let out = c.drain();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].key, key(1, 1));
        assert_eq!(out[0].usage.calls, 3);
        assert_eq!(out[0].samples, 2);
        assert_eq!(out[0].ts_ms, 1_900);
        assert_eq!(out[1].key, key(2, 1));
        assert_eq!(out[1].samples, 3);
        assert_eq!(out[2].ts_ms, 2_100);
        assert!(c.is_empty());
        assert_eq!(c.reports(), 0);
    }

    #[test]
    fn conserves_totals() {
        let mut c = Coalescer::default();
        let mut calls = 0;
        for i in 0..1000u64 {
            c.add(
                key((i % 7) as u32, (i % 3) as u32),
                (i * 37 % 3000) as i64,
                1,
                &usage(i),
            );
            calls += i;
        }
        let out = c.drain();
        assert_eq!(out.iter().map(|e| e.usage.calls).sum::<u64>(), calls);
        assert_eq!(out.iter().map(|e| e.samples as u64).sum::<u64>(), 1000);
        assert!(
            out.windows(2)
                .all(|w| w[0].ts_ms.div_euclid(1000) <= w[1].ts_ms.div_euclid(1000))
        );
    }
}
