//! The durable store at the default scale: 400 days of history for the
//! simulator's 243 customer–model series (minutes for the last 35 days,
//! hours and days before), written through the real commit path on an
//! accelerated clock. Prints the fill rate, disk bytes per day, start-up
//! (restore) time and memory, and the p95 of 30-day and 13-month queries.
//! Run: `cargo bench -p backend --bench storage` (a few minutes; uses a temp dir).

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backend::aggregation::plan;
use backend::aggregation::query::{self, HistoryQuery};
use backend::aggregation::{
    Entry, FrameCommit, Pipeline, RollupConfig, Rollups, Selection, SeriesKey, SeriesName, Usage,
};
use backend::anomaly::AnomalyBook;
use backend::storage::{Retention, SqliteStorage, Storage, restore};
use chrono::{TimeZone, Utc};

const SERIES: u32 = 243;
const MINUTE_DAYS: i64 = 35;
const HOUR_DAYS: i64 = 400;
const QUERIES: usize = 100;
const DAY: i64 = 86_400_000;

fn retention() -> Retention {
    Retention {
        seconds: Duration::from_secs(20 * 60),
        minutes: Duration::from_secs(MINUTE_DAYS as u64 * 86_400),
        hours: Duration::from_secs(HOUR_DAYS as u64 * 86_400),
    }
}

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

fn p95(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[(times.len() - 1) * 95 / 100].as_secs_f64() * 1000.0
}

/// One entry per series and minute for the last 35 days, one per hour before.
fn fill(dir: &std::path::Path, now_ms: i64) -> (u64, Duration) {
    let storage = SqliteStorage::open(dir, None, retention()).expect("store opens");
    storage
        .begin_run("bench", now_ms - HOUR_DAYS * DAY)
        .unwrap();
    let names: Vec<(SeriesKey, SeriesName)> = (0..SERIES)
        .map(|i| {
            (
                SeriesKey {
                    customer: i + 1,
                    model: i % 11 + 1,
                },
                SeriesName {
                    tenant: format!("tenant-{}", i % 7),
                    customer: format!("customer-{}", i / 3),
                    model: format!("model-{}", i % 11),
                },
            )
        })
        .collect();
    let started = Instant::now();
    let mut entries_written = 0u64;
    let first_hour = (now_ms - HOUR_DAYS * DAY).div_euclid(3_600_000) * 3_600_000;
    let minutes_from = now_ms - MINUTE_DAYS * DAY;
    let mut frame_no = 0;
    let mut hour = first_hour;
    while hour < now_ms {
        let per_hour = if hour >= minutes_from { 60 } else { 1 };
        let mut entries = Vec::with_capacity(per_hour as usize * SERIES as usize);
        for m in 0..per_hour {
            let ts_ms = hour + m * 60_000;
            if ts_ms >= now_ms {
                break;
            }
            for (key, _) in &names {
                entries.push(Entry {
                    ts_ms,
                    key: *key,
                    samples: 2,
                    usage: Usage {
                        calls: 2,
                        tokens: 3_000,
                        input_tokens: 2_500,
                        output_tokens: 500,
                        cost: 0.02,
                        latency_ms_sum: 1_800.0,
                        cache_read_tokens: 1_000,
                        ..Default::default()
                    },
                });
            }
        }
        frame_no += 1;
        entries_written += entries.len() as u64;
        let frame = FrameCommit {
            frame_no,
            sealed_at_ms: now_ms,
            new_series: if frame_no == 1 { names.clone() } else { vec![] },
            entries,
        };
        storage.commit("bench", &frame).expect("commit");
        hour += 3_600_000;
    }
    (entries_written, started.elapsed())
}

/// In a child process, so its memory is its own: restore, then query.
fn measure(dir: &std::path::Path, now_ms: i64) {
    let rss_before = rss_mib();
    let storage = SqliteStorage::open(dir, None, retention()).expect("store opens");
    let rollups = Arc::new(Rollups::new(RollupConfig::default(), now_ms as u64 * 1000));
    let mut pipeline = Pipeline::new(rollups.clone());
    let mut book = AnomalyBook::new(500);
    let started = Instant::now();
    let restored = restore(
        &storage,
        &mut pipeline,
        &rollups,
        &mut book,
        &mut backend::budget::BudgetBook::default(),
        now_ms,
    )
    .expect("restore");
    let restore_time = started.elapsed();
    let rss = rss_mib() - rss_before;
    let now = Utc.timestamp_millis_opt(now_ms).single().expect("now");
    let run = |days: i64| {
        let q = HistoryQuery {
            from: now - chrono::Duration::days(days),
            to: now,
            step: None,
            customers: protocol::limits::HISTORY_CUSTOMERS_DEFAULT,
        };
        let mut times = Vec::with_capacity(QUERIES);
        let mut buckets = 0;
        for _ in 0..QUERIES {
            let started = Instant::now();
            let state = rollups.read();
            let p = plan::plan(
                &state,
                (q.from.timestamp_millis(), now_ms),
                q.wanted_ms(),
                0,
                now_ms,
                None,
            );
            let h = query::history(&state, &q, &p, &[], &Selection::all());
            buckets = h.buckets.len();
            black_box(serde_json::to_vec(&h).map_or(0, |v| v.len()));
            times.push(started.elapsed());
        }
        (p95(times), buckets)
    };
    let (month, month_buckets) = run(30);
    let (year, year_buckets) = run(396);
    // One hour ten days ago at a minute: read from the stored minutes.
    let from = now_ms - 10 * DAY;
    let mut times = Vec::with_capacity(QUERIES);
    for _ in 0..QUERIES {
        let started = Instant::now();
        let rows = storage
            .read(backend::aggregation::Tier::Minute, from, from + 3_600_000)
            .expect("read");
        black_box(rows.len());
        times.push(started.elapsed());
    }
    let stored = p95(times);
    println!(
        "| {} rows | {:.2} s | {:.0} MiB | {:.2} ms ({month_buckets} buckets) | {:.2} ms ({year_buckets} buckets) | {:.2} ms |",
        restored.rows,
        restore_time.as_secs_f64(),
        rss,
        month,
        year,
        stored
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        let (dir, now) = (&args[i + 1], &args[i + 2]);
        measure(std::path::Path::new(dir), now.parse().expect("now"));
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let now_ms = Utc::now().timestamp_millis();
    let (entries, took) = fill(dir.path(), now_ms);
    let bytes: u64 = std::fs::read_dir(dir.path())
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    let conn = rusqlite::Connection::open(dir.path().join("finops.db")).expect("open");
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM rollups", [], |r| r.get(0))
        .expect("count");
    let per_row = bytes as f64 / rows.max(1) as f64;
    // What one day adds at this shape: a minute, an hour and a day row per
    // series each period (seconds rows are pruned after 20 minutes).
    let day_rows = f64::from(SERIES) * (1440.0 + 24.0 + 1.0);
    println!(
        "storage: {SERIES} series, minutes for {MINUTE_DAYS} days and hours/days for {HOUR_DAYS}: \
         {entries} entries committed in {:.0} s ({:.0} entries/s); {rows} rows, {:.0} MiB on disk \
         ({per_row:.0} B a row): one day adds {:.1} MiB, kept 35 days as minutes and 400 as hours",
        took.as_secs_f64(),
        entries as f64 / took.as_secs_f64(),
        bytes as f64 / 1_048_576.0,
        day_rows * per_row / 1_048_576.0,
    );
    println!(
        "| restored | start-up (restore) | memory held | 30-day history p95 | 13-month history p95 | 1 h of stored minutes p95 |"
    );
    println!("|---|---|---|---|---|---|");
    let me = std::env::current_exe().expect("own path");
    let status = Command::new(&me)
        .args([
            "--measure",
            &dir.path().to_string_lossy(),
            &now_ms.to_string(),
        ])
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        eprintln!("the measuring run failed: {status:?}");
    }
}
