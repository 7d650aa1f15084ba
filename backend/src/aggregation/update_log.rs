//! `UpdateLog`: the recent folded updates, addressable by `seq`.
//!
//! Both transports read from it: polling pages through it by cursor, and a
//! WebSocket session that fell behind catches up from it. Entries are
//! consecutive (`seq` = `first_seq` + index), so "everything after cursor c"
//! is a slice. It is bounded by entry count and by age; whole frames are
//! evicted from the front.

use std::collections::VecDeque;

use super::coalescer::Entry;

/// End of one sealed frame in the log.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FrameMark {
    last_seq: u64,
    sealed_at_ms: i64,
}

#[derive(Debug)]
pub struct UpdateLog {
    /// `seq` of `entries[0]`.
    first_seq: u64,
    entries: VecDeque<Entry>,
    /// Marks of the frames still (partly) held, oldest first; only frames
    /// that had updates get one.
    marks: VecDeque<FrameMark>,
    max_entries: usize,
    max_age_ms: i64,
    /// When the newest evicted frame was sealed: updates recorded at or
    /// before it are gone, so an older `since` cannot be served.
    evicted_until_ms: Option<i64>,
}

/// What [`UpdateLog::after_matching`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchingRead {
    /// The kept entries with their `seq`s.
    pub entries: Vec<(u64, Entry)>,
    /// `seq` of the last entry looked at: the cursor to continue from.
    pub last: u64,
    /// Whether the log holds more after `last`.
    pub more: bool,
}

/// A cursor the log can no longer serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    /// The oldest cursor that can still be served.
    pub oldest_cursor: u64,
    pub head: u64,
}

impl UpdateLog {
    /// `start_seq` is the cursor before the first update: updates get
    /// `start_seq + 1`, `start_seq + 2`, …
    pub fn new(start_seq: u64, max_entries: usize, max_age_ms: i64) -> Self {
        UpdateLog {
            first_seq: start_seq + 1,
            entries: VecDeque::new(),
            marks: VecDeque::new(),
            max_entries: max_entries.max(1),
            max_age_ms,
            evicted_until_ms: None,
        }
    }

    /// `seq` of the newest update (the starting cursor while empty).
    pub fn head(&self) -> u64 {
        self.first_seq + self.entries.len() as u64 - 1
    }

    /// The oldest cursor [`UpdateLog::after`] accepts.
    pub fn oldest_cursor(&self) -> u64 {
        self.first_seq - 1
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends one frame's entries, then evicts what is over the bounds.
    /// Returns the `seq` of the last entry (the new head).
    pub fn append(&mut self, entries: &[Entry], sealed_at_ms: i64) -> u64 {
        if !entries.is_empty() {
            self.entries.extend(entries.iter().copied());
            self.marks.push_back(FrameMark {
                last_seq: self.head(),
                sealed_at_ms,
            });
        }
        self.evict(sealed_at_ms);
        self.head()
    }

    fn evict(&mut self, now_ms: i64) {
        while let Some(front) = self.marks.front().copied() {
            let too_many = self.entries.len() > self.max_entries;
            let too_old = front.sealed_at_ms < now_ms - self.max_age_ms;
            // Keep the newest frame so a quiet server still serves its last data.
            if !(too_many || too_old) || self.marks.len() == 1 {
                break;
            }
            let drop = (front.last_seq + 1 - self.first_seq) as usize;
            self.entries.drain(..drop.min(self.entries.len()));
            self.first_seq = front.last_seq + 1;
            self.marks.pop_front();
            self.evicted_until_ms = Some(front.sealed_at_ms);
        }
    }

    /// Up to `limit` entries after `cursor`, with their `seq`s, and whether more follow.
    pub fn after(&self, cursor: u64, limit: usize) -> Result<(Vec<(u64, Entry)>, bool), Expired> {
        let head = self.head();
        if cursor < self.oldest_cursor() || cursor > head {
            return Err(Expired {
                oldest_cursor: self.oldest_cursor(),
                head,
            });
        }
        let start = (cursor + 1 - self.first_seq) as usize;
        let available = self.entries.len() - start;
        let take = available.min(limit);
        let out = self
            .entries
            .range(start..start + take)
            .enumerate()
            .map(|(i, e)| (cursor + 1 + i as u64, *e))
            .collect();
        Ok((out, available > take))
    }

    /// Like [`UpdateLog::after`], keeping only entries `keep` admits: up to
    /// `limit` of them, looking at no more than `max_scan` entries.
    pub fn after_matching(
        &self,
        cursor: u64,
        limit: usize,
        max_scan: usize,
        keep: impl Fn(&Entry) -> bool,
    ) -> Result<MatchingRead, Expired> {
        let head = self.head();
        if cursor < self.oldest_cursor() || cursor > head {
            return Err(Expired {
                oldest_cursor: self.oldest_cursor(),
                head,
            });
        }
        let start = (cursor + 1 - self.first_seq) as usize;
        let mut out = Vec::new();
        let mut last = cursor;
        for (i, e) in self.entries.range(start..).enumerate() {
            if out.len() >= limit || i >= max_scan {
                break;
            }
            last = cursor + 1 + i as u64;
            if keep(e) {
                out.push((last, *e));
            }
        }
        Ok(MatchingRead {
            entries: out,
            last,
            more: last < head,
        })
    }

    /// The cursor from which updates recorded at or after `since_ms` follow.
    /// `Err` if the log has already evicted frames recorded after `since_ms`.
    pub fn cursor_at(&self, since_ms: i64) -> Result<u64, Expired> {
        if self.evicted_until_ms.is_some_and(|until| since_ms <= until) {
            return Err(Expired {
                oldest_cursor: self.oldest_cursor(),
                head: self.head(),
            });
        }
        let index = self.marks.partition_point(|m| m.sealed_at_ms < since_ms);
        Ok(match index {
            0 => self.oldest_cursor(),
            i => self.marks[i - 1].last_seq,
        })
    }

    /// When the oldest held frame was sealed, if any.
    pub fn oldest_sealed_at_ms(&self) -> Option<i64> {
        self.marks.front().map(|m| m.sealed_at_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::names::SeriesKey;
    use crate::aggregation::usage::Usage;

    fn entries(n: usize, calls: u64) -> Vec<Entry> {
        (0..n)
            .map(|i| Entry {
                ts_ms: i as i64,
                key: SeriesKey {
                    customer: i as u32,
                    model: 1,
                },
                samples: 1,
                usage: Usage {
                    calls,
                    ..Usage::default()
                },
            })
            .collect()
    }

    #[test]
    fn seqs_are_consecutive_from_the_start() {
        let mut log = UpdateLog::new(1000, 100, 60_000);
        assert_eq!(log.head(), 1000);
        assert_eq!(log.append(&entries(3, 1), 0), 1003);
        assert_eq!(log.append(&[], 250), 1003);
        assert_eq!(log.append(&entries(2, 2), 500), 1005);
        let (all, more) = log.after(1000, 10).unwrap();
        assert!(!more);
        assert_eq!(
            all.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            [1001, 1002, 1003, 1004, 1005]
        );
        assert_eq!(all[3].1.usage.calls, 2);
        let (page, more) = log.after(1001, 2).unwrap();
        assert!(more);
        assert_eq!(
            page.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            [1002, 1003]
        );
        let (none, more) = log.after(1005, 10).unwrap();
        assert!(none.is_empty() && !more);
    }

    #[test]
    fn paging_visits_every_entry_exactly_once() {
        let mut log = UpdateLog::new(0, 10_000, 60_000);
        for f in 0..50 {
            log.append(&entries(f % 7, 1), f as i64 * 250);
        }
        let mut cursor = 0;
        let mut seen = Vec::new();
        loop {
            let (page, more) = log.after(cursor, 4).unwrap();
            if let Some((last, _)) = page.last() {
                cursor = *last;
            }
            seen.extend(page.into_iter().map(|(s, _)| s));
            if !more {
                break;
            }
        }
        assert_eq!(seen, (1..=log.head()).collect::<Vec<_>>());
    }

    #[test]
    fn evicts_whole_frames_by_count_and_age() {
        let mut log = UpdateLog::new(0, 5, 1_000);
        log.append(&entries(3, 1), 0);
        log.append(&entries(3, 1), 100);
        // 6 > 5: the first frame goes.
        assert_eq!(log.len(), 3);
        assert_eq!(log.oldest_cursor(), 3);
        assert_eq!(log.after(2, 10).unwrap_err().oldest_cursor, 3);
        assert!(log.after(3, 10).is_ok());
        // Age: frames sealed more than 1 s before the newest go, but the newest stays.
        log.append(&entries(1, 1), 5_000);
        assert_eq!(log.len(), 1);
        log.append(&[], 60_000);
        assert_eq!(log.len(), 1);
        assert_eq!(log.head(), 7);
    }

    #[test]
    fn matching_reads_skip_what_is_not_kept_and_say_how_far_they_looked() {
        let mut log = UpdateLog::new(0, 100, 60_000);
        log.append(&entries(10, 1), 0); // customers 0..10, seq 1..=10
        let even = |e: &Entry| e.key.customer.is_multiple_of(2);
        let seqs = |r: &MatchingRead| r.entries.iter().map(|(s, _)| *s).collect::<Vec<_>>();
        let read = log.after_matching(0, 2, 100, even).unwrap();
        assert_eq!(seqs(&read), [1, 3]);
        assert_eq!((read.last, read.more), (3, true));
        let read = log.after_matching(3, 100, 100, even).unwrap();
        assert_eq!(seqs(&read), [5, 7, 9]);
        assert_eq!((read.last, read.more), (10, false));
        // The scan bound stops a read that finds nothing to keep.
        let read = log.after_matching(0, 100, 4, |_| false).unwrap();
        assert!(read.entries.is_empty());
        assert_eq!((read.last, read.more), (4, true));
        assert!(log.after_matching(11, 1, 1, even).is_err());
    }

    #[test]
    fn cursors_from_other_runs_or_the_future_are_refused() {
        let mut log = UpdateLog::new(1_000_000, 100, 60_000);
        log.append(&entries(2, 1), 0);
        assert!(log.after(5, 10).is_err());
        assert!(log.after(1_000_003, 10).is_err());
    }

    #[test]
    fn since_maps_to_a_frame_boundary() {
        let mut log = UpdateLog::new(0, 100, 60_000);
        log.append(&entries(2, 1), 1_000); // seq 1..=2
        log.append(&entries(2, 1), 2_000); // seq 3..=4
        log.append(&entries(2, 1), 3_000); // seq 5..=6
        assert_eq!(log.cursor_at(0).unwrap(), 0);
        assert_eq!(log.cursor_at(1_000).unwrap(), 0);
        assert_eq!(log.cursor_at(1_500).unwrap(), 2);
        assert_eq!(log.cursor_at(3_000).unwrap(), 4);
        assert_eq!(log.cursor_at(9_000).unwrap(), 6);
        // After eviction, a `since` before the oldest frame is refused.
        let mut small = UpdateLog::new(0, 2, 60_000);
        small.append(&entries(2, 1), 1_000);
        small.append(&entries(2, 1), 2_000);
        assert!(small.cursor_at(500).is_err());
        assert!(small.cursor_at(1_000).is_err());
        // Nothing recorded after 1 000 ms was evicted.
        assert_eq!(small.cursor_at(1_001).unwrap(), 2);
        assert_eq!(small.cursor_at(2_000).unwrap(), 2);
        assert_eq!(small.oldest_sealed_at_ms(), Some(2_000));
    }
}
