//! Stores a restarted server finds, for the browser tests that need data the
//! simulator would take too long (or too much luck) to make.

use std::path::Path;
use std::time::Duration;

use backend::storage::{Retention, SqliteStorage, Storage};

use super::{Backend, free_port};

/// A store in `dir` with the retention the server uses by default.
pub fn open_store(dir: &Path) -> SqliteStorage {
    let retention = Retention {
        seconds: Duration::from_secs(20 * 60),
        minutes: Duration::from_secs(35 * 86_400),
        hours: Duration::from_secs(400 * 86_400),
    };
    SqliteStorage::open(dir, None, retention).expect("store opens")
}

/// A server restarted on a store with nine open anomalies, with no injected
/// incidents to add more; the directory lives as long as it is held.
pub fn backend_with_nine_open_anomalies() -> (tempfile::TempDir, Backend) {
    let dir = tempfile::tempdir().expect("temporary directory");
    store_with_nine_open_anomalies(dir.path());
    let data_dir = dir.path().to_string_lossy().to_string();
    let backend = Backend::launch(
        free_port(),
        &["--data-dir", &data_dir, "--incident-every", "0"],
    );
    (dir, backend)
}

/// A store holding nine open anomalies, each customer's excess spend larger
/// than the last, the two oldest warnings, as a restarted server finds them.
pub fn store_with_nine_open_anomalies(dir: &Path) {
    let storage = open_store(dir);
    let now = chrono::Utc::now();
    for n in 1..=9i64 {
        let started = now - chrono::Duration::minutes(20 - n);
        let severity = if n <= 2 { "warning" } else { "critical" };
        let excess = 100.0 * n as f64;
        let anomaly: protocol::Anomaly = serde_json::from_value(serde_json::json!({
            "id": format!("anm-earlier-{n:06}"),
            "entity": {"kind": "customer", "id": format!("acme-{n}"), "tenantId": "acme"},
            "metric": "costRate",
            "severity": severity,
            "score": 9.0,
            "startedAt": protocol::time::format_timestamp(started),
            "updatedAt": protocol::time::format_timestamp(started),
            "observed": 100.0 + excess,
            "expected": 100.0,
            "peak": 120.0 + excess,
            "trend": [],
            "cause": {"excessUsdPerHour": excess, "summary": format!("+${excess}/h from acme-{n}"), "contributors": []},
            "status": "open",
        }))
        .expect("an anomaly");
        storage.save_anomaly(&anomaly).expect("anomaly saved");
    }
}
