//! Comparison with an earlier period: what the same spans cost one day or
//! one week before, as `/api/metrics/history?compare=` answers it, kept per
//! bucket start so the spend chart can overlay it and the gauge can say
//! "vs yesterday same time".

use std::collections::BTreeMap;

use chrono::TimeDelta;
use protocol::{HistoryResponse, Timestamp};

/// The period a view is compared with (`?compare=1d|7d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareWith {
    Yesterday,
    LastWeek,
}

impl CompareWith {
    pub const ALL: [CompareWith; 2] = [CompareWith::Yesterday, CompareWith::LastWeek];

    /// The word in the URL and in the server's `compare=`.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareWith::Yesterday => "1d",
            CompareWith::LastWeek => "7d",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == word)
    }

    /// How the legend and tooltip name it.
    pub fn label(self) -> &'static str {
        match self {
            CompareWith::Yesterday => "Yesterday",
            CompareWith::LastWeek => "Last week",
        }
    }

    pub fn offset(self) -> TimeDelta {
        match self {
            CompareWith::Yesterday => TimeDelta::days(1),
            CompareWith::LastWeek => TimeDelta::days(7),
        }
    }
}

/// Earlier costs, by the start (ms) of the bucket they are compared with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shifted {
    pub resolution_ms: i64,
    /// `None`: no server was recording then (unknown, not zero).
    costs: BTreeMap<i64, Option<f64>>,
}

/// Buckets kept: a week of 5 s buckets would be far more than any view draws.
const MAX_BUCKETS: usize = 2_000;

impl Shifted {
    /// The comparison of one answer (empty if it was asked without `compare=`).
    pub fn from_response(response: &HistoryResponse) -> Self {
        let resolution_ms = i64::from(response.resolution_seconds) * 1000;
        let from = response.from.timestamp_millis();
        let costs = response
            .compare
            .iter()
            .enumerate()
            .map(|(i, c)| (from + i as i64 * resolution_ms, *c))
            .collect();
        Shifted {
            resolution_ms,
            costs,
        }
    }

    /// Adds a newer answer at the same resolution (a different one replaces
    /// everything), keeping the newest [`MAX_BUCKETS`].
    pub fn merge(&mut self, newer: Shifted) {
        if newer.resolution_ms != self.resolution_ms {
            self.costs.clear();
            self.resolution_ms = newer.resolution_ms;
        }
        self.costs.extend(newer.costs);
        while self.costs.len() > MAX_BUCKETS {
            self.costs.pop_first();
        }
    }

    /// End (ms) of the last bucket held: the next request starts there.
    pub fn end_ms(&self) -> Option<i64> {
        self.costs
            .last_key_value()
            .map(|(start, _)| start + self.resolution_ms)
    }

    /// The earlier cost of `[from, to)`, prorated where a held bucket is only
    /// partly inside; `None` unless every part of it is held and known.
    pub fn cost_over(&self, from: Timestamp, to: Timestamp) -> Option<f64> {
        let (from, to) = (from.timestamp_millis(), to.timestamp_millis());
        let step = self.resolution_ms;
        if step <= 0 || to <= from {
            return None;
        }
        let mut start = from.div_euclid(step) * step;
        let mut cost = 0.0;
        while start < to {
            let overlap = to.min(start + step) - from.max(start);
            cost += (*self.costs.get(&start)?)? * overlap as f64 / step as f64;
            start += step;
        }
        Some(cost)
    }

    /// The earlier spend rate in $/h over `[end - span, end)`, or over the
    /// span ending where the held buckets end if that is sooner: the bucket
    /// that just completed may not be loaded yet, and a rate a few seconds
    /// older beats "no data" flickering on each bucket.
    pub fn rate_per_hour(&self, end: Timestamp, span: std::time::Duration) -> Option<f64> {
        let span_ms = span.as_millis() as i64;
        let held_end = self.end_ms()?;
        let end = end - TimeDelta::milliseconds((end.timestamp_millis() - held_end).max(0));
        let cost = self.cost_over(end - TimeDelta::milliseconds(span_ms), end)?;
        Some(cost * 3_600_000.0 / span_ms as f64)
    }
}

/// What the compared period cost for each of `starts`, buckets `width` wide.
pub fn overlay(
    shifted: &Shifted,
    starts: impl IntoIterator<Item = Timestamp>,
    width: TimeDelta,
) -> Vec<Option<f64>> {
    starts
        .into_iter()
        .map(|s| shifted.cost_over(s, s + width))
        .collect()
}

/// Totals now and then over the buckets whose earlier cost is known, so a
/// half-recorded yesterday is not read as a drop. `None` if none is known.
pub fn totals_against(pairs: impl IntoIterator<Item = (f64, Option<f64>)>) -> Option<(f64, f64)> {
    pairs
        .into_iter()
        .filter_map(|(now, then)| Some((now, then?)))
        .fold(None, |sum, (now, then)| {
            let (a, b) = sum.unwrap_or((0.0, 0.0));
            Some((a + now, b + then))
        })
}

/// The comparisons a view has loaded (owner: the comparison service).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparisons {
    /// Always loaded: the gauge says "vs yesterday same time".
    pub yesterday: Shifted,
    /// Loaded while the chart overlays last week.
    pub last_week: Shifted,
}

impl Comparisons {
    pub fn get(&self, with: CompareWith) -> &Shifted {
        match with {
            CompareWith::Yesterday => &self.yesterday,
            CompareWith::LastWeek => &self.last_week,
        }
    }

    pub fn get_mut(&mut self, with: CompareWith) -> &mut Shifted {
        match with {
            CompareWith::Yesterday => &mut self.yesterday,
            CompareWith::LastWeek => &mut self.last_week,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn answer(from: &str, resolution_seconds: u32, compare: Vec<Option<f64>>) -> HistoryResponse {
        HistoryResponse {
            from: ts(from),
            to: ts(from),
            resolution_seconds,
            cursor: 0,
            buckets: Vec::new(),
            compare_offset_seconds: Some(86_400),
            compare,
        }
    }

    #[test]
    fn words_round_trip() {
        for c in CompareWith::ALL {
            assert_eq!(CompareWith::parse(c.as_str()), Some(c));
        }
        assert_eq!(CompareWith::parse("2d"), None);
        assert_eq!(CompareWith::LastWeek.offset(), TimeDelta::days(7));
    }

    #[test]
    fn costs_are_prorated_and_unknown_stays_unknown() {
        let s = Shifted::from_response(&answer(
            "2026-12-01T10:00:00Z",
            60,
            vec![Some(6.0), Some(12.0), None],
        ));
        let at = |a: &str, b: &str| s.cost_over(ts(a), ts(b));
        assert_eq!(
            at("2026-12-01T10:00:00Z", "2026-12-01T10:01:00Z"),
            Some(6.0)
        );
        // Half of the first minute and all of the second.
        assert_eq!(
            at("2026-12-01T10:00:30Z", "2026-12-01T10:02:00Z"),
            Some(15.0)
        );
        assert_eq!(at("2026-12-01T10:01:00Z", "2026-12-01T10:03:00Z"), None);
        assert_eq!(at("2026-12-01T09:59:00Z", "2026-12-01T10:01:00Z"), None);
        // $18 over two minutes is $540/h.
        let rate = s.rate_per_hour(
            ts("2026-12-01T10:02:00Z"),
            std::time::Duration::from_secs(120),
        );
        assert_eq!(rate, Some(540.0));
        // Asked a minute past what is held: the span ending where it ends.
        let known = Shifted::from_response(&answer(
            "2026-12-01T10:00:00Z",
            60,
            vec![Some(6.0), Some(12.0)],
        ));
        let later = known.rate_per_hour(
            ts("2026-12-01T10:03:00Z"),
            std::time::Duration::from_secs(120),
        );
        assert_eq!(later, Some(540.0));
        let starts = [ts("2026-12-01T10:00:00Z"), ts("2026-12-01T10:00:05Z")];
        assert_eq!(
            overlay(&s, starts, TimeDelta::seconds(5)),
            vec![Some(0.5), Some(0.5)]
        );
    }

    #[test]
    fn newer_answers_extend_and_a_new_resolution_replaces() {
        let mut s = Shifted::from_response(&answer("2026-12-01T10:00:00Z", 5, vec![Some(1.0)]));
        s.merge(Shifted::from_response(&answer(
            "2026-12-01T10:00:05Z",
            5,
            vec![Some(2.0)],
        )));
        assert_eq!(
            s.end_ms(),
            Some(ts("2026-12-01T10:00:10Z").timestamp_millis())
        );
        assert_eq!(
            s.cost_over(ts("2026-12-01T10:00:00Z"), ts("2026-12-01T10:00:10Z")),
            Some(3.0)
        );
        s.merge(Shifted::from_response(&answer(
            "2026-12-01T10:00:00Z",
            60,
            vec![Some(9.0)],
        )));
        assert_eq!(s.resolution_ms, 60_000);
        assert_eq!(
            s.end_ms(),
            Some(ts("2026-12-01T10:01:00Z").timestamp_millis())
        );
        let mut big = Shifted::default();
        big.merge(Shifted::from_response(&answer(
            "2026-12-01T00:00:00Z",
            5,
            vec![Some(1.0); MAX_BUCKETS + 10],
        )));
        assert_eq!(big.costs.len(), MAX_BUCKETS);
    }

    #[test]
    fn totals_count_only_buckets_known_then() {
        let pairs = [(2.0, Some(1.0)), (3.0, None), (4.0, Some(1.0))];
        assert_eq!(totals_against(pairs), Some((6.0, 2.0)));
        assert_eq!(totals_against([(1.0, None)]), None);
    }
}
