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
use super::names::Names;
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
            log_max_entries: 250_000,
            log_max_age_ms: 15 * 60 * 1000,
        }
    }
}

#[derive(Debug)]
pub struct RollupState {
    pub names: Names,
    pub seconds: TimeRing,
    pub minutes: TimeRing,
    pub ten_minutes: TimeRing,
    pub log: UpdateLog,
    /// Totals since the server started.
    pub lifetime: Usage,
    /// Raw reports folded since the server started.
    pub reports: u64,
    /// The same by tenant id, for tenant-scoped callers.
    pub reports_by_tenant: Vec<u64>,
}

impl RollupState {
    /// Raw reports folded since start for the tenants `selection` admits.
    pub fn reports_of(&self, selection: &super::Selection) -> u64 {
        if selection.is_all() {
            return self.reports;
        }
        self.reports_by_tenant
            .iter()
            .enumerate()
            .filter(|(id, _)| selection.admits_tenant(*id as super::names::TenantId))
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
    pub fn new(config: RollupConfig, start_seq: u64) -> Self {
        Rollups {
            state: RwLock::new(RollupState {
                names: Names::default(),
                seconds: TimeRing::new(1000, config.second_slots),
                minutes: TimeRing::new(60_000, config.minute_slots),
                ten_minutes: TimeRing::new(600_000, config.ten_minute_slots),
                log: UpdateLog::new(start_seq, config.log_max_entries, config.log_max_age_ms),
                lifetime: Usage::default(),
                reports: 0,
                reports_by_tenant: Vec::new(),
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
            ] {
                if let Some(b) = ring.bucket_mut(e.ts_ms) {
                    b.add(e.key, overflow, &e.usage);
                }
            }
            state.lifetime.add(&e.usage);
            state.reports += u64::from(e.samples);
            let t = tenant as usize;
            if state.reports_by_tenant.len() <= t {
                state.reports_by_tenant.resize(t + 1, 0);
            }
            state.reports_by_tenant[t] += u64::from(e.samples);
        }
        let last = state.log.append(entries, sealed_at_ms);
        (first, last)
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

        assert_eq!(state.lifetime.calls, 4);
        assert_eq!(state.reports, 4);
        let acme = crate::aggregation::NameFilter::tenants(["acme"]).resolve(&state.names);
        assert_eq!(state.reports_of(&acme), 4);
        let none = crate::aggregation::NameFilter::tenants(["globex"]).resolve(&state.names);
        assert_eq!(state.reports_of(&none), 0);
        assert_eq!(state.names.customer(key.customer), ("acme", "acme-1"));
    }
}
