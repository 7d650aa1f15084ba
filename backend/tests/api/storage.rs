//! The system of record with real SQLite files in temporary directories:
//! what a restart brings back, a month read back exactly, and the faults an
//! operator meets (no directory, a corrupt file, a full store).

use std::time::Duration;

use backend::aggregation::{Entry, FrameCommit, SeriesKey, SeriesName, Usage};
use backend::storage::{Retention, SqliteStorage, Storage};
use chrono::Utc;
use protocol::{AnomaliesResponse, AnomalyStatus, HistoryResponse, StatsResponse};
use serde_json::json;

use crate::helpers::{TestApp, anomaly, customer_entity, error_code, report, spawn};

fn dir_arg(dir: &tempfile::TempDir) -> String {
    dir.path().to_string_lossy().to_string()
}

async fn stop(app: TestApp) {
    app.stopper.stop().await;
}

#[actix_web::test]
async fn anomalies_and_their_decisions_survive_a_restart_with_new_ids_after() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(&dir);
    let first = spawn(&["--data-dir", &data]).await;
    let run = first.state.run.clone();
    for (n, customer) in [(1, "acme-1"), (2, "acme-2"), (3, "acme-3")] {
        let id = format!("anm-{run}-00000{n}");
        first
            .state
            .announcer
            .detected(anomaly(&id, customer_entity("acme", customer), 10 - n));
    }
    let id = |n| format!("anm-{run}-00000{n}");
    for (n, action, reason) in [
        (1, "ack", "known batch job"),
        (2, "dismiss", "expected launch traffic"),
        (3, "ack", "looking"),
        (3, "reopen", "it came back"),
    ] {
        let (status, body) = first
            .post_json(
                &format!("/api/anomalies/{}/{action}", id(n)),
                &json!({ "reason": reason }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    stop(first).await;

    let second = spawn(&["--data-dir", &data]).await;
    assert_ne!(second.state.run, run, "a new run");
    let (status, body) = second.get_json("/api/anomalies?status=all").await;
    assert_eq!(status, 200);
    let list: AnomaliesResponse = serde_json::from_value(body).unwrap();
    let find = |n| list.anomalies.iter().find(|a| a.id == id(n)).unwrap();
    assert_eq!(find(1).status, AnomalyStatus::Acknowledged);
    assert_eq!(find(1).status_reason.as_deref(), Some("known batch job"));
    assert_eq!(find(2).status, AnomalyStatus::Dismissed);
    assert_eq!(
        find(2).status_reason.as_deref(),
        Some("expected launch traffic")
    );
    assert_eq!(find(3).status, AnomalyStatus::Open);
    assert_eq!(find(3).status_reason.as_deref(), Some("it came back"));
    assert!(find(3).status_changed_at.is_some());
    // Their run is gone, so they ended; a spike that goes on opens a new one.
    assert!(list.anomalies.iter().all(|a| a.ended_at.is_some()));
    // The next anomaly of this run has this run's prefix.
    let fresh = format!("anm-{}-000001", second.state.run);
    assert!(list.anomalies.iter().all(|a| a.id != fresh));
    stop(second).await;
}

#[actix_web::test]
async fn an_acknowledged_batch_is_there_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(&dir);
    let first = spawn(&["--data-dir", &data]).await;
    let now = Utc::now();
    let batch: Vec<_> = (0..40)
        .map(|i| report(&format!("acme-{}", i % 7), "gpt-4o", now, 3, 0.25))
        .collect();
    let (status, body) = first.ingest(&batch).await;
    assert_eq!(status, 200, "{body}");
    stop(first).await;

    let second = spawn(&["--data-dir", &data]).await;
    let (_, body) = second.get_json("/api/stats?window=15m").await;
    let stats: StatsResponse = serde_json::from_value(body).unwrap();
    assert_eq!(stats.totals.total_calls, 120);
    assert!((stats.totals.total_cost - 10.0).abs() < 1e-9);
    assert_eq!(stats.top_customers.len(), 7);
    // The 5 s buckets come back too (the seconds tier), not only minutes.
    let (_, body) = second.get_json("/api/metrics/history?window=5m").await;
    let h: HistoryResponse = serde_json::from_value(body).unwrap();
    assert_eq!(h.resolution_seconds, 5);
    let calls: u64 = h.buckets.iter().map(|b| b.totals.total_calls).sum();
    assert_eq!(calls, 120);
    // Before the first run started, nothing was recorded: missing, not zero.
    let (_, body) = second.get_json("/api/metrics/history?window=24h").await;
    let day: HistoryResponse = serde_json::from_value(body).unwrap();
    assert!(day.buckets[0].missing);
    assert!(!day.buckets.last().unwrap().missing);
    stop(second).await;
}

/// Thirty days of a known, uneven spend, written through the store's own
/// commit path as frames on an accelerated clock: every ten minutes each
/// of three series reports; its cost depends on the day and the series.
fn fill_a_month(dir: &std::path::Path, now_ms: i64) -> Vec<(i64, u64, f64)> {
    let retention = Retention {
        seconds: Duration::from_secs(20 * 60),
        minutes: Duration::from_secs(35 * 86_400),
        hours: Duration::from_secs(400 * 86_400),
    };
    let storage = SqliteStorage::open(dir, None, retention).unwrap();
    storage
        .begin_run("filled", now_ms - 31 * 86_400_000)
        .unwrap();
    let names = ["acme-1", "acme-2", "globex-1"];
    let new_series: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let key = SeriesKey {
                customer: i as u32 + 1,
                model: 1,
            };
            let name = SeriesName {
                tenant: c.split('-').next().unwrap().into(),
                customer: (*c).into(),
                model: "gpt-4o".into(),
            };
            (key, name)
        })
        .collect();
    let mut reports = Vec::new();
    let step = 600_000;
    let start = now_ms - 30 * 86_400_000;
    for day in 0..30 {
        let mut entries = Vec::new();
        for slot in 0..144 {
            let ts_ms = start + day * 86_400_000 + slot * step + 1;
            for (i, (key, _)) in new_series.iter().enumerate() {
                let usage = Usage {
                    calls: 2,
                    tokens: 100,
                    input_tokens: 80,
                    output_tokens: 20,
                    cost: 0.01 * (day as f64 + 1.0) * (i as f64 + 1.0),
                    latency_ms_sum: 800.0,
                    cache_read_tokens: 40,
                    cache_write_tokens: 6,
                    reasoning_tokens: 3,
                    unpriced_calls: 1,
                };
                reports.push((ts_ms, usage.calls, usage.cost));
                entries.push(Entry {
                    ts_ms,
                    key: *key,
                    samples: 1,
                    usage,
                });
            }
        }
        let frame = FrameCommit {
            frame_no: day as u64 + 1,
            sealed_at_ms: start + (day + 1) * 86_400_000,
            new_series: if day == 0 { new_series.clone() } else { vec![] },
            entries,
        };
        storage.commit("filled", &frame).unwrap();
    }
    reports
}

/// Calls and cost of the reports in `[from_ms, to_ms)`, summed independently.
fn sum(reports: &[(i64, u64, f64)], from_ms: i64, to_ms: i64) -> (u64, f64) {
    reports
        .iter()
        .filter(|(ts, _, _)| (from_ms..to_ms).contains(ts))
        .fold((0, 0.0), |(c, d), (_, calls, cost)| (c + calls, d + cost))
}

#[actix_web::test]
async fn a_month_of_stored_history_reads_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let reports = fill_a_month(dir.path(), now.timestamp_millis());
    let now_ms = now.timestamp_millis();
    let app = spawn(&["--data-dir", &dir_arg(&dir)]).await;

    let (status, body) = app.get_json("/api/metrics/history?window=30d").await;
    assert_eq!(status, 200, "{body}");
    let month: HistoryResponse = serde_json::from_value(body).unwrap();
    assert_eq!(month.resolution_seconds, 6 * 3600);
    assert_eq!(month.buckets.len(), 120);
    let (calls, cost) = sum(&reports, month.from.timestamp_millis(), i64::MAX);
    let got_calls: u64 = month.buckets.iter().map(|b| b.totals.total_calls).sum();
    let got_cost: f64 = month.buckets.iter().map(|b| b.totals.total_cost).sum();
    assert_eq!(got_calls, calls);
    assert!((got_cost - cost).abs() < 1e-6, "{got_cost} vs {cost}");
    let (_, body) = app.get_json("/api/stats?window=30d&customers=5").await;
    let stats: StatsResponse = serde_json::from_value(body).unwrap();
    // Hour-aligned from 30 days ago: everything stored.
    assert_eq!(stats.totals.total_calls, sum(&reports, 0, i64::MAX).0);
    // Cache, reasoning and unpriced counts come back too (2 calls a row).
    let rows = stats.totals.total_calls / 2;
    assert_eq!(stats.totals.cache_read_tokens, 40 * rows);
    assert_eq!(stats.totals.cache_write_tokens, 6 * rows);
    assert_eq!(stats.totals.reasoning_tokens, 3 * rows);
    assert_eq!(stats.totals.unpriced_calls, rows);
    assert_eq!(stats.by_tenant.len(), 2);

    // One hour ten days ago at minute resolution: beyond the minutes ring,
    // so it is read from the store's minute rows.
    let from = (now_ms - 10 * 86_400_000).div_euclid(60_000) * 60_000;
    let (_, cost_10d) = sum(&reports, from, from + 3_600_000);
    assert!(cost_10d > 0.0);
    let (status, body) = app
        .get_json(&format!(
            "/api/metrics/history?from={from}&to={}&step=60",
            from + 3_600_000
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let hour: HistoryResponse = serde_json::from_value(body).unwrap();
    assert_eq!(hour.resolution_seconds, 60);
    assert_eq!(hour.buckets.len(), 60);
    let got: f64 = hour.buckets.iter().map(|b| b.totals.total_cost).sum();
    assert!((got - cost_10d).abs() < 1e-9, "{got} vs {cost_10d}");
    assert!(
        hour.buckets.iter().all(|b| !b.missing),
        "the filled run covered it"
    );

    // A day in hours against the same hours a week earlier, from the store.
    let from = (now_ms - 2 * 86_400_000).div_euclid(3_600_000) * 3_600_000;
    let (status, body) = app
        .get_json(&format!(
            "/api/metrics/history?from={from}&to={}&step=3600&compare=7d",
            from + 86_400_000
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let day: HistoryResponse = serde_json::from_value(body).unwrap();
    assert_eq!(day.compare.len(), 24);
    for (i, then) in day.compare.iter().enumerate() {
        let start = from + i as i64 * 3_600_000 - 7 * 86_400_000;
        let (_, want) = sum(&reports, start, start + 3_600_000);
        let got = then.expect("the filled run covered a week earlier");
        assert!((got - want).abs() < 1e-6, "hour {i}: {got} vs {want}");
    }
    stop(app).await;
}

async fn refused(args: &[&str]) -> String {
    let mut all = vec!["backend", "--port", "0", "--no-simulator"];
    all.extend_from_slice(args);
    let config = <backend::config::Config as clap::Parser>::try_parse_from(all).unwrap();
    match backend::startup::Application::build(config).await {
        Ok(_) => panic!("the server started"),
        Err(e) => e.to_string(),
    }
}

#[actix_web::test]
async fn a_directory_that_cannot_be_made_or_a_corrupt_file_stop_start_up_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let under_a_file = file.join("data");
    let message = refused(&["--data-dir", &under_a_file.to_string_lossy()]).await;
    assert!(
        message.contains("cannot create the data directory"),
        "{message}"
    );

    let corrupt = dir.path().join("corrupt");
    std::fs::create_dir(&corrupt).unwrap();
    let garbage: Vec<u8> = (0..64 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(corrupt.join("finops.db"), &garbage).unwrap();
    let message = refused(&["--data-dir", &corrupt.to_string_lossy()]).await;
    assert!(
        message.contains("corrupt") && message.contains("restore a backup"),
        "{message}"
    );
    // The file is left as it was, for whoever restores it.
    assert_eq!(std::fs::read(corrupt.join("finops.db")).unwrap(), garbage);

    // Not writable (meaningless for root, which writes anyway).
    let uid = std::process::Command::new("id").arg("-u").output();
    let is_root = uid.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
        let message = refused(&["--data-dir", &locked.to_string_lossy()]).await;
        assert!(message.contains("not writable"), "{message}");
    }
}

#[actix_web::test]
async fn a_full_store_refuses_ingest_and_loses_nothing_it_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(&dir);
    let app = spawn(&["--data-dir", &data, "--storage-max-mb", "1"]).await;
    let (mut accepted_calls, mut refused_with) = (0u64, None);
    for round in 0..400 {
        let now = Utc::now();
        // New series every round fill the series table and every tier.
        let batch: Vec<_> = (0..200)
            .map(|i| report(&format!("acme-r{round}x{i}"), "gpt-4o", now, 1, 0.001))
            .collect();
        let (status, body) = app.ingest(&batch).await;
        match status {
            200 => accepted_calls += 200,
            503 => {
                assert_eq!(error_code(&body), "storage_unavailable", "{body}");
                let message = body["error"]["message"].as_str().unwrap_or("").to_string();
                refused_with = Some(message);
                break;
            }
            other => panic!("{other}: {body}"),
        }
    }
    let message = refused_with.expect("the 1 MiB store filled up");
    assert!(message.contains("full"), "{message}");
    assert!(accepted_calls > 0);
    stop(app).await;

    // Without the limit, everything that got 200 is there.
    let app = spawn(&["--data-dir", &data]).await;
    let (_, body) = app.get_json("/api/stats?window=15m").await;
    let stats: StatsResponse = serde_json::from_value(body).unwrap();
    // A refused batch is not there; an acknowledged one is.
    assert_eq!(stats.totals.total_calls, accepted_calls);
    stop(app).await;
}

#[actix_web::test]
async fn a_store_written_by_the_first_schema_is_upgraded_in_place() {
    use backend::storage::schema::MIGRATIONS;
    let dir = tempfile::tempdir().unwrap();
    let now_ms = Utc::now().timestamp_millis();
    let minute = now_ms.div_euclid(60_000) * 60_000 - 5 * 60_000;
    {
        let conn = rusqlite::Connection::open(dir.path().join("finops.db")).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO series (id, tenant, customer, model) VALUES (1, 'acme', 'acme-1', 'gpt-4o');
             INSERT INTO runs (id, started_ms, last_ms) VALUES ('old', {minute}, {now_ms});
"
        ))
        .unwrap();
        // As the first schema's writer did: the report at every tier.
        let aligned = [1_000, 60_000, 3_600_000, 86_400_000].map(|ms| minute.div_euclid(ms) * ms);
        for (tier, bucket) in (1..=4).zip(aligned) {
            conn.execute(
                "INSERT INTO rollups VALUES (?1, ?2, 1, 3, 300, 200, 100, 0.25, 900.0, 1)",
                rusqlite::params![tier, bucket],
            )
            .unwrap();
        }
    }
    let app = spawn(&["--data-dir", &dir_arg(&dir)]).await;
    assert_eq!(
        backend::storage::sqlite::schema_version(dir.path()),
        Some(MIGRATIONS.len() as i64)
    );
    let (status, body) = app.get_json("/api/stats?window=1h").await;
    assert_eq!(status, 200, "{body}");
    let stats: StatsResponse = serde_json::from_value(body).unwrap();
    assert_eq!(stats.totals.total_calls, 3);
    assert!((stats.totals.total_cost - 0.25).abs() < 1e-12);
    // The new columns start at zero for old rows.
    assert_eq!(stats.totals.cache_read_tokens, 0);
    assert_eq!(stats.totals.unpriced_calls, 0);
    stop(app).await;
}
