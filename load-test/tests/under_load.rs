//! Correctness under load, end to end: the real load-test binary drives the
//! real backend binary over loopback, and every accepted report must reach
//! every WebSocket and polling client exactly as often as it was sent, with
//! the server's memory bounded. Timings are printed, never asserted.

use std::path::PathBuf;
use std::process::Command;

fn backend_binary() -> PathBuf {
    escargot::CargoBuild::new()
        .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
        .package("backend")
        .bin("backend")
        .run()
        .unwrap_or_else(|e| panic!("could not build the backend binary: {e}"))
        .path()
        .to_path_buf()
}

/// Runs the load test with `args` against a spawned backend; its summary.
fn load_test(name: &str, args: &[&str]) -> serde_json::Value {
    let json = std::env::temp_dir().join(format!("finops-{name}-{}.json", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_load-test"))
        .arg("--spawn")
        .arg(backend_binary())
        .args(args)
        .args(["--expect-no-loss", "--quiet", "--json"])
        .arg(&json)
        .output()
        .expect("the load test runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "load test failed ({:?}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = serde_json::from_str(&std::fs::read_to_string(&json).expect("summary written"))
        .expect("JSON");
    let _ = std::fs::remove_file(&json);
    summary
}

fn rss_peak(summary: &serde_json::Value) -> f64 {
    summary["server_usage"]["rss_peak_mib"]
        .as_f64()
        .unwrap_or(f64::MAX)
}

#[test]
fn every_client_gets_every_report_and_memory_stays_bounded() {
    let summary = load_test(
        "json",
        &[
            "--duration",
            "6",
            "--warmup",
            "1",
            "--drain",
            "15",
            "--ingest-rate",
            "5000",
            "--batch",
            "250",
            "--series",
            "200",
            "--ws-clients",
            "40",
            "--full-parse-every",
            "4",
            "--poll-clients",
            "3",
            "--poll-interval-ms",
            "500",
        ],
    );
    assert_eq!(summary["ingest"]["accepted"], 30_000);
    assert_eq!(summary["ingest"]["errors"], 0);
    assert_eq!(summary["websocket"]["connected"], 40);
    assert_eq!(summary["websocket"]["resyncs"], 0);
    assert_eq!(summary["invariants"]["no_loss"], true);
    assert_eq!(summary["invariants"]["reports_missing"], 0);
    assert!(summary["polling"]["updates"].as_u64().unwrap_or(0) > 0);
    let rss = rss_peak(&summary);
    assert!(rss < 200.0, "server RSS peaked at {rss} MiB");
}

/// The same reports as OpenTelemetry spans through `POST /v1/traces`: each
/// span is one call, priced by the server from the same table, and every
/// client must see exactly what was sent.
#[test]
fn otlp_spans_under_load_reach_every_client_exactly_once() {
    let summary = load_test(
        "otlp",
        &[
            "--duration",
            "6",
            "--warmup",
            "1",
            "--drain",
            "15",
            "--ingest-format",
            "otlp",
            "--ingest-rate",
            "5000",
            "--batch",
            "512",
            "--series",
            "200",
            "--ws-clients",
            "8",
            "--full-parse-every",
            "1",
            "--poll-clients",
            "2",
            "--poll-interval-ms",
            "500",
        ],
    );
    assert_eq!(summary["ingest"]["format"], "otlp");
    assert_eq!(summary["ingest"]["accepted"], 30_000);
    assert_eq!(summary["ingest"]["errors"], 0);
    assert_eq!(summary["invariants"]["no_loss"], true);
    assert_eq!(summary["invariants"]["reports_missing"], 0);
    let rss = rss_peak(&summary);
    assert!(rss < 200.0, "server RSS peaked at {rss} MiB");
}

/// WebSocket clients subscribed with a filter are owed exactly the accepted
/// reports it admits: one tenant's seventh of the load, nothing of the rest.
#[test]
fn filtered_clients_get_only_and_all_of_what_their_filter_admits() {
    let summary = load_test(
        "filtered",
        &[
            "--duration",
            "5",
            "--warmup",
            "1",
            "--drain",
            "15",
            "--ingest-rate",
            "4000",
            "--batch",
            "250",
            "--series",
            "70",
            "--ws-clients",
            "6",
            "--full-parse-every",
            "2",
            "--poll-clients",
            "1",
            "--poll-interval-ms",
            "500",
            "--ws-filter",
            "tenant=lt-t2",
        ],
    );
    assert_eq!(summary["ingest"]["accepted"], 20_000);
    assert_eq!(summary["websocket"]["filter"], "tenant=lt-t2");
    // Report i is series i % 70 of tenant (i % 70) % 7 (load-test/src/reports.rs).
    let owed = (0..20_000u64).filter(|i| i % 70 % 7 == 2).count() as u64;
    assert_eq!(summary["websocket"]["expected_reports"], owed);
    assert_eq!(summary["invariants"]["no_loss"], true);
    assert_eq!(summary["invariants"]["updates_outside_filter"], 0);
}

/// WebSocket clients watching a server-side view (`subscribeView`) instead
/// of the raw stream: each gets the view in full, then every change with
/// the next version, none skipped, and the view's totals end equal to
/// `GET /api/stats` for the window, every accepted report counted.
#[test]
fn view_clients_follow_every_version_and_end_with_the_stats_totals() {
    let summary = load_test(
        "view",
        &[
            "--duration",
            "5",
            "--warmup",
            "1",
            "--drain",
            "10",
            "--ingest-rate",
            "2000",
            "--batch",
            "200",
            "--series",
            "70",
            "--ws-clients",
            "6",
            "--full-parse-every",
            "2",
            "--ws-view",
            "5m",
        ],
    );
    assert_eq!(summary["ingest"]["accepted"], 10_000);
    let view = &summary["websocket"]["view"];
    assert_eq!(view["window"], "5m");
    assert_eq!(view["version_gaps"], 0);
    assert!(view["fulls"].as_u64().unwrap_or(0) >= 6, "{view}");
    assert!(view["deltas"].as_u64().unwrap_or(0) > 0, "{view}");
    assert_eq!(view["clients_checked"], 3);
    assert_eq!(view["view_calls_min"], 10_000);
    assert_eq!(view["stats_calls"], 10_000);
    assert_eq!(view["totals_agree"], true);
    assert_eq!(summary["invariants"]["no_loss"], true);
}

/// `--ingest-listener`: the batches go to the server's ingest port and
/// reach every WebSocket client on its main port, exactly once.
#[test]
fn ingest_through_the_ingest_port_reaches_every_client_on_the_main_port() {
    let summary = load_test(
        "ingest-port",
        &[
            "--ingest-listener",
            "--duration",
            "4",
            "--warmup",
            "1",
            "--drain",
            "15",
            "--ingest-rate",
            "2000",
            "--batch",
            "100",
            "--series",
            "50",
            "--ws-clients",
            "20",
            "--full-parse-every",
            "4",
        ],
    );
    assert_eq!(summary["ingest"]["accepted"], 8_000);
    assert_eq!(summary["invariants"]["no_loss"], true);
    let (ingest, ws) = (
        summary["ingest"]["url"].as_str().unwrap_or(""),
        summary["websocket"]["url"].as_str().unwrap_or(""),
    );
    let port = |url: &str| {
        url.rsplit(':')
            .next()
            .unwrap_or("")
            .split('/')
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert!(ingest.ends_with("/api/ingest"), "{ingest}");
    assert_ne!(
        port(ingest),
        port(ws),
        "ingest on a port apart: {ingest} vs {ws}"
    );
}
