//! `TimeRing`: a fixed number of equal time slots, reused as time moves on.
//!
//! Memory is fixed by the slot count; a slot is recycled (cleared, its
//! allocations kept) when a later period needs it. Data older than the ring
//! covers is refused rather than overwriting newer data.

use super::bucket::Bucket;

#[derive(Debug)]
struct Slot {
    /// Start of the period this slot holds, in Unix milliseconds; `None` if never used.
    start_ms: Option<i64>,
    bucket: Bucket,
}

#[derive(Debug)]
pub struct TimeRing {
    slot_ms: i64,
    slots: Vec<Slot>,
}

impl TimeRing {
    pub fn new(slot_ms: i64, slots: usize) -> Self {
        TimeRing {
            slot_ms: slot_ms.max(1),
            slots: (0..slots.max(1))
                .map(|_| Slot {
                    start_ms: None,
                    bucket: Bucket::default(),
                })
                .collect(),
        }
    }

    pub fn slot_ms(&self) -> i64 {
        self.slot_ms
    }

    /// How far back the ring reaches, in milliseconds.
    pub fn span_ms(&self) -> i64 {
        self.slot_ms * self.slots.len() as i64
    }

    /// Start of the slot period containing `ts_ms`.
    pub fn align(&self, ts_ms: i64) -> i64 {
        ts_ms.div_euclid(self.slot_ms) * self.slot_ms
    }

    fn index(&self, start_ms: i64) -> usize {
        (start_ms.div_euclid(self.slot_ms)).rem_euclid(self.slots.len() as i64) as usize
    }

    /// The bucket for the period containing `ts_ms`, recycling the slot if it
    /// holds an older period; `None` if the slot already holds a newer one.
    pub fn bucket_mut(&mut self, ts_ms: i64) -> Option<&mut Bucket> {
        let start = self.align(ts_ms);
        let index = self.index(start);
        let slot = &mut self.slots[index];
        match slot.start_ms {
            Some(s) if s == start => {}
            Some(s) if s > start => return None,
            _ => {
                slot.bucket.clear();
                slot.start_ms = Some(start);
                // Time moved on: the period before is complete, so its
                // bucket no longer needs room to grow, and the new one will
                // likely hold as many pairs: one allocation of that size
                // instead of a series of growing ones.
                let before = self.index(start - self.slot_ms);
                if before != index && self.slots[before].start_ms == Some(start - self.slot_ms) {
                    self.slots[before].bucket.shrink();
                    let expected = self.slots[before].bucket.pairs.len();
                    self.slots[index].bucket.pairs.reserve(expected);
                }
            }
        }
        Some(&mut self.slots[index].bucket)
    }

    /// The bucket for the period starting at `start_ms` (aligned), if held.
    pub fn get(&self, start_ms: i64) -> Option<&Bucket> {
        let slot = &self.slots[self.index(start_ms)];
        (slot.start_ms == Some(start_ms)).then_some(&slot.bucket)
    }

    /// Pairs held over every slot, and the room allocated for them.
    pub fn pair_entries(&self) -> (usize, usize) {
        self.slots.iter().fold((0, 0), |(n, cap), s| {
            (n + s.bucket.pairs.len(), cap + s.bucket.pairs.capacity())
        })
    }

    /// Merges every held slot whose period starts in `[from_ms, to_ms)`.
    pub fn merge_range(&self, from_ms: i64, to_ms: i64, into: &mut Bucket) {
        let mut start = self.align(from_ms);
        // Never walk more slots than the ring has, whatever the range.
        let last = to_ms.min(start + self.span_ms());
        while start < last {
            if let Some(b) = self.get(start) {
                into.merge(b);
            }
            start += self.slot_ms;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::usage::Usage;

    use crate::aggregation::names::SeriesKey;

    const KEY: SeriesKey = SeriesKey {
        customer: 1,
        model: 1,
    };

    fn one_call() -> Usage {
        Usage {
            calls: 1,
            cost: 1.0,
            ..Usage::default()
        }
    }

    #[test]
    fn recycles_old_slots_and_refuses_too_old_data() {
        let mut ring = TimeRing::new(1000, 4);
        ring.bucket_mut(500).unwrap().add(KEY, 0, &one_call());
        ring.bucket_mut(999).unwrap().add(KEY, 0, &one_call());
        assert_eq!(ring.get(0).unwrap().totals.calls, 2);
        // 4 s later the same slot is reused for a new period.
        ring.bucket_mut(4_200).unwrap().add(KEY, 0, &one_call());
        assert!(ring.get(0).is_none());
        assert_eq!(ring.get(4_000).unwrap().totals.calls, 1);
        // Data for the period the slot just left is refused.
        assert!(ring.bucket_mut(300).is_none());
    }

    #[test]
    fn merges_a_range_and_handles_negative_times() {
        let mut ring = TimeRing::new(1000, 10);
        for t in [-1500, -500, 500, 1500, 2500] {
            ring.bucket_mut(t).unwrap().add(KEY, 0, &one_call());
        }
        let mut all = Bucket::default();
        ring.merge_range(-2000, 3000, &mut all);
        assert_eq!(all.totals.calls, 5);
        let mut some = Bucket::default();
        ring.merge_range(0, 2000, &mut some);
        assert_eq!(some.totals.calls, 2);
        assert_eq!(ring.align(-1), -1000);
        assert_eq!(ring.span_ms(), 10_000);
    }
}
