//! Aggregator ingest in-process: reports folded per second, next to a
//! baseline that only reads each report once, for the default population and
//! for more tenants and customers. Run:
//! `cargo bench -p backend --bench aggregator`

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backend::aggregation::{Pipeline, RollupConfig, Rollups};
use backend::simulation::{SimConfig, build_tenants};
use chrono::{TimeZone, Utc};
use protocol::MetricUpdate;

const REPORTS: usize = 400_000;
/// Reports per frame: 100,000 reports/s sealed four times a second.
const PER_FRAME: usize = 25_000;
const ROUNDS: usize = 7;

fn reports(tenants: usize, customers: usize) -> Vec<MetricUpdate> {
    let config = SimConfig {
        tenants,
        customers,
        rate_per_sec: 100_000.0,
        seed: 42,
        incident_every: None,
    };
    let start = Utc
        .with_ymd_and_hms(2026, 11, 23, 14, 0, 0)
        .single()
        .expect("valid date");
    let mut all = Vec::with_capacity(REPORTS + 10_000);
    let mut t = start;
    let mut tenants = build_tenants(&config);
    while all.len() < REPORTS {
        let next = t + chrono::Duration::milliseconds(250);
        for tenant in &mut tenants {
            all.extend(tenant.generate(t, next));
        }
        t = next;
    }
    all.truncate(REPORTS);
    all
}

/// Reads every report once: the floor any ingest path pays.
fn baseline(reports: &[MetricUpdate]) -> u64 {
    let mut acc = 0u64;
    for r in reports {
        acc = acc
            .wrapping_add(r.metrics.total_calls)
            .wrapping_add(r.customer_id.len() as u64)
            .wrapping_add(r.timestamp.timestamp_millis() as u64);
    }
    acc
}

fn pipeline(reports: &[MetricUpdate]) -> u64 {
    let rollups = Arc::new(Rollups::new(RollupConfig::default(), 0));
    let mut p = Pipeline::new(rollups);
    let mut sealed = 0;
    for chunk in reports.chunks(PER_FRAME) {
        p.ingest(chunk);
        let now = chunk.last().map_or_else(Utc::now, |r| r.timestamp);
        sealed += p.seal(now).frame.updates.len() as u64;
    }
    sealed
}

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

fn time(f: impl Fn() -> u64) -> Duration {
    median(
        (0..ROUNDS)
            .map(|_| {
                let start = Instant::now();
                black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

fn measure(tenants: usize, customers: usize) {
    let reports = reports(tenants, customers);
    let n = reports.len() as f64;
    let base = time(|| baseline(black_box(&reports)));
    let full = time(|| pipeline(black_box(&reports)));
    let per_sec = |d: Duration| n / d.as_secs_f64();
    let ns = |d: Duration| d.as_nanos() as f64 / n;
    println!(
        "| {tenants} | {customers} | {:.0} | {:.1} | {:.0} | {:.1} | {:.1}× |",
        per_sec(full),
        ns(full),
        per_sec(base),
        ns(base),
        full.as_secs_f64() / base.as_secs_f64()
    );
}

fn main() {
    println!(
        "aggregator ingest: {REPORTS} simulated reports in frames of {PER_FRAME} (100,000/s sealed 4×/s), median of {ROUNDS}"
    );
    println!(
        "| tenants | customers | pipeline reports/s | ns/report | baseline reports/s | baseline ns/report | pipeline ÷ baseline time |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (tenants, customers) in [(7, 100), (7, 1_000), (7, 10_000), (70, 1_000), (700, 1_000)] {
        measure(tenants, customers);
    }
}
