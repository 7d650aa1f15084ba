//! `Rollups`: everything the aggregator has folded, shared with the readers.
//!
//! The aggregator writes once per sealed frame (four times a second), holding
//! the write lock only to fold that frame's few hundred updates. HTTP handlers
//! and WebSocket sessions read under the read lock and never wait for the
//! aggregator's mailbox, so reads do not queue behind ingest. Because writes
//! are whole frames, every read sees a state that ends exactly at a frame
//! boundary, and the cursor it reports is exact.

use parking_lot::{RwLock, RwLockReadGuard};

use super::coalescer::Entry;
use super::coverage::Coverage;
use super::names::Names;
use super::names::SeriesKey;
use super::tier::Tier;
use super::time_ring::TimeRing;
use super::update_log::UpdateLog;
use super::usage::Usage;

/// Sizes of the rollups' rings and log. Memory is fixed by these (see
/// `docs/ARCHITECTURE.md`, "Memory bounds").
#[derive(Debug, Clone, Copy)]
pub struct RollupConfig {
    /// Per-second buckets: 960 = 16 min, enough for 5 s and 15 s resolutions over 15 min.
    pub second_slots: usize,
    /// Per-minute buckets: 1500 = 25 h, so 24 h of history is always complete.
    pub minute_slots: usize,
    /// Ten-minute buckets: 150 = 25 h; long ranges read these instead of
    /// merging ten minute buckets each.
    pub ten_minute_slots: usize,
    /// Hourly buckets: 792 = 33 days, for 7 d, 30 d and month-to-date views.
    pub hour_slots: usize,
    /// Daily buckets (UTC days): 410, for up to 13 months.
    pub day_slots: usize,
    /// Most folded updates the log keeps for polling and catch-up.
    pub log_max_entries: usize,
    /// Oldest frame the log keeps, in milliseconds.
    pub log_max_age_ms: i64,
}

impl Default for RollupConfig {
    fn default() -> Self {
        RollupConfig {
            second_slots: 960,
            minute_slots: 1500,
            ten_minute_slots: 150,
            hour_slots: 33 * 24,
            day_slots: 410,
            log_max_entries: 250_000,
            log_max_age_ms: 15 * 60 * 1000,
        }
    }
}

/// One stored rollup, as start-up loads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmRow {
    pub tier: Tier,
    pub bucket_ms: i64,
    pub key: SeriesKey,
    pub usage: Usage,
}

#[derive(Debug)]
pub struct RollupState {
    pub names: Names,
    pub seconds: TimeRing,
    pub minutes: TimeRing,
    pub ten_minutes: TimeRing,
    pub hours: TimeRing,
    pub days: TimeRing,
    pub log: UpdateLog,
    /// When servers were recording (this run and, with a store, earlier ones).
    pub coverage: Coverage,
    /// Totals since the server started.
    pub lifetime: Usage,
    /// Raw reports folded since the server started.
    pub reports: u64,
    /// The same by customer–model pair, for filtered and scoped callers.
    pub reports_by_pair: rustc_hash::FxHashMap<super::names::SeriesKey, u64>,
}

impl RollupState {
    /// The ring of a stored tier.
    pub fn ring(&self, tier: Tier) -> &TimeRing {
        match tier {
            Tier::Second => &self.seconds,
            Tier::Minute => &self.minutes,
            Tier::Hour => &self.hours,
            Tier::Day => &self.days,
        }
    }

    /// Raw reports folded since start for the pairs `selection` admits.
    pub fn reports_of(&self, selection: &super::Selection) -> u64 {
        if selection.is_all() {
            return self.reports;
        }
        self.reports_by_pair
            .iter()
            .filter(|(key, _)| selection.admits(&self.names, **key))
            .map(|(_, n)| n)
            .sum()
    }
}

#[derive(Debug)]
pub struct Rollups {
    state: RwLock<RollupState>,
}

impl Rollups {
    /// `start_seq` is the cursor before the first update (the server's start
    /// time in microseconds, so a restarted server never reuses positions).
    /// The run covers from `start_seq`'s instant (microseconds) on.
    pub fn new(config: RollupConfig, start_seq: u64) -> Self {
        let started_ms = (start_seq / 1000) as i64;
        Rollups {
            state: RwLock::new(RollupState {
                names: Names::default(),
                seconds: TimeRing::new(Tier::Second.slot_ms(), config.second_slots),
                minutes: TimeRing::new(Tier::Minute.slot_ms(), config.minute_slots),
                ten_minutes: TimeRing::new(600_000, config.ten_minute_slots),
                hours: TimeRing::new(Tier::Hour.slot_ms(), config.hour_slots),
                days: TimeRing::new(Tier::Day.slot_ms(), config.day_slots),
                coverage: Coverage::since(started_ms),
                log: UpdateLog::new(start_seq, config.log_max_entries, config.log_max_age_ms),
                lifetime: Usage::default(),
                reports: 0,
                reports_by_pair: Default::default(),
            }),
        }
    }

    /// Folds one sealed frame in and appends it to the log. `names` is the
    /// aggregator's table, which holds every id the entries use.
    /// Returns the `seq` of the first and last entry (first > last when empty).
    pub fn apply_frame(&self, names: &Names, entries: &[Entry], sealed_at_ms: i64) -> (u64, u64) {
        let mut state = self.state.write();
        state.names.catch_up(names);
        let first = state.log.head() + 1;
        let state = &mut *state;
        for e in entries {
            let tenant = state.names.customer_tenant(e.key.customer);
            let overflow = state.names.overflow_customer(tenant);
            for ring in [
                &mut state.seconds,
                &mut state.minutes,
                &mut state.ten_minutes,
                &mut state.hours,
                &mut state.days,
            ] {
                if let Some(b) = ring.bucket_mut(e.ts_ms) {
                    b.add(e.key, overflow, &e.usage);
                }
            }
            state.lifetime.add(&e.usage);
            state.reports += u64::from(e.samples);
            *state.reports_by_pair.entry(e.key).or_default() += u64::from(e.samples);
        }
        let last = state.log.append(entries, sealed_at_ms);
        (first, last)
    }

    /// Fills the rings from the durable store at start-up: `rows` of each
    /// tier go to its ring (minute rows also to the ten-minute ring), with
    /// `names` holding every key they use. Neither the log nor the
    /// lifetime totals change: those describe this run.
    pub fn warm(&self, names: &Names, rows: &[WarmRow], past_runs: Vec<(i64, i64)>) {
        let mut state = self.state.write();
        state.names.catch_up(names);
        let state = &mut *state;
        for row in rows {
            let tenant = state.names.customer_tenant(row.key.customer);
            let overflow = state.names.overflow_customer(tenant);
            let ring = match row.tier {
                Tier::Second => &mut state.seconds,
                Tier::Minute => &mut state.minutes,
                Tier::Hour => &mut state.hours,
                Tier::Day => &mut state.days,
            };
            if let Some(b) = ring.bucket_mut(row.bucket_ms) {
                b.add(row.key, overflow, &row.usage);
            }
            if row.tier == Tier::Minute
                && let Some(b) = state.ten_minutes.bucket_mut(row.bucket_ms)
            {
                b.add(row.key, overflow, &row.usage);
            }
        }
        state.coverage = state.coverage.clone().with_past(past_runs);
    }

    pub fn read(&self) -> RwLockReadGuard<'_, RollupState> {
        self.state.read()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::names::{Interner, NameCaps};

    #[test]
    fn warm_rows_fill_their_rings_and_earlier_runs_their_coverage() {
        let rollups = Rollups::new(RollupConfig::default(), 10_000_000_000);
        let mut interner = Interner::new(NameCaps::default());
        let key = interner.intern("acme", "acme-1", "gpt-4o");
        let usage = Usage {
            calls: 3,
            cost: 2.0,
            ..Usage::default()
        };
        let row = |tier, bucket_ms| WarmRow {
            tier,
            bucket_ms,
            key,
            usage,
        };
        rollups.warm(
            interner.names(),
            &[
                row(Tier::Second, 9_999_000),
                row(Tier::Minute, 9_960_000),
                row(Tier::Hour, 7_200_000),
                row(Tier::Day, 0),
            ],
            vec![(9_000_000, 9_990_000)],
        );
        let state = rollups.read();
        assert_eq!(state.seconds.get(9_999_000).unwrap().totals.calls, 3);
        assert_eq!(state.minutes.get(9_960_000).unwrap().totals.calls, 3);
        assert_eq!(state.ten_minutes.get(9_600_000).unwrap().totals.calls, 3);
        assert_eq!(state.hours.get(7_200_000).unwrap().totals.calls, 3);
        assert_eq!(state.days.get(0).unwrap().totals.calls, 3);
        assert_eq!(state.lifetime.calls, 0, "lifetime is this run's");
        assert!(state.coverage.covers(9_500_000, 9_600_000));
        assert!(!state.coverage.covers(9_990_001, 9_999_999), "the downtime");
    }

    #[test]
    fn a_frame_lands_in_both_rings_the_log_and_the_totals() {
        let rollups = Rollups::new(RollupConfig::default(), 500);
        let mut interner = Interner::new(NameCaps::default());
        let key = interner.intern("acme", "acme-1", "gpt-4o");
        let usage = Usage {
            calls: 2,
            cost: 1.5,
            ..Usage::default()
        };
        let entries = [
            Entry {
                ts_ms: 61_500,
                key,
                samples: 3,
                usage,
            },
            Entry {
                ts_ms: 62_500,
                key,
                samples: 1,
                usage,
            },
        ];
        assert_eq!(
            rollups.apply_frame(interner.names(), &entries, 63_000),
            (501, 502)
        );
        assert_eq!(
            rollups.apply_frame(interner.names(), &[], 63_250),
            (503, 502)
        );
        let state = rollups.read();
        assert_eq!(state.log.head(), 502);
        assert_eq!(state.seconds.get(61_000).unwrap().totals.calls, 2);
        assert_eq!(state.seconds.get(62_000).unwrap().totals.calls, 2);
        assert_eq!(state.minutes.get(60_000).unwrap().totals.calls, 4);
        assert_eq!(state.ten_minutes.get(0).unwrap().totals.calls, 4);
        assert_eq!(state.hours.get(0).unwrap().totals.calls, 4);
        assert_eq!(state.days.get(0).unwrap().totals.calls, 4);

        assert_eq!(state.lifetime.calls, 4);
        assert_eq!(state.reports, 4);
        let acme = crate::aggregation::NameFilter::tenants(["acme"]).resolve(&state.names);
        assert_eq!(state.reports_of(&acme), 4);
        let none = crate::aggregation::NameFilter::tenants(["globex"]).resolve(&state.names);
        assert_eq!(state.reports_of(&none), 0);
        assert_eq!(state.names.customer(key.customer), ("acme", "acme-1"));
    }
}
