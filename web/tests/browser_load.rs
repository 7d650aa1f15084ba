//! The dashboard under a steady load: 100 reports a second for 25 seconds,
//! sent by this test to the real backend (simulator off, so every report is
//! the test's), with the built client in headless Chromium.
//!
//! Asserts correctness, not speed: every report is counted in the live view
//! the client holds (the server computes it; the client no longer folds),
//! the view keeps moving, at most one flush per animation frame, no long task
//! over a generous bound, and memory that does not grow without bound. Timing
//! figures are printed, never asserted (the benchmark, `browser_bench.rs`,
//! measures them).
//!
//! Needs `bash web/build.sh` first; `.ci/test` runs it with `--include-ignored`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::{Duration, Instant};

use support::load::{
    Ingest, Keys, frames_and_now, install_probes, long_tasks_observed, long_tasks_since,
    memory_after_gc, quantile, start_recording, stop_recording,
};
use support::{Backend, Browser, free_port, runtime, serial};

const RATE: u64 = 100;
const WARM_UP: Duration = Duration::from_secs(5);
const RUN: Duration = Duration::from_secs(25);
/// How often the view is checked for movement during the run.
const SAMPLE_EVERY: Duration = Duration::from_millis(2_500);
/// A long task this long would be a visible freeze; far above what the app needs.
const LONG_TASK_BOUND_MS: f64 = 200.0;

/// The newest bar of the token chart (the bucket still filling): its height.
const NEWEST_BAR: &str = "const bars = document.querySelectorAll('[data-panel=tokens] rect.bar'); \
     return bars.length ? bars[bars.length - 1].getAttribute('height') : null;";

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn dashboard_stays_correct_and_live_at_100_reports_per_second() {
    let _serial = serial();
    let backend = Backend::launch(free_port(), &["--no-simulator"]);
    runtime().block_on(async {
        let b = Browser::start().await;
        install_probes(&b, false).await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        b.wait_for(Duration::from_secs(45), "the socket to stream", || async {
            b.attr(".link", "data-state").await == "streaming"
                && b.count("[data-panel=tokens] rect.bar").await >= 1
        })
        .await;
        assert_eq!(
            b.counter("windowCalls").await,
            0.0,
            "the server has no data but ours"
        );

        let ingest = Ingest::start(
            backend.port,
            RATE,
            Keys {
                customers: 4,
                models: 3,
            },
        );
        tokio::time::sleep(WARM_UP).await;
        let (heap_warm, wasm_warm) = memory_after_gc(&b).await;
        let flushes_before = b.counter("flushes").await;
        let (frames_before, load_start) = frames_and_now(&b).await;
        start_recording(&b).await;

        // The view keeps moving: new frames and a changing newest bucket in every sample.
        let mut still = Vec::new();
        let mut last = (b.counter("viewFrames").await, b.js(NEWEST_BAR).await);
        let started = Instant::now();
        while started.elapsed() < RUN {
            tokio::time::sleep(SAMPLE_EVERY).await;
            let now = (b.counter("viewFrames").await, b.js(NEWEST_BAR).await);
            if now.0 <= last.0 || now.1 == last.1 || now.1.is_null() {
                still.push(format!(
                    "at {:.1} s: frames {} → {}, newest bar {} → {}",
                    started.elapsed().as_secs_f64(),
                    last.0,
                    now.0,
                    last.1,
                    now.1
                ));
            }
            last = now;
        }

        let totals = ingest.stop();
        let work = stop_recording(&b).await;
        let (frames_after, _) = frames_and_now(&b).await;
        let flushes = b.counter("flushes").await - flushes_before;
        // Everything accepted reaches the store within a bounded drain.
        let accepted = totals.accepted as f64;
        b.wait_for(
            Duration::from_secs(15),
            "every accepted report in the live view's window totals",
            || async { b.counter("windowCalls").await >= accepted },
        )
        .await;
        let (heap_end, wasm_end) = memory_after_gc(&b).await;
        let long_tasks = long_tasks_since(&b, load_start).await;
        let work_ms: Vec<f64> = work.iter().map(|w| w.1).collect();
        eprintln!(
            "load test: {} reports in {} batches; {flushes} flushes in {} frames; \
             frame work p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms; long tasks {:?}; \
             JS heap {:.1} → {:.1} MB; wasm memory {:.1} → {:.1} MB",
            totals.accepted,
            totals.batches,
            frames_after - frames_before,
            quantile(&work_ms, 0.5),
            quantile(&work_ms, 0.95),
            quantile(&work_ms, 1.0),
            long_tasks,
            heap_warm / 1e6,
            heap_end / 1e6,
            wasm_warm / 1e6,
            wasm_end / 1e6,
        );

        assert_eq!(totals.failed_batches, 0, "the server refused a batch");
        assert!(
            totals.accepted >= RATE * (WARM_UP + RUN).as_secs() * 9 / 10,
            "the source fell behind: {} reports",
            totals.accepted
        );
        assert_eq!(
            b.counter("windowCalls").await,
            accepted,
            "every report counted once in the view the client holds"
        );
        assert_eq!(b.counter("gaps").await, 0.0);
        assert_eq!(b.attr(".link", "data-transport").await, "WebSocket");
        assert!(still.is_empty(), "the view stood still: {still:?}");
        assert!(
            b.counter("maxFlushesPerFrame").await <= 1.0,
            "more than one flush in a frame"
        );
        assert!(
            flushes <= frames_after - frames_before + 1.0,
            "{flushes} flushes in {} animation frames",
            frames_after - frames_before
        );
        long_tasks_observed(&b)
            .await
            .unwrap_or_else(|e| panic!("the long-task observer did not start: {e}"));
        assert!(
            long_tasks.iter().all(|(_, d)| *d <= LONG_TASK_BOUND_MS),
            "long tasks over {LONG_TASK_BOUND_MS} ms: {long_tasks:?}"
        );
        assert!(
            heap_end < 2.0 * heap_warm,
            "JS heap grew from {heap_warm} to {heap_end} bytes"
        );
        assert!(
            wasm_end < 2.0 * wasm_warm,
            "wasm memory grew from {wasm_warm} to {wasm_end} bytes"
        );
        b.close().await;
    });
}
