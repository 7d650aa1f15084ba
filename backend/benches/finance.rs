//! The views a finance team asks for (issue 13), on a year of history held in
//! memory: 400 days of hourly rollups for 7 tenants and 2,000 customer–model
//! pairs, folded frame by frame as a running server would have.
//!
//! - `GET /api/metrics/history?window=30d&compare=7d`: p50 / p95 / p99 of the
//!   30-day history with and without the 7-day comparison, measured in the
//!   same loop so the ratio is fair on a noisy machine.
//! - The budget watcher's pass (every budget's status, every 10 s) and the
//!   `GET /api/budgets` projection (the total and each tenant), and the pure
//!   `forecast` function over 400 daily values.
//!
//! Figures are printed, not asserted. Run: `cargo bench -p backend --bench finance`

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backend::aggregation::query::{self, HistoryQuery};
use backend::aggregation::{
    Entry, Interner, NameCaps, NameFilter, RollupConfig, Rollups, Selection, SeriesKey, Usage,
    compare, plan,
};
use backend::budget::forecast::forecast;
use backend::budget::projection::{budget_filter, daily_spend, project, status};
use chrono::{Datelike, NaiveDate, TimeZone, Timelike, Utc};
use protocol::time::align_floor;
use protocol::{Budget, Timestamp};

const DAYS: i64 = 400;
const TENANTS: usize = 7;
const CUSTOMERS: usize = 1_000;
/// Models each customer uses: 2,000 pairs, the most one bucket tracks individually.
const MODELS_PER_CUSTOMER: usize = 2;
const MODELS: [&str; 6] = [
    "gpt-4o",
    "gpt-4o-mini",
    "claude-sonnet-4",
    "claude-opus-4",
    "gemini-2.5-pro",
    "o1",
];
const HISTORY_QUERIES: usize = 200;
const FORECAST_RUNS: usize = 100;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Sorted copies of the samples, for percentiles.
fn sorted(mut v: Vec<Duration>) -> Vec<Duration> {
    v.sort();
    v
}

/// A spend shape a forecast has something to find in: business hours,
/// quieter weekends, slow growth over the year, and a per-pair scale.
fn hourly_cost(pair: usize, at: Timestamp, day_index: i64) -> f64 {
    let hour = at.hour() as f64;
    let business = if (8.0..20.0).contains(&hour) {
        1.0
    } else {
        0.35
    };
    let weekday = match at.weekday() {
        chrono::Weekday::Sat | chrono::Weekday::Sun => 0.4,
        _ => 1.0,
    };
    let growth = 1.0 + day_index as f64 / DAYS as f64;
    let scale = 0.002 + (pair.wrapping_mul(2_654_435_761) % 1_000) as f64 * 0.00002;
    scale * business * weekday * growth
}

/// The book: 400 days of hourly frames ending at `now`, and the pairs' keys.
fn fill(now: Timestamp) -> (Arc<Rollups>, Vec<String>, Duration, u64) {
    let start_ms = now.timestamp_millis() - DAYS * DAY_MS;
    // The run started with the first frame, so every bucket is covered.
    let rollups = Arc::new(Rollups::new(
        RollupConfig::default(),
        start_ms as u64 * 1000,
    ));
    let mut names = Interner::new(NameCaps::default());
    let tenants: Vec<String> = (0..TENANTS).map(|t| format!("tenant-{t}")).collect();
    let pairs: Vec<SeriesKey> = (0..CUSTOMERS)
        .flat_map(|c| {
            let tenant = tenants[c % TENANTS].clone();
            (0..MODELS_PER_CUSTOMER)
                .map(move |m| (tenant.clone(), c, MODELS[(c + m * 3) % MODELS.len()]))
        })
        .map(|(tenant, c, model)| names.intern(&tenant, &format!("{tenant}-c{c}"), model))
        .collect();
    let fill = Instant::now();
    let mut entries = Vec::with_capacity(pairs.len());
    let mut folded = 0u64;
    let mut hour_ms = start_ms;
    while hour_ms < now.timestamp_millis() {
        let at = Utc
            .timestamp_millis_opt(hour_ms)
            .single()
            .expect("valid ms");
        let day_index = (hour_ms - start_ms) / DAY_MS;
        entries.clear();
        for (i, key) in pairs.iter().enumerate() {
            let cost = hourly_cost(i, at, day_index);
            entries.push(Entry {
                // Spread over the hour's first minute, as a frame's seconds would be.
                ts_ms: hour_ms + (i as i64 % 60) * 1000,
                key: *key,
                samples: 1,
                usage: Usage {
                    calls: 10,
                    tokens: 10_000,
                    input_tokens: 8_000,
                    output_tokens: 2_000,
                    cost,
                    latency_ms_sum: 4_000.0,
                    ..Usage::default()
                },
            });
        }
        rollups.apply_frame(names.names(), &entries, hour_ms + HOUR_MS);
        folded += entries.len() as u64;
        hour_ms += HOUR_MS;
    }
    (rollups, tenants, fill.elapsed(), folded)
}

/// `GET /api/metrics/history?window=30d[&compare=7d]` as the handler
/// computes it (no durable store: the hours ring holds 33 days), serialised
/// as the response is. Returns the JSON size.
fn history_30d(rollups: &Rollups, now: Timestamp, filter: &NameFilter, compare: bool) -> usize {
    let mut q = HistoryQuery {
        from: now - chrono::Duration::days(30),
        to: now,
        step: None,
        customers: protocol::limits::HISTORY_CUSTOMERS_DEFAULT,
    };
    let wanted_ms = q.wanted_ms();
    // A preset window: its last whole buckets, the newest partial (routes/history.rs).
    let width = Duration::from_millis(wanted_ms as u64);
    let bucket = chrono::Duration::milliseconds(wanted_ms);
    q.from = q
        .from
        .max(align_floor(q.to, width) - (q.to - q.from) + bucket);
    let state = rollups.read();
    let plan = plan::plan(
        &state,
        (q.from.timestamp_millis(), q.to.timestamp_millis()),
        wanted_ms,
        0,
        now.timestamp_millis(),
        None,
    );
    let selection = filter.resolve(&state.names);
    let mut response = query::history(&state, &q, &plan, &[], &selection);
    if compare {
        let offset = compare::offset_ms("7d").expect("7d is an offset");
        let starts = (0..response.buckets.len() as i64).map(|i| plan.start_ms + i * plan.step_ms);
        response.compare = compare::shifted_costs(
            &state,
            starts,
            plan.step_ms,
            offset,
            now.timestamp_millis(),
            &selection,
        );
        response.compare_offset_seconds = Some((offset / 1000) as u32);
    }
    drop(state);
    black_box(serde_json::to_vec(&response).map_or(0, |v| v.len()))
}

/// Just the comparison: 120 six-hour buckets read a week earlier.
fn compare_only(rollups: &Rollups, now: Timestamp, selection: &Selection) -> usize {
    let step = 6 * HOUR_MS;
    let end = now.timestamp_millis();
    let first = end.div_euclid(step) * step - 119 * step;
    let state = rollups.read();
    let costs = compare::shifted_costs(
        &state,
        (0..120).map(|i| first + i * step),
        step,
        7 * DAY_MS,
        end,
        selection,
    );
    black_box(costs.iter().flatten().count())
}

fn history_section(rollups: &Rollups, now: Timestamp, tenant: &str) {
    println!();
    println!(
        "30-day history (120 buckets of 6 h from the hours ring, {} customers a bucket), {HISTORY_QUERIES} queries each, plain and compare interleaved:",
        protocol::limits::HISTORY_CUSTOMERS_DEFAULT
    );
    println!(
        "| view | JSON plain / compare | plain p50 / p95 / p99 | compare=7d p50 / p95 / p99 | p95 ratio compare / plain | comparison alone p50 / p95 |"
    );
    println!("|---|---|---|---|---|---|");
    let views = [
        ("whole account", NameFilter::default()),
        ("one tenant (filter)", NameFilter::tenants([tenant])),
    ];
    for (label, filter) in views {
        let (mut plain, mut with, mut alone) = (Vec::new(), Vec::new(), Vec::new());
        let (mut plain_bytes, mut with_bytes) = (0, 0);
        let selection = filter.resolve(&rollups.read().names);
        for _ in 0..HISTORY_QUERIES {
            let started = Instant::now();
            plain_bytes = history_30d(rollups, now, &filter, false);
            plain.push(started.elapsed());
            let started = Instant::now();
            with_bytes = history_30d(rollups, now, &filter, true);
            with.push(started.elapsed());
            let started = Instant::now();
            compare_only(rollups, now, &selection);
            alone.push(started.elapsed());
        }
        let (plain, with, alone) = (sorted(plain), sorted(with), sorted(alone));
        println!(
            "| {label} | {:.0} / {:.0} KiB | {:.2} / {:.2} / {:.2} ms | {:.2} / {:.2} / {:.2} ms | {:.2} | {:.3} / {:.3} ms |",
            plain_bytes as f64 / 1024.0,
            with_bytes as f64 / 1024.0,
            ms(percentile(&plain, 0.5)),
            ms(percentile(&plain, 0.95)),
            ms(percentile(&plain, 0.99)),
            ms(percentile(&with, 0.5)),
            ms(percentile(&with, 0.95)),
            ms(percentile(&with, 0.99)),
            ms(percentile(&with, 0.95)) / ms(percentile(&plain, 0.95)),
            ms(percentile(&alone, 0.5)),
            ms(percentile(&alone, 0.95)),
        );
    }
}

/// The budgets of the bench's book: each tenant, and each tenant on one model.
fn book(tenants: &[String]) -> Vec<Budget> {
    tenants
        .iter()
        .flat_map(|t| {
            [None, Some(MODELS[0].to_string())].map(|model| Budget {
                tenant_id: t.clone(),
                customer_id: None,
                model,
                monthly_usd: 5_000.0,
            })
        })
        .collect()
}

/// `GET /api/budgets`'s projections: the whole account and each tenant
/// (routes/budgets.rs), without the budgets' statuses.
fn budgets_view(rollups: &Rollups, now: Timestamp) -> usize {
    let view = NameFilter::default();
    let state = rollups.read();
    let total = project(&state, &view, now);
    let tenants = state
        .names
        .tenant_ids(|name| view.admits_tenant(name))
        .into_iter()
        .map(|id| state.names.tenant(id).to_string())
        .map(|tenant| project(&state, &NameFilter::tenants([tenant]).within(&view), now))
        .filter(|p| p.spent_usd > 0.0 || p.forecast_usd > 0.0)
        .count();
    black_box(total);
    tenants
}

fn forecast_section(rollups: &Rollups, now: Timestamp, tenants: &[String]) {
    let budgets = book(tenants);
    let (mut watcher, mut view) = (Vec::new(), Vec::new());
    let (mut pure, mut pure35) = (Vec::new(), Vec::new());
    // 400 daily values, as the days ring holds them, and the 36 the projection reads.
    let all_days = {
        let state = rollups.read();
        let today = now.date_naive();
        let selection = Selection::all();
        (0..DAYS as u64)
            .rev()
            .filter_map(|back| today.checked_sub_days(chrono::Days::new(back)))
            .filter_map(|day| {
                let start = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
                let bucket = state.days.get(start)?;
                Some((day, bucket.selected_totals(&state.names, &selection).cost))
            })
            .collect::<Vec<(NaiveDate, f64)>>()
    };
    let recent = daily_spend(&rollups.read(), &NameFilter::default(), now);
    let mut tenant_rows = 0;
    for _ in 0..FORECAST_RUNS {
        // budget/watcher.rs `statuses`: every budget's status under one read lock.
        let started = Instant::now();
        let state = rollups.read();
        let statuses: Vec<_> = budgets.iter().map(|b| status(&state, b, now)).collect();
        drop(state);
        black_box(statuses);
        watcher.push(started.elapsed());

        let started = Instant::now();
        tenant_rows = budgets_view(rollups, now);
        view.push(started.elapsed());

        let started = Instant::now();
        black_box(forecast(black_box(&all_days), now, Some(100_000.0)));
        pure.push(started.elapsed());

        let started = Instant::now();
        black_box(forecast(black_box(&recent), now, Some(100_000.0)));
        pure35.push(started.elapsed());
    }
    let (watcher, view, pure, pure35) =
        (sorted(watcher), sorted(view), sorted(pure), sorted(pure35));
    // One budget's filter, to say what each status reads.
    let pairs_per_tenant = {
        let state = rollups.read();
        let one = budget_filter(&budgets[0]).resolve(&state.names);
        state
            .days
            .get(
                now.date_naive()
                    .and_hms_opt(0, 0, 0)
                    .expect("midnight")
                    .and_utc()
                    .timestamp_millis(),
            )
            .map_or(0, |b| {
                b.pairs
                    .iter()
                    .filter(|(k, _)| one.admits(&state.names, **k))
                    .count()
            })
    };
    println!();
    println!(
        "Forecasts on {} days held ({} read by each projection), {FORECAST_RUNS} runs each:",
        all_days.len(),
        recent.len()
    );
    println!("| computation | p50 | p95 | max |");
    println!("|---|---|---|---|");
    let row = |label: String, v: &[Duration]| {
        println!(
            "| {label} | {:.1} µs | {:.1} µs | {:.1} µs |",
            us(percentile(v, 0.5)),
            us(percentile(v, 0.95)),
            us(percentile(v, 1.0)),
        );
    };
    row(
        format!(
            "watcher pass: status of {} budgets ({TENANTS} tenants, {TENANTS} tenant · model; ~{pairs_per_tenant} pairs a tenant-day)",
            budgets.len()
        ),
        &watcher,
    );
    row(
        format!("GET /api/budgets projections: the total + {tenant_rows} tenants"),
        &view,
    );
    row(
        format!("pure forecast over {} daily values", all_days.len()),
        &pure,
    );
    row(
        format!(
            "pure forecast over the {} daily values a projection reads",
            recent.len()
        ),
        &pure35,
    );
}

fn main() {
    // Mid-month, mid-day: a forecast with days behind and ahead.
    let now = Utc
        .with_ymd_and_hms(2026, 12, 10, 12, 0, 0)
        .single()
        .expect("valid date");
    let rss_start = rss_mib();
    let (rollups, tenants, filled_in, entries) = fill(now);
    println!(
        "finance views: {DAYS} days of hourly frames ending {now}, {TENANTS} tenants, {} pairs: {:.1} M entries folded in {:.1} s, {:.0} MiB held",
        CUSTOMERS * MODELS_PER_CUSTOMER,
        entries as f64 / 1e6,
        filled_in.as_secs_f64(),
        rss_mib() - rss_start
    );
    history_section(&rollups, now, &tenants[0]);
    forecast_section(&rollups, now, &tenants);
}
