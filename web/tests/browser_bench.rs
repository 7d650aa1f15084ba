//! Browser benchmark: the built dashboard in headless Chromium receiving a
//! steady stream of reports from this program through the real (release)
//! backend, measured in the page. Figures are printed next to the targets,
//! never asserted.
//!
//! ```sh
//! bash web/build.sh
//! cargo test --release -p web --test browser_bench -- --ignored --nocapture
//! FINOPS_BENCH_LONG=1 cargo test --release -p web --test browser_bench -- --ignored --nocapture
//! ```
//!
//! The default run takes about four minutes: an idle baseline, then 100 and
//! 1,000 reports/s for 60 s each. `FINOPS_BENCH_LONG=1` adds ten minutes at
//! 100 reports/s (frame work and long tasks over time; the page's heap under
//! chromedriver grows whatever the page does, so `browser_heap.rs` measures
//! the app's heap without it); `FINOPS_BENCH_SECS=<n>` shortens the two
//! loaded phases for quick comparisons; `FINOPS_BENCH_REDUCED_MOTION=1`
//! emulates `prefers-reduced-motion` (the stylesheet then has no transitions);
//! `FINOPS_BENCH_CSS='<rules>'` adds CSS to the page (to try a style change
//! without a rebuild); `FINOPS_BENCH_PROFILE=<dir>` writes a DevTools CPU profile of each phase
//! there (open it in Chrome's Performance panel; build the client with its
//! wasm name section kept to see Rust function names). What each figure means is in
//! `docs/PERFORMANCE.md` ("Browser").
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use support::load::{
    Ingest, Keys, backfill, clear_measures, first_data_ms, install_probes, long_tasks_since,
    measures_since, memory_after_gc, quantile, start_recording, stop_recording, work_per_frame,
};
use support::{
    Backend, Browser, free_port, release_backend_binary, runtime, serial, workspace_root,
};

/// Reports a page settles under before it is measured.
const WARM_UP: Duration = Duration::from_secs(10);

struct Phase {
    name: &'static str,
    rate: u64,
    run: Duration,
    keys: Keys,
}

#[derive(Debug, Default)]
struct Figures {
    first_data_ms: Option<f64>,
    frames: usize,
    frame_work: Vec<f64>,
    frame_with_decode: Vec<f64>,
    decode: Vec<f64>,
    flush: Vec<f64>,
    long_tasks: Vec<f64>,
    accepted: u64,
    /// The dashboard's window calls and the server's, at the end.
    window_calls: (f64, f64),
    updates_per_s: f64,
    /// Share of the run the main thread spent in tasks, script, style, layout.
    busy: Vec<f64>,
    heap: (f64, f64),
    wasm: (f64, f64),
    /// WebSocket bytes the server sent this one dashboard, per second.
    socket_bytes_per_s: f64,
    /// Elements in the page at the end of the run.
    dom_nodes: f64,
}

/// WebSocket payload bytes the server has sent so far (its `/metrics`).
fn socket_bytes_sent(backend: &Backend) -> f64 {
    support::http_get(backend.port, protocol::paths::PROMETHEUS)
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("finops_ws_bytes_sent_total "))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0.0)
}

/// Seconds each loaded phase runs (`FINOPS_BENCH_SECS`, default 60): shorter for quick comparisons.
fn phase_secs() -> u64 {
    std::env::var("FINOPS_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see the file's docs)"]
fn dashboard_under_load() {
    let _serial = serial();
    let bundle = bundle_size(&workspace_root().join("web/dist"));
    let backend =
        Backend::launch_binary(&release_backend_binary(), free_port(), &["--no-simulator"]);
    // Seven minutes of history, so a page loads a full chart and table.
    let history = Keys {
        customers: 40,
        models: 5,
    };
    let filled = backfill(backend.port, 60_000, Duration::from_secs(420), history);
    eprintln!("back-filled {filled} reports over the last 7 minutes");

    let mut phases = vec![
        Phase {
            name: "100/s",
            rate: 100,
            run: Duration::from_secs(phase_secs()),
            keys: Keys {
                customers: 20,
                models: 5,
            },
        },
        // 1,000 distinct (customer, model) pairs, so the server's folding per
        // second cannot merge them: about 1,000 updates/s reach the page.
        Phase {
            name: "1,000/s",
            rate: 1_000,
            run: Duration::from_secs(phase_secs()),
            keys: Keys {
                customers: 200,
                models: 5,
            },
        },
    ];
    if std::env::var_os("FINOPS_BENCH_LONG").is_some() {
        phases.push(Phase {
            name: "100/s, 10 min",
            rate: 100,
            run: Duration::from_secs(600),
            keys: Keys {
                customers: 20,
                models: 5,
            },
        });
    }

    runtime().block_on(async {
        let b = Browser::start().await;
        install_probes(&b, true).await;
        b.cdp("Performance.enable", json!({})).await;
        if let Ok(css) = std::env::var("FINOPS_BENCH_CSS") {
            // For experiments: extra CSS appended to the page, no rebuild needed.
            let script = format!(
                "document.addEventListener('DOMContentLoaded', () => {{ const s = document.createElement('style'); s.textContent = {css:?}; document.head.appendChild(s); }});"
            );
            b.cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": script }),
            )
            .await;
            eprintln!("extra CSS: {css}");
        }
        if std::env::var_os("FINOPS_BENCH_REDUCED_MOTION").is_some() {
            // For comparison: the stylesheet turns transitions off for viewers who ask.
            b.cdp(
                "Emulation.setEmulatedMedia",
                json!({"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}),
            )
            .await;
            eprintln!("emulating prefers-reduced-motion: reduce");
        }
        let idle = measure(&b, &backend, None).await;
        let mut results = vec![("idle (no reports)", idle)];
        for phase in &phases {
            results.push((phase.name, measure(&b, &backend, Some(phase)).await));
        }
        report(&results, bundle);
        b.close().await;
    });
}

/// Loads a fresh page, lets it settle (under `phase`'s load, if any), then
/// measures for the phase's duration (30 s when idle).
async fn measure(b: &Browser, backend: &Backend, phase: Option<&Phase>) -> Figures {
    b.client.goto(&backend.url("/")).await.expect("page loads");
    b.wait_for(Duration::from_secs(45), "the socket to stream", || async {
        b.attr(".link", "data-state").await == "streaming"
    })
    .await;
    b.wait_for(Duration::from_secs(10), "the first-data mark", || async {
        first_data_ms(b).await.is_some()
    })
    .await;
    let mut f = Figures {
        first_data_ms: first_data_ms(b).await,
        ..Figures::default()
    };
    let ingest = phase.map(|p| Ingest::start(backend.port, p.rate, p.keys));
    tokio::time::sleep(WARM_UP).await;

    let updates_before = b.counter("viewsApplied").await;
    f.heap.0 = memory_after_gc(b).await.0;
    f.wasm.0 = b.counter("wasmMemoryBytes").await;
    clear_measures(b).await;
    let busy_before = main_thread_seconds(b).await;
    let bytes_before = socket_bytes_sent(backend);
    let start = Instant::now();
    let since = b
        .js("return performance.now();")
        .await
        .as_f64()
        .unwrap_or(0.0);
    start_recording(b).await;
    let profile_dir = std::env::var_os("FINOPS_BENCH_PROFILE");
    if profile_dir.is_some() {
        b.cdp("Profiler.enable", json!({})).await;
        b.cdp("Profiler.setSamplingInterval", json!({"interval": 250}))
            .await;
        b.cdp("Profiler.start", json!({})).await;
    }

    let run = phase.map_or(Duration::from_secs(30), |p| p.run);
    let mut last_report = Instant::now();
    // What the instruments record is moved out of the page every minute, so
    // the page's heap holds the app's data, not the benchmark's.
    let mut work = Vec::new();
    let mut decode = Vec::new();
    let mut flush = Vec::new();
    while start.elapsed() < run {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if last_report.elapsed() >= Duration::from_secs(60) {
            last_report = Instant::now();
            work.extend(stop_recording(b).await);
            start_recording(b).await;
            decode.extend(measures_since(b, "finops:decode", since).await);
            flush.extend(measures_since(b, "finops:flush", since).await);
            clear_measures(b).await;
            let heap = b.cdp("Runtime.getHeapUsage", json!({})).await;
            eprintln!(
                "  {:>4.0} s: JS heap {:.2} MB (before GC), wasm memory {:.2} MB",
                start.elapsed().as_secs_f64(),
                heap["usedSize"].as_f64().unwrap_or(0.0) / 1e6,
                b.counter("wasmMemoryBytes").await / 1e6
            );
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    f.socket_bytes_per_s = (socket_bytes_sent(backend) - bytes_before) / elapsed;
    f.dom_nodes = b
        .js("return document.getElementsByTagName('*').length;")
        .await
        .as_f64()
        .unwrap_or(0.0);
    work.extend(stop_recording(b).await);
    if let Some(dir) = profile_dir {
        let profile = b.cdp("Profiler.stop", json!({})).await;
        let name = phase.map_or("idle".to_string(), |p| format!("{}-per-s", p.rate));
        let path = Path::new(&dir).join(format!("{name}.cpuprofile"));
        std::fs::create_dir_all(&dir).expect("the profile directory");
        std::fs::write(&path, profile["profile"].to_string()).expect("the profile written");
        eprintln!(
            "CPU profile (figures of this phase include the profiler's cost): {}",
            path.display()
        );
    }
    let busy = main_thread_seconds(b).await;
    let totals = ingest.map(Ingest::stop).unwrap_or_default();
    f.accepted = totals.accepted;
    // The dashboard's 5 min window must end equal to the server's (a moving
    // window over a back-filled store: reports leave it as others arrive, so
    // the count is compared with `/api/stats`, not with what was accepted).
    let server_calls = || {
        support::http_get(backend.port, "/api/stats?window=5m")
            .and_then(|t| serde_json::from_str::<protocol::StatsResponse>(&t).ok())
            .map_or(0.0, |s| s.totals.total_calls as f64)
    };
    let drain = Instant::now();
    let mut expected = server_calls();
    while b.counter("windowCalls").await != expected && drain.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        expected = server_calls();
    }
    f.window_calls = (b.counter("windowCalls").await, expected);
    f.updates_per_s = (b.counter("viewsApplied").await - updates_before) / elapsed;
    f.busy = busy
        .iter()
        .zip(busy_before)
        .map(|(a, b)| (a - b) / elapsed)
        .collect();
    decode.extend(measures_since(b, "finops:decode", since).await);
    flush.extend(measures_since(b, "finops:flush", since).await);
    f.frames = work.len();
    f.frame_work = work.iter().map(|w| w.1).collect();
    f.frame_with_decode = work_per_frame(&work, &decode);
    f.decode = decode.iter().map(|d| d.1).collect();
    f.flush = flush.iter().map(|d| d.1).collect();
    f.long_tasks = long_tasks_since(b, since)
        .await
        .iter()
        .map(|t| t.1)
        .collect();
    // The app's marks and measures are the benchmark's, not the app's memory.
    clear_measures(b).await;
    let (heap, wasm) = memory_after_gc(b).await;
    f.heap.1 = heap;
    f.wasm.1 = wasm;
    f
}

/// Main-thread time so far, seconds (DevTools `Performance.getMetrics`):
/// all tasks, then script, style recalculation and layout within them.
async fn main_thread_seconds(b: &Browser) -> [f64; 4] {
    let metrics = b.cdp("Performance.getMetrics", json!({})).await;
    let get = |name: &str| {
        metrics["metrics"]
            .as_array()
            .and_then(|m| m.iter().find(|e| e["name"] == name))
            .and_then(|e| e["value"].as_f64())
            .unwrap_or(0.0)
    };
    [
        get("TaskDuration"),
        get("ScriptDuration"),
        get("RecalcStyleDuration"),
        get("LayoutDuration"),
    ]
}

/// (wasm gzip, JavaScript gzip) of the built client: `gzip -9` of each file.
fn bundle_size(dist: &Path) -> (u64, u64) {
    let mut wasm = 0;
    let mut js = 0;
    let mut pending = vec![dist.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("web/dist is built")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap_or_default();
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let size = gz
                .write_all(&bytes)
                .and_then(|()| gz.finish())
                .map_or(0, |out| out.len() as u64);
            match path.extension().and_then(|e| e.to_str()) {
                Some("wasm") => wasm += size,
                Some("js") => js += size,
                _ => {}
            }
        }
    }
    (wasm, js)
}

fn stats(v: &[f64]) -> String {
    if v.is_empty() {
        return "—".into();
    }
    format!(
        "{:.2} / {:.2} / {:.2}",
        quantile(v, 0.5),
        quantile(v, 0.95),
        quantile(v, 1.0)
    )
}

fn report(results: &[(&str, Figures)], (wasm, js): (u64, u64)) {
    let chromium = std::process::Command::new("chromium")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("\nBrowser benchmark — {chromium}, {cores} cores, headless");
    println!(
        "bundle: wasm {:.1} KB + JS {:.1} KB = {:.1} KB gzip (target ≤ 250 KB)",
        wasm as f64 / 1000.0,
        js as f64 / 1000.0,
        (wasm + js) as f64 / 1000.0
    );
    println!("\nms as p50 / p95 / max");
    for (name, f) in results {
        println!("\n== {name}");
        println!(
            "first data on screen      {:>8} ms (target ≤ 500 ms)",
            f.first_data_ms.map_or("—".into(), |v| format!("{v:.0}"))
        );
        println!(
            "updates applied           {:>8.0} /s ({} frames measured)",
            f.updates_per_s, f.frames
        );
        println!(
            "frame work (rAF → idle)   {} (target p95 ≤ 4 ms)",
            stats(&f.frame_work)
        );
        println!("frame work + decode       {}", stats(&f.frame_with_decode));
        println!("socket message decode     {}", stats(&f.decode));
        println!("flush (apply + publish)   {}", stats(&f.flush));
        let busy = |i: usize| f.busy.get(i).copied().unwrap_or(0.0) * 100.0;
        println!(
            "main thread busy          {:>8.1} % of the run (script {:.1} %, style {:.1} %, layout {:.1} %)",
            busy(0),
            busy(1),
            busy(2),
            busy(3)
        );
        println!(
            "main thread per minute    {:>8.2} s (script {:.2} s, style + layout {:.2} s; target ≤ 2.0 s, style + layout ≤ 0.3 s)",
            busy(0) * 0.6,
            busy(1) * 0.6,
            (busy(2) + busy(3)) * 0.6
        );
        println!(
            "bytes received            {:>8.0} B/s over the socket (target ≤ 3,000)",
            f.socket_bytes_per_s
        );
        println!(
            "DOM elements              {:>8.0} (target ≤ 800)",
            f.dom_nodes
        );
        println!(
            "long tasks > 50 ms        {:>8} (max {:.0} ms; target none)",
            f.long_tasks.len(),
            f.long_tasks.iter().copied().fold(0.0, f64::max)
        );
        println!(
            "window calls vs server    {:>8.0} of {:.0} in /api/stats?window=5m ({} accepted; target equal)",
            f.window_calls.0, f.window_calls.1, f.accepted
        );
        println!(
            "JS heap after GC          {:.2} → {:.2} MB ({:+.1} %; target ±10 % over 10 min)",
            f.heap.0 / 1e6,
            f.heap.1 / 1e6,
            (f.heap.1 / f.heap.0.max(1.0) - 1.0) * 100.0
        );
        println!(
            "wasm memory               {:.2} → {:.2} MB",
            f.wasm.0 / 1e6,
            f.wasm.1 / 1e6
        );
    }
}
