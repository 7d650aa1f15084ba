//! Where a history range's buckets come from, and how wide they are: the
//! finest ring that still holds the range and fits the wanted width, else
//! the durable store's table of that tier, else a coarser tier.
//!
//! | wanted width | source, while it holds the range | then |
//! |---|---|---|
//! | under 1 min | seconds ring (16 min) | minutes |
//! | under 1 h | minutes ring (25 h, ten-minute shortcut) | stored minutes (35 d), then hours |
//! | under 1 d | hours ring (33 d) | stored hours (400 d) |
//! | 1 d and more | days ring (410 d; local days from the hours ring when the zone is not UTC) | stored days |

use super::rollups::RollupState;
use super::tier::Tier;

/// A ring of the rollups, or a tier of the durable store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Ring(Tier),
    Stored(Tier),
}

/// How long the durable store keeps each tier (none: memory only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredSpans {
    pub minutes_ms: i64,
    pub hours_ms: i64,
}

/// A planned history read: buckets of `step_ms` from `start_ms` (aligned)
/// up to `end_ms`, read from `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub source: Source,
    pub step_ms: i64,
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Plan {
    pub fn buckets(&self) -> u64 {
        ((self.end_ms - self.start_ms).max(0) as u64).div_ceil(self.step_ms.max(1) as u64)
    }
}

/// Whether `tier`'s ring still holds `from_ms` at `now_ms`, with a slot to
/// spare for the one being filled (a minute for seconds).
pub fn ring_holds(state: &RollupState, tier: Tier, from_ms: i64, now_ms: i64) -> bool {
    let ring = state.ring(tier);
    let spare = if tier == Tier::Second {
        60_000
    } else {
        tier.slot_ms()
    };
    from_ms >= now_ms - ring.span_ms() + spare
}

/// The wanted width rounded up to whole slots of `tier`.
fn round_up(wanted_ms: i64, tier: Tier) -> i64 {
    let slot = tier.slot_ms();
    (wanted_ms.max(slot) + slot - 1) / slot * slot
}

/// Buckets start at multiples of the step counted from the epoch, shifted
/// by `offset_ms` (a zone's offset, so daily buckets begin at local midnight).
fn align(ts_ms: i64, step_ms: i64, offset_ms: i64) -> i64 {
    (ts_ms + offset_ms).div_euclid(step_ms) * step_ms - offset_ms
}

/// Plans `[from_ms, to_ms)` at about `wanted_ms` per bucket. `offset_ms` is
/// the zone offset day buckets align to; `stored` says what the durable
/// store keeps (`None`: nothing beyond memory).
pub fn plan(
    state: &RollupState,
    (from_ms, to_ms): (i64, i64),
    wanted_ms: i64,
    offset_ms: i64,
    now_ms: i64,
    stored: Option<StoredSpans>,
) -> Plan {
    let holds = |tier| ring_holds(state, tier, from_ms, now_ms);
    let in_store = |span_ms: i64| stored.is_some_and(|_| from_ms >= now_ms - span_ms);
    let (source, tier) = if wanted_ms < Tier::Minute.slot_ms() && holds(Tier::Second) {
        (Source::Ring(Tier::Second), Tier::Second)
    } else if wanted_ms < Tier::Hour.slot_ms() && holds(Tier::Minute) {
        (Source::Ring(Tier::Minute), Tier::Minute)
    } else if wanted_ms < Tier::Hour.slot_ms() && in_store(stored.map_or(0, |s| s.minutes_ms)) {
        (Source::Stored(Tier::Minute), Tier::Minute)
    } else if wanted_ms < Tier::Day.slot_ms() || (offset_ms != 0 && holds(Tier::Hour)) {
        // Local days need hours; hours ring first, then the stored hours.
        if holds(Tier::Hour) {
            (Source::Ring(Tier::Hour), Tier::Hour)
        } else if stored.is_some() {
            (Source::Stored(Tier::Hour), Tier::Hour)
        } else {
            (Source::Ring(Tier::Hour), Tier::Hour)
        }
    } else if holds(Tier::Day) || stored.is_none() {
        (Source::Ring(Tier::Day), Tier::Day)
    } else {
        (Source::Stored(Tier::Day), Tier::Day)
    };
    let step_ms = round_up(wanted_ms, tier);
    // A zone offset only shifts buckets of a day or longer; UTC days from
    // the days ring cannot be shifted.
    let offset = if step_ms >= Tier::Day.slot_ms() && tier == Tier::Hour {
        offset_ms
    } else {
        0
    };
    Plan {
        source,
        step_ms,
        start_ms: align(from_ms, step_ms, offset),
        end_ms: to_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::rollups::{RollupConfig, Rollups};

    const MIN: i64 = 60_000;
    const HOUR: i64 = 60 * MIN;
    const DAY: i64 = 24 * HOUR;
    const NOW: i64 = 2_000 * DAY;
    const STORED: StoredSpans = StoredSpans {
        minutes_ms: 35 * DAY,
        hours_ms: 400 * DAY,
    };

    fn source(from_ago: i64, to_ago: i64, wanted: i64, offset: i64, store: bool) -> (Source, i64) {
        let rollups = Rollups::new(RollupConfig::default(), 0);
        let p = plan(
            &rollups.read(),
            (NOW - from_ago, NOW - to_ago),
            wanted,
            offset,
            NOW,
            store.then_some(STORED),
        );
        (p.source, p.step_ms)
    }

    #[test]
    fn the_finest_ring_that_holds_the_range_wins() {
        use Source::*;
        assert_eq!(
            source(5 * MIN, 0, 5_000, 0, true),
            (Ring(Tier::Second), 5_000)
        );
        assert_eq!(
            source(3 * HOUR, 0, 5_000, 0, true),
            (Ring(Tier::Minute), MIN)
        );
        assert_eq!(
            source(24 * HOUR, 0, 10 * MIN, 0, true),
            (Ring(Tier::Minute), 10 * MIN)
        );
        assert_eq!(source(7 * DAY, 0, HOUR, 0, true), (Ring(Tier::Hour), HOUR));
        assert_eq!(
            source(30 * DAY, 0, 6 * HOUR, 0, true),
            (Ring(Tier::Hour), 6 * HOUR)
        );
        assert_eq!(source(396 * DAY, 0, DAY, 0, true), (Ring(Tier::Day), DAY));
    }

    #[test]
    fn older_fine_ranges_read_the_store_or_coarsen() {
        use Source::*;
        // The same hour two days ago, at a minute: the stored minutes.
        let two_days = 2 * DAY;
        assert_eq!(
            source(two_days, two_days - HOUR, MIN, 0, true),
            (Stored(Tier::Minute), MIN)
        );
        // Without a store, the hours ring is the finest left.
        assert_eq!(
            source(two_days, two_days - HOUR, MIN, 0, false),
            (Ring(Tier::Hour), HOUR)
        );
        // Past the minutes' retention: hours, from the store.
        assert_eq!(
            source(60 * DAY, 59 * DAY, MIN, 0, true),
            (Stored(Tier::Hour), HOUR)
        );
    }

    #[test]
    fn local_days_come_from_hours_and_start_at_local_midnight() {
        let rollups = Rollups::new(RollupConfig::default(), 0);
        let paris = HOUR; // UTC+1
        let from = NOW - 10 * DAY + 5 * HOUR;
        let p = plan(&rollups.read(), (from, NOW), DAY, paris, NOW, Some(STORED));
        assert_eq!(p.source, Source::Ring(Tier::Hour));
        assert_eq!(p.step_ms, DAY);
        assert_eq!((p.start_ms + paris).rem_euclid(DAY), 0, "local midnight");
        assert!(p.start_ms <= from && from < p.start_ms + DAY);
        // From local midnight ten days back to 01:00 today: eleven local days.
        assert_eq!(p.buckets(), 11);
    }
}
