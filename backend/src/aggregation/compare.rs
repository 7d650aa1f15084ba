//! Comparison with an earlier period: for each bucket of a history answer,
//! what the same span cost one day or one week before. Read from the
//! finest in-memory ring that still holds the shifted span (seconds for the
//! last 16 minutes, then minutes for 25 h, hours for 33 days, days for 410),
//! prorated where a ring's bucket is wider than the one asked for: a 5 s
//! bucket a day ago is a twelfth of its minute.

use super::rollups::RollupState;
use super::selection::Selection;
use super::time_ring::TimeRing;

/// The offsets `compare=` accepts, and their words.
pub const OFFSETS: [(&str, i64); 2] = [("1d", 86_400_000), ("7d", 7 * 86_400_000)];

/// `compare=` word → offset in ms.
pub fn offset_ms(word: &str) -> Option<i64> {
    OFFSETS.iter().find(|(w, _)| *w == word).map(|(_, ms)| *ms)
}

/// The finest ring whose span still reaches back to `from_ms`.
fn ring_for(state: &RollupState, from_ms: i64, now_ms: i64) -> &TimeRing {
    [&state.seconds, &state.minutes, &state.hours, &state.days]
        .into_iter()
        .find(|r| now_ms - from_ms < r.span_ms() - r.slot_ms())
        .unwrap_or(&state.days)
}

/// Cost of `[from_ms, to_ms)` for `selection`; `None` (unknown, not zero)
/// if no run was recording then and no usage was sent for it since.
pub fn cost_between(
    state: &RollupState,
    from_ms: i64,
    to_ms: i64,
    now_ms: i64,
    selection: &Selection,
) -> Option<f64> {
    let ring = ring_for(state, from_ms, now_ms);
    let slot = ring.slot_ms();
    let mut start = ring.align(from_ms);
    let mut cost = 0.0;
    let mut held = false;
    while start < to_ms {
        if let Some(bucket) = ring.get(start) {
            held = true;
            let overlap = (to_ms.min(start + slot) - from_ms.max(start)).max(0);
            let usd = bucket.selected_totals(&state.names, selection).cost;
            cost += usd * overlap as f64 / slot as f64;
        }
        start += slot;
    }
    (held || state.coverage.covers(from_ms, to_ms)).then_some(cost)
}

/// For buckets starting at `starts` of width `step_ms`: the cost `offset_ms` earlier.
pub fn shifted_costs(
    state: &RollupState,
    starts: impl IntoIterator<Item = i64>,
    step_ms: i64,
    offset_ms: i64,
    now_ms: i64,
    selection: &Selection,
) -> Vec<Option<f64>> {
    starts
        .into_iter()
        .map(|s| {
            cost_between(
                state,
                s - offset_ms,
                s - offset_ms + step_ms,
                now_ms,
                selection,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::coalescer::Entry;
    use crate::aggregation::rollups::RollupConfig;
    use crate::aggregation::usage::Usage;
    use crate::aggregation::{Interner, NameCaps, Rollups};

    fn rollups_with(spend: &[(i64, f64)]) -> Rollups {
        let rollups = Rollups::new(RollupConfig::default(), 0);
        let mut names = Interner::new(NameCaps::default());
        let key = names.intern("acme", "acme-1", "gpt-4o");
        let entries: Vec<Entry> = spend
            .iter()
            .map(|(ts_ms, cost)| Entry {
                ts_ms: *ts_ms,
                key,
                samples: 1,
                usage: Usage {
                    calls: 1,
                    cost: *cost,
                    ..Usage::default()
                },
            })
            .collect();
        let sealed = spend.iter().map(|(t, _)| *t).max().unwrap_or(0);
        rollups.apply_frame(names.names(), &entries, sealed);
        rollups
    }

    #[test]
    fn a_day_ago_is_read_from_minutes_and_prorated_to_the_bucket() {
        let now = 10 * 86_400_000i64;
        let day_ago = now - 86_400_000;
        // $6 in the minute a day ago; $1 now.
        let rollups = rollups_with(&[(day_ago + 1_000, 6.0), (now - 1_000, 1.0)]);
        let state = rollups.read();
        let all = Selection::all();
        let minute = day_ago - day_ago % 60_000;
        // Twelve 5 s buckets now, each a twelfth of that minute a day before.
        let starts = (0..12).map(|i| minute + 86_400_000 + i * 5_000);
        let costs = shifted_costs(&state, starts, 5_000, offset_ms("1d").unwrap(), now, &all);
        assert_eq!(costs.len(), 12);
        assert!(
            costs
                .iter()
                .all(|c| c.is_some_and(|c| (c - 0.5).abs() < 1e-9)),
            "{costs:?}"
        );
        let at = |from: i64, to: i64| cost_between(&state, from, to, now, &all);
        assert!((at(minute, minute + 60_000).unwrap() - 6.0).abs() < 1e-9);
        // A week ago is read from the hours ring: nothing was spent then.
        assert_eq!(
            at(now - 7 * 86_400_000, now - 7 * 86_400_000 + 3_600_000),
            Some(0.0)
        );
        assert_eq!(offset_ms("7d"), Some(604_800_000));
        assert_eq!(offset_ms("2d"), None);
    }
}
