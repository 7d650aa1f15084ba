//! The client-side metric store: the sub-stores the live view needs, each
//! with its own cursor, plus counters that account for every update.

use std::time::Duration;

use chrono::TimeDelta;
use protocol::time::resolution_for_range;
use protocol::{HistoryResponse, TimeWindow, Timestamp};

use super::series::{Applied, Batch, Series};

/// Resolution of the fine series behind the live token chart and the gauge.
pub const FINE_STEP: Duration = Duration::from_secs(5);
/// The fine series covers the chart's 5 minutes plus the minute before
/// "5 min ago" that the gauge compares with, plus one spare minute.
pub const FINE_SPAN: Duration = Duration::from_secs(7 * 60);
/// Buckets of the live token chart: 5 minutes at 5 s.
pub const LIVE_CHART_BUCKETS: usize = 60;

/// Which sub-store a snapshot is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The last few minutes at 5 s: token chart and gauge.
    Fine,
    /// The selected window at the server's resolution: models and customers.
    Window(TimeWindow),
}

impl Part {
    /// How much history the snapshot must cover.
    pub fn span(self) -> Duration {
        match self {
            Part::Fine => FINE_SPAN,
            Part::Window(w) => w.duration(),
        }
    }

    /// Bucket width to ask for (`step=`) and to expect back.
    pub fn step(self) -> Duration {
        match self {
            Part::Fine => FINE_STEP,
            Part::Window(w) => resolution_for_range(w.duration()),
        }
    }

    /// Ring capacity: the span in buckets, plus the partial bucket and one spare.
    pub fn capacity(self) -> usize {
        (self.span().as_secs() / self.step().as_secs().max(1)) as usize + 2
    }
}

/// Counters for instrumentation and tests: every update the feed delivered is
/// counted exactly once, whatever the transport.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Distinct updates applied (by `seq`).
    pub updates_applied: u64,
    /// Raw reports those updates fold together.
    pub samples_applied: u64,
    /// Updates delivered again after they were counted (skipped).
    pub duplicates: u64,
    /// Gaps detected (each led to a snapshot reload).
    pub gaps: u64,
    /// Highest `seq` applied.
    pub last_seq: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricStore {
    pub fine: Option<Series>,
    /// The live window's series and the window it was loaded for.
    pub window: Option<(TimeWindow, Series)>,
    pub counters: Counters,
}

impl MetricStore {
    /// Sub-stores that need a snapshot for `window` before the feed can resume.
    pub fn missing(&self, window: TimeWindow) -> Vec<Part> {
        let mut parts = Vec::new();
        if self.fine.is_none() {
            parts.push(Part::Fine);
        }
        if self.window.as_ref().is_none_or(|(w, _)| *w != window) {
            parts.push(Part::Window(window));
        }
        parts
    }

    /// Installs a snapshot.
    pub fn install(&mut self, part: Part, history: HistoryResponse) {
        let series = Series::from_history(history, part.capacity());
        match part {
            Part::Fine => self.fine = Some(series),
            Part::Window(w) => self.window = Some((w, series)),
        }
    }

    /// Forgets every sub-store (a resync: the server cannot serve our position).
    pub fn reset(&mut self) {
        self.fine = None;
        self.window = None;
    }

    /// Where the feed must resume so every loaded sub-store gets what it lacks:
    /// the smallest cursor; `None` when nothing is loaded.
    pub fn resume_cursor(&self) -> Option<u64> {
        let fine = self.fine.as_ref().map(Series::cursor);
        let window = self.window.as_ref().map(|(_, s)| s.cursor());
        match (fine, window) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Applies batches in order. Returns true when a gap was found: the
    /// sub-store concerned was dropped and must be reloaded.
    pub fn apply(&mut self, batches: &[Batch]) -> bool {
        let mut gap = false;
        for batch in batches {
            for u in &batch.updates {
                if u.seq > self.counters.last_seq {
                    self.counters.last_seq = u.seq;
                    self.counters.updates_applied += 1;
                    self.counters.samples_applied += u64::from(u.samples);
                } else {
                    self.counters.duplicates += 1;
                }
            }
            if let Some(fine) = &mut self.fine
                && fine.apply_batch(batch) == Applied::Gap
            {
                self.fine = None;
                gap = true;
            }
            if let Some((_, series)) = &mut self.window
                && series.apply_batch(batch) == Applied::Gap
            {
                self.window = None;
                gap = true;
            }
        }
        if gap {
            self.counters.gaps += 1;
        }
        gap
    }

    /// Moves every ring forward to `now` so quiet periods read as zeros.
    pub fn advance_to(&mut self, now: Timestamp) {
        if let Some(fine) = &mut self.fine {
            fine.advance_to(now);
        }
        if let Some((_, series)) = &mut self.window {
            series.advance_to(now);
        }
    }
}

/// Start of the range a live window covers at `now`.
pub fn window_start(window: TimeWindow, now: Timestamp) -> Timestamp {
    now - TimeDelta::seconds(window.duration().as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::series::tests::{history, update};

    fn loaded() -> MetricStore {
        let mut store = MetricStore::default();
        store.install(Part::Fine, history(100, "2026-11-23T10:00:00Z", 84, 5));
        store.install(
            Part::Window(TimeWindow::FifteenMinutes),
            history(98, "2026-11-23T09:52:00Z", 60, 15),
        );
        store
    }

    #[test]
    fn parts_ask_for_the_right_resolution() {
        assert_eq!(Part::Fine.step(), Duration::from_secs(5));
        assert_eq!(Part::Fine.capacity(), 86);
        assert_eq!(
            Part::Window(TimeWindow::OneHour).step(),
            Duration::from_secs(60)
        );
        assert_eq!(Part::Window(TimeWindow::OneDay).capacity(), 146);
    }

    #[test]
    fn missing_follows_the_selected_window() {
        let store = loaded();
        assert!(store.missing(TimeWindow::FifteenMinutes).is_empty());
        assert_eq!(
            store.missing(TimeWindow::OneHour),
            [Part::Window(TimeWindow::OneHour)]
        );
        assert_eq!(
            MetricStore::default().missing(TimeWindow::FiveMinutes),
            [Part::Fine, Part::Window(TimeWindow::FiveMinutes)]
        );
    }

    #[test]
    fn resumes_from_the_smallest_cursor_and_counts_each_update_once() {
        let mut store = loaded();
        assert_eq!(store.resume_cursor(), Some(98));
        let batch = [Batch {
            after: 98,
            cursor: 102,
            updates: (99..=102)
                .map(|seq| update(seq, "2026-11-23T10:06:00Z", "c", "m", 1.0))
                .collect(),
        }];
        assert!(!store.apply(&batch));
        assert_eq!(store.resume_cursor(), Some(102));
        assert_eq!(store.counters.updates_applied, 4);
        assert_eq!(store.counters.samples_applied, 8);
        // The same updates again (another transport, a reconnect): nothing changes.
        let before = store.clone();
        assert!(!store.apply(&batch));
        assert_eq!(store.fine, before.fine);
        assert_eq!(store.window, before.window);
        assert_eq!(store.counters.updates_applied, 4);
        assert_eq!(store.counters.duplicates, 4);
        // The fine series already had 99 and 100 from its snapshot.
        let fine_cost: f64 = store
            .fine
            .as_ref()
            .unwrap()
            .buckets()
            .iter()
            .map(|b| b.totals.total_cost)
            .sum();
        assert_eq!(fine_cost, 84.0 + 2.0);
    }

    #[test]
    fn a_gap_drops_the_sub_store_for_a_reload() {
        let mut store = loaded();
        let gap = [Batch {
            after: 149,
            cursor: 150,
            updates: vec![update(150, "2026-11-23T10:06:00Z", "c", "m", 1.0)],
        }];
        assert!(store.apply(&gap));
        assert!(store.fine.is_none());
        assert!(store.window.is_none());
        assert_eq!(store.counters.gaps, 1);
        assert_eq!(store.resume_cursor(), None);
        store.reset();
        assert_eq!(store.missing(TimeWindow::FiveMinutes).len(), 2);
    }

    #[test]
    fn window_start_is_the_window_before_now() {
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        assert_eq!(
            window_start(TimeWindow::OneHour, now),
            "2026-11-23T09:00:00Z".parse::<Timestamp>().unwrap()
        );
    }
}
