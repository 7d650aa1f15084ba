//! 24 h of history at 300 reports/s on an accelerated clock: memory held,
//! and how fast the 24 h history and stats queries answer, for 100, 1,000
//! and 10,000 customers. Each size runs in a child process so its RSS is its
//! own. Run: `cargo bench -p backend --bench history`

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backend::aggregation::plan;
use backend::aggregation::query::{self, HistoryQuery};
use backend::aggregation::{NameFilter, Pipeline, RollupConfig, Rollups, Selection};
use backend::simulation::{SimConfig, build_tenants};
use chrono::{TimeZone, Utc};

const RATE: f64 = 300.0;
const HOURS: i64 = 24;
const QUERIES: usize = 200;
const SIZES: [usize; 3] = [100, 1_000, 10_000];

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

/// Fills 24 h for `customers` and prints one table row.
fn one(customers: usize) {
    let rss_start = rss_mib();
    let config = SimConfig {
        tenants: 7,
        customers,
        rate_per_sec: RATE,
        seed: 7,
        incident_every: Some(Duration::from_secs(300)),
    };
    let rollups = Arc::new(Rollups::new(RollupConfig::default(), 0));
    let mut pipeline = Pipeline::new(rollups.clone());
    let mut tenants = build_tenants(&config);
    let start = Utc
        .with_ymd_and_hms(2026, 11, 22, 12, 0, 0)
        .single()
        .expect("valid date");
    let end = start + chrono::Duration::hours(HOURS);
    let fill = Instant::now();
    let mut t = start;
    let mut reports = 0u64;
    while t < end {
        let next = t + chrono::Duration::milliseconds(250);
        for tenant in &mut tenants {
            let batch = tenant.generate(t, next);
            reports += batch.len() as u64;
            pipeline.ingest(&batch);
        }
        pipeline.seal(next);
        t = next;
    }
    let filled_in = fill.elapsed();
    let rss_filled = rss_mib();

    let now = end;
    let q = HistoryQuery {
        from: now - chrono::Duration::hours(24),
        to: now,
        step: None,
        customers: protocol::limits::HISTORY_CUSTOMERS_DEFAULT,
    };
    let mut history_times = Vec::with_capacity(QUERIES);
    let mut scoped_times = Vec::with_capacity(QUERIES);
    let mut stats_times = Vec::with_capacity(QUERIES);
    let mut json_bytes = 0;
    let all = Selection::all();
    // What a viewer token scoped to one tenant asks for.
    let first_tenant = tenants[0].tenant_id().to_string();
    for _ in 0..QUERIES {
        let started = Instant::now();
        let state = rollups.read();
        let plan = plan::plan(
            &state,
            (q.from.timestamp_millis(), now.timestamp_millis()),
            q.wanted_ms(),
            0,
            now.timestamp_millis(),
            None,
        );
        let h = query::history(&state, &q, &plan, &[], &all);
        drop(state);
        json_bytes = black_box(serde_json::to_vec(&h).map_or(0, |v| v.len()));
        history_times.push(started.elapsed());

        let started = Instant::now();
        let state = rollups.read();
        let one = NameFilter::tenants([first_tenant.as_str()]).resolve(&state.names);
        let plan = plan::plan(
            &state,
            (q.from.timestamp_millis(), now.timestamp_millis()),
            q.wanted_ms(),
            0,
            now.timestamp_millis(),
            None,
        );
        let h = query::history(&state, &q, &plan, &[], &one);
        black_box(serde_json::to_vec(&h).map_or(0, |v| v.len()));
        drop(state);
        scoped_times.push(started.elapsed());

        let started = Instant::now();
        let state = rollups.read();
        let w = query::window(&state, q.from, now, now).breakdown(&state.names, &all);
        black_box(w.top_customers(&state.names, 10));
        black_box(query::spend_rates(&state, &all, now));
        drop(state);
        stats_times.push(started.elapsed());
    }
    history_times.sort();
    scoped_times.sort();
    stats_times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {customers} | {:.1} M | {:.0} s | {:.1} MiB | {:.0} KiB | {:.2} / {:.2} / {:.2} ms | {:.2} / {:.2} ms | {:.2} / {:.2} / {:.2} ms |",
        reports as f64 / 1e6,
        filled_in.as_secs_f64(),
        rss_filled - rss_start,
        json_bytes as f64 / 1024.0,
        ms(percentile(&history_times, 0.5)),
        ms(percentile(&history_times, 0.95)),
        ms(percentile(&history_times, 1.0)),
        ms(percentile(&scoped_times, 0.5)),
        ms(percentile(&scoped_times, 0.95)),
        ms(percentile(&stats_times, 0.5)),
        ms(percentile(&stats_times, 0.95)),
        ms(percentile(&stats_times, 1.0)),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(size) = args
        .iter()
        .position(|a| a == "--one")
        .and_then(|i| args.get(i + 1))
    {
        match size.parse() {
            Ok(customers) => one(customers),
            Err(_) => eprintln!("--one needs a customer count"),
        }
        return;
    }
    println!(
        "history: {HOURS} h at {RATE} reports/s on an accelerated clock, 7 tenants, {QUERIES} queries each \
         (history: 144 buckets × {} customers; stats: 24 h window, top 10, spend rate)",
        protocol::limits::HISTORY_CUSTOMERS_DEFAULT
    );
    println!(
        "| customers | reports | fill time | RSS held | history JSON | 24 h history p50 / p95 / max | one tenant p50 / p95 | 24 h stats p50 / p95 / max |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let me = std::env::current_exe().expect("own path");
    for customers in SIZES {
        let status = Command::new(&me)
            .args(["--one", &customers.to_string()])
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("the {customers}-customer run failed: {status:?}");
        }
    }
}
