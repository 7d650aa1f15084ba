//! Read-side queries over a `RollupState`: history buckets, window stats,
//! spend rate, and log reads. Pure functions of the state and `now`.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use protocol::time::Timestamp;
use protocol::{HistoryBucket, HistoryResponse, MetricUpdate};

use super::bucket::Bucket;
use super::coalescer::Entry;
use super::plan::{Plan, Source, ring_holds};
use super::rollups::{RollupState, WarmRow};
use super::selection::Selection;
use super::tier::Tier;
use super::update_log::Expired;

/// Most buckets one history response may hold.
pub const MAX_HISTORY_BUCKETS: u64 = 2_000;

/// Most log entries one filtered read looks at before it answers with what
/// it found and a cursor to continue from.
pub const MAX_SCAN_PER_READ: usize = 100_000;

/// What `GET /api/metrics/history` asks for, already validated.
#[derive(Debug, Clone, Copy)]
pub struct HistoryQuery {
    pub from: Timestamp,
    pub to: Timestamp,
    /// Forced bucket width; the range's natural resolution otherwise.
    pub step: Option<Duration>,
    /// Customers listed per bucket.
    pub customers: usize,
}

impl HistoryQuery {
    /// The bucket width wanted: `step`, or the range's natural resolution.
    pub fn wanted_ms(&self) -> i64 {
        let range = (self.to - self.from).to_std().unwrap_or_default();
        self.step
            .unwrap_or_else(|| protocol::time::resolution_for_range(range))
            .as_millis() as i64
    }
}

fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

fn at(ms: i64) -> Timestamp {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Merges `[from_ms, to_ms)` at minute precision from the coarsest rings
/// that fit: ten-minute buckets for the aligned middle, minute buckets for
/// the edges. A day is at most 144 + 20 merges instead of 1440.
fn merge_minutes(state: &RollupState, from_ms: i64, to_ms: i64, into: &mut Bucket) {
    const TEN: i64 = 600_000;
    let start = state.minutes.align(from_ms);
    let middle_start =
        start.div_euclid(TEN) * TEN + if start.rem_euclid(TEN) == 0 { 0 } else { TEN };
    let middle_end = to_ms.div_euclid(TEN) * TEN;
    if middle_start < middle_end {
        state.minutes.merge_range(start, middle_start, into);
        state
            .ten_minutes
            .merge_range(middle_start, middle_end, into);
        state.minutes.merge_range(middle_end, to_ms, into);
    } else {
        state.minutes.merge_range(start, to_ms, into);
    }
}

/// Merges `[from_ms, to_ms)` from one ring.
fn merge_ring(state: &RollupState, tier: Tier, from_ms: i64, to_ms: i64, into: &mut Bucket) {
    match tier {
        Tier::Minute => merge_minutes(state, from_ms, to_ms, into),
        other => state.ring(other).merge_range(from_ms, to_ms, into),
    }
}

/// The plan's buckets, each merged from its ring or summed from the rows
/// the durable store returned for the plan's range.
fn plan_buckets(state: &RollupState, plan: &Plan, stored: &[WarmRow]) -> Vec<Bucket> {
    let count = plan.buckets().min(MAX_HISTORY_BUCKETS) as usize;
    let mut buckets = vec![Bucket::default(); count];
    match plan.source {
        Source::Ring(tier) => {
            for (i, bucket) in buckets.iter_mut().enumerate() {
                let b = plan.start_ms + i as i64 * plan.step_ms;
                merge_ring(state, tier, b, b + plan.step_ms, bucket);
            }
        }
        Source::Stored(_) => {
            for row in stored {
                let i = (row.bucket_ms - plan.start_ms).div_euclid(plan.step_ms);
                if let Some(bucket) = usize::try_from(i).ok().and_then(|i| buckets.get_mut(i)) {
                    let tenant = state.names.customer_tenant(row.key.customer);
                    bucket.add(row.key, state.names.overflow_customer(tenant), &row.usage);
                }
            }
        }
    }
    buckets
}

/// The buckets of `plan` (with `stored` rows when it reads the store), each
/// with the selected totals, cost by model and top customers; buckets no
/// run was recording in are marked missing.
pub fn history(
    state: &RollupState,
    q: &HistoryQuery,
    plan: &Plan,
    stored: &[WarmRow],
    selection: &Selection,
) -> HistoryResponse {
    let buckets = plan_buckets(state, plan, stored)
        .into_iter()
        .enumerate()
        .map(|(i, merged)| {
            let b = plan.start_ms + i as i64 * plan.step_ms;
            let view = merged.breakdown(&state.names, selection);
            let (customers, other_customers) = view.top_customers(&state.names, q.customers);
            HistoryBucket {
                start: at(b),
                totals: view.totals.to_metrics(),
                by_model: view.models_by_cost(&state.names),
                by_tenant: view.tenants_by_cost(&state.names),
                customers,
                other_customers,
                missing: !state.coverage.covers(b, b + plan.step_ms),
            }
        })
        .collect();
    HistoryResponse {
        from: at(plan.start_ms),
        to: q.to,
        resolution_seconds: (plan.step_ms / 1000) as u32,
        cursor: state.log.head(),
        buckets,
        compare_offset_seconds: None,
        compare: Vec::new(),
    }
}

/// Totals and breakdowns over `[from, to)` from the finest ring that holds
/// `from`: exact to the second within the last 15 minutes, then to the
/// minute (25 h), the hour (33 days) and the UTC day.
pub fn window(state: &RollupState, from: Timestamp, to: Timestamp, now: Timestamp) -> Bucket {
    let (from_ms, to_ms, now_ms) = (ms(from), ms(to), ms(now));
    let tier = [Tier::Second, Tier::Minute, Tier::Hour]
        .into_iter()
        .find(|t| ring_holds(state, *t, from_ms, now_ms))
        .unwrap_or(Tier::Day);
    let mut merged = Bucket::default();
    merge_ring(state, tier, from_ms, to_ms, &mut merged);
    merged
}

/// Spend over the last full minute, and over the minute five minutes before
/// it, both in US dollars per hour.
pub fn spend_rates(state: &RollupState, selection: &Selection, now: Timestamp) -> (f64, f64) {
    let now_s = state.seconds.align(ms(now));
    let per_hour = |from_ms: i64| {
        let mut b = Bucket::default();
        state.seconds.merge_range(from_ms, from_ms + 60_000, &mut b);
        b.selected_totals(&state.names, selection).cost * 60.0
    };
    (per_hour(now_s - 60_000), per_hour(now_s - 360_000))
}

/// The wire form of a log entry.
pub fn materialize(state: &RollupState, seq: u64, e: &Entry) -> MetricUpdate {
    to_update(&state.names, seq, e)
}

/// The wire form of a log entry, with names from `names`.
pub fn to_update(names: &super::names::Names, seq: u64, e: &Entry) -> MetricUpdate {
    let (tenant, customer) = names.customer(e.key.customer);
    MetricUpdate {
        seq,
        timestamp: at(e.ts_ms),
        tenant_id: tenant.to_string(),
        customer_id: customer.to_string(),
        model: names.model(e.key.model).to_string(),
        samples: e.samples,
        metrics: e.usage.to_metrics(),
    }
}

/// One read of the update log.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The selected updates, in `seq` order.
    pub updates: Vec<MetricUpdate>,
    /// Where the read stopped: continue after this `seq`. With a selection it
    /// can be past the last update returned (the rest was not selected).
    pub cursor: u64,
    /// Whether the log holds more after `cursor`.
    pub more: bool,
}

/// Up to `limit` selected updates after `cursor`.
pub fn updates_after(
    state: &RollupState,
    cursor: u64,
    limit: usize,
    selection: &Selection,
) -> Result<Page, Expired> {
    let (entries, last, more) = if selection.is_all() {
        let (entries, more) = state.log.after(cursor, limit)?;
        let last = entries.last().map_or(cursor, |(seq, _)| *seq);
        (entries, last, more)
    } else {
        let read = state
            .log
            .after_matching(cursor, limit, MAX_SCAN_PER_READ, |e| {
                selection.admits(&state.names, e.key)
            })?;
        (read.entries, read.last, read.more)
    };
    Ok(Page {
        updates: entries
            .iter()
            .map(|(seq, e)| materialize(state, *seq, e))
            .collect(),
        cursor: last,
        more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::names::{Interner, NameCaps};
    use crate::aggregation::rollups::{RollupConfig, Rollups};
    use crate::aggregation::usage::Usage;

    fn t(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// A rollups with one report of $1 and 1 call per customer-second at the given times.
    /// Plans with no durable store and runs the query, as the handler does.
    fn run(rollups: &Rollups, q: &HistoryQuery, now: Timestamp) -> HistoryResponse {
        let state = rollups.read();
        let plan = crate::aggregation::plan::plan(
            &state,
            (ms(q.from), ms(q.to)),
            q.wanted_ms(),
            0,
            ms(now),
            None,
        );
        history(&state, q, &plan, &[], &Selection::all())
    }

    fn store_with(times: &[(&str, &str, i64)]) -> (Rollups, Interner) {
        let rollups = Rollups::new(RollupConfig::default(), 0);
        let mut interner = Interner::new(NameCaps::default());
        let mut entries = Vec::new();
        for (customer, model, ts_ms) in times {
            let key = interner.intern("acme", customer, model);
            entries.push(Entry {
                ts_ms: *ts_ms,
                key,
                samples: 1,
                usage: Usage {
                    calls: 1,
                    tokens: 100,
                    cost: 1.0,
                    latency_ms_sum: 200.0,
                    ..Usage::default()
                },
            });
        }
        let sealed = entries.iter().map(|e| e.ts_ms).max().unwrap_or(0);
        rollups.apply_frame(interner.names(), &entries, sealed);
        (rollups, interner)
    }

    #[test]
    fn five_minutes_come_back_as_sixty_five_second_buckets() {
        let now = t("2026-11-23T12:00:00Z");
        let base = ms(now) - 300_000;
        let times: Vec<(&str, &str, i64)> = (0..300)
            .map(|i| ("c1", "gpt-4o", base + i * 1000))
            .collect();
        let (rollups, _) = store_with(&times);
        let q = HistoryQuery {
            from: now - chrono::Duration::minutes(5),
            to: now,
            step: None,
            customers: 10,
        };
        let h = run(&rollups, &q, now);
        assert_eq!(h.resolution_seconds, 5);
        assert_eq!(h.buckets.len(), 60);
        assert!(h.buckets.iter().all(|b| b.totals.total_calls == 5));
        assert_eq!(h.buckets[0].start, q.from);
        assert_eq!(h.cursor, 300);
        assert_eq!(h.buckets[0].customers[0].customer_id, "c1");
        assert_eq!(h.buckets[0].by_model[0].model, "gpt-4o");
    }

    #[test]
    fn older_ranges_use_minute_buckets_and_report_the_resolution() {
        let now = t("2026-11-23T12:00:00Z");
        let two_hours_ago = ms(now) - 2 * 3600 * 1000;
        let (rollups, _) = store_with(&[
            ("c1", "m", two_hours_ago + 5_000),
            ("c2", "m", two_hours_ago + 65_000),
        ]);
        let q = HistoryQuery {
            from: at(two_hours_ago),
            to: at(two_hours_ago + 10 * 60_000),
            step: Some(Duration::from_secs(5)),
            customers: 1,
        };
        let h = run(&rollups, &q, now);
        // Too old for the per-second ring: 1 min buckets.
        assert_eq!(h.resolution_seconds, 60);
        assert_eq!(h.buckets.len(), 10);
        assert_eq!(h.buckets[0].totals.total_calls, 1);
        assert_eq!(h.buckets[1].totals.total_calls, 1);
        assert_eq!(h.buckets[1].customers[0].customer_id, "c2");
    }

    #[test]
    fn a_day_is_144_ten_minute_buckets_with_others_summed() {
        let now = t("2026-11-23T12:00:00Z");
        let start = ms(now) - 24 * 3600 * 1000;
        let times: Vec<(String, i64)> = (0..24 * 60)
            .map(|m| (format!("c{}", m % 3), start + m * 60_000 + 1))
            .collect();
        let refs: Vec<(&str, &str, i64)> =
            times.iter().map(|(c, t)| (c.as_str(), "m", *t)).collect();
        let (rollups, _) = store_with(&refs);
        let q = HistoryQuery {
            from: at(start),
            to: now,
            step: None,
            customers: 2,
        };
        let h = run(&rollups, &q, now);
        assert_eq!(h.resolution_seconds, 600);
        assert_eq!(h.buckets.len(), 144);
        let calls: u64 = h.buckets.iter().map(|b| b.totals.total_calls).sum();
        assert_eq!(calls, 24 * 60);
        for b in &h.buckets {
            let listed: u64 = b.customers.iter().map(|c| c.metrics.total_calls).sum();
            let other = b.other_customers.map_or(0, |o| o.total_calls);
            assert_eq!(listed + other, b.totals.total_calls);
            assert_eq!(b.customers.len(), 2);
        }
    }

    #[test]
    fn buckets_before_the_run_started_are_missing_not_zero() {
        let now = t("2026-11-23T12:00:00Z");
        // This run started ten minutes ago.
        let started_us = (ms(now) - 10 * 60_000) as u64 * 1000;
        let rollups = Rollups::new(RollupConfig::default(), started_us);
        let q = HistoryQuery {
            from: now - chrono::Duration::hours(1),
            to: now,
            step: None,
            customers: 5,
        };
        let h = run(&rollups, &q, now);
        assert_eq!(h.buckets.len(), 60);
        assert!(h.buckets[..50].iter().all(|b| b.missing));
        assert!(h.buckets[50..].iter().all(|b| !b.missing));
    }

    #[test]
    fn long_windows_read_the_hour_and_day_rings() {
        let now = t("2026-11-23T12:00:00Z");
        let n = ms(now);
        // One $1 call an hour for 40 days.
        let times: Vec<(&str, &str, i64)> = (1..=40 * 24)
            .map(|h| ("c1", "m", n - h * 3_600_000 + 1))
            .collect();
        let (rollups, _) = store_with(&times);
        let q = |days: i64| HistoryQuery {
            from: now - chrono::Duration::days(days),
            to: now,
            step: None,
            customers: 5,
        };
        let week = run(&rollups, &q(7), now);
        assert_eq!(week.resolution_seconds, 3600);
        let calls: u64 = week.buckets.iter().map(|b| b.totals.total_calls).sum();
        assert_eq!(calls, 7 * 24);
        let month = run(&rollups, &q(30), now);
        assert_eq!(month.resolution_seconds, 6 * 3600);
        assert_eq!(month.buckets.len(), 120);
        let calls: u64 = month.buckets.iter().map(|b| b.totals.total_calls).sum();
        assert_eq!(calls, 30 * 24);
        let w = window(&rollups.read(), now - chrono::Duration::days(30), now, now);
        assert_eq!(w.totals.calls, 30 * 24);
        let w = window(&rollups.read(), now - chrono::Duration::days(39), now, now);
        assert!(w.totals.calls >= 38 * 24, "day-aligned: {}", w.totals.calls);
    }

    #[test]
    fn spend_rate_is_last_full_minute_per_hour() {
        let now = t("2026-11-23T12:00:00.400Z");
        let n = ms(now);
        let mut times = Vec::new();
        // $1 a second over the last minute: $3600/h; nothing five minutes ago.
        for i in 1..=60 {
            times.push(("c1", "m", n - 400 - i * 1000));
        }
        // The current, partial second does not count.
        times.push(("c1", "m", n - 100));
        let (rollups, _) = store_with(&times);
        let (now_rate, before) = spend_rates(&rollups.read(), &Selection::all(), now);
        assert!((now_rate - 3600.0).abs() < 1e-9, "{now_rate}");
        assert_eq!(before, 0.0);
        let w = window(
            &rollups.read(),
            now - chrono::Duration::minutes(5),
            now,
            now,
        );
        assert_eq!(w.totals.calls, 61);
    }

    #[test]
    fn long_windows_combine_ten_minute_and_minute_buckets_exactly() {
        let now = t("2026-11-23T12:00:00Z");
        let n = ms(now);
        // One report every minute for 5 hours, at :30 past each minute.
        let times: Vec<(&str, &str, i64)> = (1..=300)
            .map(|m| ("c1", "m", n - m * 60_000 + 30_000))
            .collect();
        let (rollups, _) = store_with(&times);
        let state = rollups.read();
        for (from_min, to_min) in [(300, 0), (297, 3), (125, 118), (61, 59), (13, 0)] {
            let from = now - chrono::Duration::minutes(from_min);
            let to = now - chrono::Duration::minutes(to_min);
            let w = window(&state, from, to, now);
            assert_eq!(
                w.totals.calls,
                (from_min - to_min) as u64,
                "{from_min}..{to_min}"
            );
        }
    }

    #[test]
    fn log_reads_materialize_names() {
        let (rollups, _) = store_with(&[("c1", "gpt-4o", 1000), ("c2", "claude-opus-4", 1000)]);
        let page = updates_after(&rollups.read(), 0, 10, &Selection::all()).unwrap();
        assert!(!page.more);
        assert_eq!(page.cursor, 2);
        let updates = page.updates;
        assert_eq!(updates.len(), 2);
        assert_eq!(updates[0].seq, 1);
        assert_eq!(updates[1].customer_id, "c2");
        assert_eq!(updates[1].tenant_id, "acme");
        assert_eq!(updates[1].model, "claude-opus-4");
        assert_eq!(updates[1].metrics.avg_latency_ms, 200.0);
        assert!(updates_after(&rollups.read(), 99, 10, &Selection::all()).is_err());
        // A selection skips what it does not admit and still moves the cursor.
        let state = rollups.read();
        let only_c1 = crate::aggregation::NameFilter {
            customers: Some(["c1".to_string()].into()),
            ..Default::default()
        }
        .resolve(&state.names);
        let page = updates_after(&state, 0, 10, &only_c1).unwrap();
        assert_eq!(page.updates.len(), 1);
        assert_eq!(page.updates[0].customer_id, "c1");
        assert_eq!((page.cursor, page.more), (2, false));
    }
}
