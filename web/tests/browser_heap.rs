//! Browser benchmark: the page's JavaScript heap over a long run, measured
//! without WebDriver. Figures are printed, never asserted.
//!
//! ```sh
//! bash web/build.sh
//! cargo test --release -p web --test browser_heap -- --ignored --nocapture
//! ```
//!
//! The release backend (simulator off, seven minutes of history back-filled)
//! takes 100 reports/s from this program for ten minutes
//! (`FINOPS_BENCH_SECS=<n>` changes that) while the built client runs in
//! headless Chromium. Every minute the page's heap is garbage collected and
//! read over the DevTools protocol, which this file speaks itself: under
//! chromedriver the heap of the same page grows by about 0.15 MB a minute
//! whatever the page does (`browser_bench.rs` shows it), which would hide the
//! app's own trend.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use support::load::{Ingest, Keys, backfill};
use support::{
    Backend, CHROMIUM_FLAGS, chromium_binary, chromium_profile, free_port, http_get,
    release_backend_binary, runtime, serial, stop_chromium, wait_until,
};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A DevTools protocol session with one page.
struct DevTools {
    socket: Socket,
    next_id: u64,
}

impl DevTools {
    /// Sends a command and returns its result; events that arrive meanwhile are skipped.
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let command = json!({"id": id, "method": method, "params": params});
        self.socket
            .send(Message::text(command.to_string()))
            .await
            .expect("a DevTools command sent");
        loop {
            let message = tokio::time::timeout(Duration::from_secs(30), self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("no answer to {method} within 30 s"))
                .expect("the DevTools socket open")
                .expect("a DevTools message");
            let Message::Text(text) = message else {
                continue;
            };
            let reply: Value = serde_json::from_str(&text).expect("DevTools JSON");
            if reply["id"] == id {
                assert!(reply.get("error").is_none(), "{method} failed: {reply}");
                return reply["result"].clone();
            }
        }
    }

    /// JavaScript heap in use after a full garbage collection, in MB.
    async fn heap_after_gc(&mut self) -> f64 {
        self.call("HeapProfiler.collectGarbage", json!({})).await;
        let usage = self.call("Runtime.getHeapUsage", json!({})).await;
        usage["usedSize"].as_f64().unwrap_or(0.0) / 1e6
    }
}

/// Chromium with its debugging port open; stopped on drop, even when the run fails.
struct Chromium {
    process: std::process::Child,
    debug_port: u16,
    profile: std::path::PathBuf,
}

impl Chromium {
    fn start() -> Chromium {
        let debug_port = free_port();
        let profile = chromium_profile(debug_port);
        let process = Command::new(chromium_binary())
            .args(CHROMIUM_FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--remote-debugging-port={debug_port}"))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start Chromium: {e}"));
        Chromium {
            process,
            debug_port,
            profile,
        }
    }

    /// The DevTools WebSocket address of the page Chromium opened.
    fn page_socket_url(&self) -> String {
        let mut targets = None;
        wait_until(Duration::from_secs(30), "Chromium's debugging port", || {
            targets = http_get(self.debug_port, "/json/list");
            targets.is_some()
        });
        let targets: Value =
            serde_json::from_str(&targets.unwrap_or_default()).expect("the list of targets");
        targets
            .as_array()
            .and_then(|t| t.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_string()
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        stop_chromium(&self.profile);
    }
}

fn run_length() -> Duration {
    let secs = std::env::var("FINOPS_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    Duration::from_secs(secs)
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see the file's docs)"]
fn page_heap_over_a_long_run() {
    let _serial = serial();
    let backend =
        Backend::launch_binary(&release_backend_binary(), free_port(), &["--no-simulator"]);
    let history = Keys {
        customers: 40,
        models: 5,
    };
    backfill(backend.port, 60_000, Duration::from_secs(420), history);
    let ingest = Ingest::start(
        backend.port,
        100,
        Keys {
            customers: 20,
            models: 5,
        },
    );
    let chromium = Chromium::start();
    let url = chromium.page_socket_url();
    let run = run_length();

    let samples = runtime().block_on(async {
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .expect("the page's DevTools socket");
        let mut page = DevTools { socket, next_id: 0 };
        page.call("Page.enable", json!({})).await;
        page.call("Page.navigate", json!({"url": backend.url("/")}))
            .await;
        // Let the page load, open its socket and fill its panels.
        tokio::time::sleep(Duration::from_secs(20)).await;
        let first = page.heap_after_gc().await;
        eprintln!("     0 s: JS heap after GC {first:.3} MB");
        let mut samples = vec![first];
        let start = Instant::now();
        while start.elapsed() < run {
            tokio::time::sleep(Duration::from_secs(60).min(run - start.elapsed())).await;
            let heap = page.heap_after_gc().await;
            eprintln!(
                "  {:>4.0} s: JS heap after GC {heap:.3} MB",
                start.elapsed().as_secs_f64()
            );
            samples.push(heap);
        }
        let applied = page
            .call(
                "Runtime.evaluate",
                json!({"expression": "window.__finops.windowCalls", "returnByValue": true}),
            )
            .await;
        eprintln!(
            "reports applied in the page so far: {}",
            applied["result"]["value"]
        );
        samples
    });
    let totals = ingest.stop();
    let (first, last) = (samples[0], samples[samples.len() - 1]);
    let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let max = samples.iter().copied().fold(0.0, f64::max);
    eprintln!(
        "\nJS heap after GC over {:.1} min at 100 reports/s ({} accepted): {first:.3} → {last:.3} MB ({:+.1} %; range {min:.3}–{max:.3} MB; target ±10 %)",
        run.as_secs_f64() / 60.0,
        totals.accepted,
        (last - first) / first * 100.0
    );
}
