//! `kill -9` under load: the real load test ingests into the real backend,
//! which is killed with SIGKILL mid-run and restarted on the same data
//! directory. Afterwards the store must hold every batch the server
//! acknowledged, per customer and model, and nothing that was never sent:
//! acknowledged ≤ stored ≤ acknowledged + in doubt (batches whose answer
//! was lost to the kill), and exactly the acknowledged sums when none was.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

fn start(binary: &Path, port: u16, data: &Path) -> Child {
    let child = Command::new(binary)
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--no-simulator", "--web-dir", "/nonexistent"])
        .arg("--data-dir")
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("backend starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the backend did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    calls: u64,
    tokens: u64,
    cost: f64,
}

/// Per (tenant, customer, model): the minute rollups in the store.
fn stored(data: &Path) -> BTreeMap<(String, String, String), Sums> {
    let conn = rusqlite::Connection::open(data.join("finops.db")).expect("the store opens");
    let mut stmt = conn
        .prepare(
            "SELECT s.tenant, s.customer, s.model, SUM(r.calls), SUM(r.tokens), SUM(r.cost)
             FROM rollups r JOIN series s ON s.id = r.series
             WHERE r.tier = 2 GROUP BY s.id",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?),
                Sums {
                    calls: r.get::<_, i64>(3)? as u64,
                    tokens: r.get::<_, i64>(4)? as u64,
                    cost: r.get(5)?,
                },
            ))
        })
        .unwrap();
    rows.map(|r| r.unwrap()).collect()
}

#[test]
fn nothing_acknowledged_is_lost_to_kill_9() {
    let backend = backend_binary();
    let data = tempfile::tempdir().unwrap();
    let ledger_file = data.path().join("ledger.json");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut server = start(&backend, port, data.path());
    let mut load = Command::new(env!("CARGO_BIN_EXE_load-test"))
        .args(["--server", &format!("http://127.0.0.1:{port}")])
        .args(["--duration", "8", "--warmup", "0", "--drain", "1"])
        .args([
            "--ingest-rate",
            "20000",
            "--batch",
            "200",
            "--series",
            "300",
        ])
        .args(["--max-in-flight", "32", "--quiet", "--ledger"])
        .arg(&ledger_file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the load test runs");

    std::thread::sleep(Duration::from_secs(3));
    // SIGKILL: no shutdown, no flush, nothing graceful.
    server.kill().unwrap();
    server.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut server = start(&backend, port, data.path());
    assert!(load.wait().unwrap().success(), "the load test finished");
    // A graceful stop so the file is quiet while it is read.
    let _ = Command::new("kill").arg(server.id().to_string()).status();
    server.wait().unwrap();

    let ledger: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&ledger_file).unwrap()).unwrap();
    let store = stored(data.path());
    let (mut acked, mut doubt, mut kept) = (0u64, 0u64, 0u64);
    for line in &ledger {
        let key = (
            line["tenant"].as_str().unwrap().to_string(),
            line["customer"].as_str().unwrap().to_string(),
            line["model"].as_str().unwrap().to_string(),
        );
        let a = &line["acked"];
        let d = &line["inDoubt"];
        let num = |v: &serde_json::Value, f: &str| v[f].as_u64().unwrap();
        let got = store.get(&key).copied().unwrap_or_default();
        for (field, stored) in [("calls", got.calls), ("tokens", got.tokens)] {
            let (lo, hi) = (num(a, field), num(a, field) + num(d, field));
            assert!(
                (lo..=hi).contains(&stored),
                "{key:?} {field}: stored {stored}, acknowledged {lo}, in doubt up to {hi}"
            );
        }
        let (lo, hi) = (
            a["cost"].as_f64().unwrap(),
            a["cost"].as_f64().unwrap() + d["cost"].as_f64().unwrap(),
        );
        assert!(
            got.cost >= lo - 1e-6 && got.cost <= hi + 1e-6,
            "{key:?} cost: stored {}, acknowledged {lo}, up to {hi}",
            got.cost
        );
        if num(d, "calls") == 0 {
            assert_eq!(
                got.calls,
                num(a, "calls"),
                "{key:?}: exactly what was acknowledged"
            );
        }
        acked += num(a, "calls");
        doubt += num(d, "calls");
        kept += got.calls;
    }
    // Nothing in the store that the load test did not send.
    assert_eq!(store.len(), ledger.len());
    assert!(acked > 20_000, "the run acknowledged {acked} calls");
    println!("acknowledged {acked} calls, {doubt} in doubt at the kill, stored {kept}");
}
