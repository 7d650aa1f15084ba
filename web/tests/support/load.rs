//! Load tools for the browser load test and benchmark: a paced ingest source,
//! probes installed in the page before the app starts, and the figures read
//! back from them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use protocol::{IngestRequest, KNOWN_MODELS, MetricUpdate, Metrics};
use serde_json::{Value, json};

use super::Browser;

/// How often the source posts a batch.
const BATCH_EVERY: Duration = Duration::from_millis(50);

/// Which (customer, model) pairs the reports go to, in turn.
#[derive(Debug, Clone, Copy)]
pub struct Keys {
    pub customers: usize,
    pub models: usize,
}

impl Keys {
    pub fn count(self) -> usize {
        self.customers.max(1) * self.models.clamp(1, KNOWN_MODELS.len())
    }

    fn report(self, n: u64, at: protocol::Timestamp) -> MetricUpdate {
        let key = (n % self.count() as u64) as usize;
        let models = self.models.clamp(1, KNOWN_MODELS.len());
        MetricUpdate {
            seq: 0,
            timestamp: at,
            tenant_id: "loadco".into(),
            customer_id: format!("loadco-{}", key / models),
            model: KNOWN_MODELS[key % models].id.into(),
            samples: 1,
            metrics: Metrics {
                total_calls: 1,
                total_tokens: 1_000 + n % 500,
                input_tokens: 800,
                output_tokens: 200 + n % 500,
                total_cost: 0.01,
                avg_latency_ms: 800.0,
                ..Default::default()
            },
        }
    }
}

/// What a source sent and what the server accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestTotals {
    /// Reports in accepted batches.
    pub accepted: u64,
    /// Batches the server refused or that failed (their reports are not counted).
    pub failed_batches: u64,
    pub batches: u64,
}

/// Posts reports stamped "now" to `POST /api/ingest` at a steady rate from
/// its own thread, until stopped: every 50 ms it sends what the rate says is
/// due since the start, so a slow request is made up by the next batch.
pub struct Ingest {
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicU64>,
    thread: Option<JoinHandle<IngestTotals>>,
}

impl Ingest {
    pub fn start(port: u16, per_second: u64, keys: Keys) -> Ingest {
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicU64::new(0));
        let (stop_flag, accepted_count) = (stop.clone(), accepted.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime for the ingest source");
            rt.block_on(async move {
                let client = reqwest::Client::new();
                let url = format!("http://127.0.0.1:{port}/api/ingest");
                let start = Instant::now();
                let mut totals = IngestTotals::default();
                let mut sent = 0u64;
                let mut tick = 1u32;
                while !stop_flag.load(Ordering::Relaxed) {
                    tokio::time::sleep_until((start + BATCH_EVERY * tick).into()).await;
                    tick += 1;
                    let due = (start.elapsed().as_secs_f64() * per_second as f64) as u64;
                    if due <= sent {
                        continue;
                    }
                    let now = chrono::Utc::now();
                    let updates: Vec<MetricUpdate> =
                        (sent..due).map(|n| keys.report(n, now)).collect();
                    let count = updates.len() as u64;
                    sent = due;
                    totals.batches += 1;
                    let body = serde_json::to_string(&IngestRequest { updates })
                        .expect("reports serialise");
                    let ok = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    if ok {
                        totals.accepted += count;
                        accepted_count.fetch_add(count, Ordering::Relaxed);
                    } else {
                        totals.failed_batches += 1;
                    }
                }
                totals
            })
        });
        Ingest {
            stop,
            accepted,
            thread: Some(thread),
        }
    }

    /// Reports accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Stops after the batch in flight and returns the totals.
    pub fn stop(mut self) -> IngestTotals {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Ingest {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Back-fills `reports` spread evenly over the `span` before now, in batches
/// the server accepts, so a page loads a full chart. Returns reports accepted.
pub fn backfill(port: u16, reports: u64, span: Duration, keys: Keys) -> u64 {
    let now = chrono::Utc::now();
    let mut accepted = 0;
    let step_ms = span.as_millis() as f64 / reports.max(1) as f64;
    let mut n = 0;
    while n < reports {
        let end = (n + 10_000).min(reports);
        let updates: Vec<MetricUpdate> = (n..end)
            .map(|i| {
                let ago = span.as_millis() as f64 - i as f64 * step_ms;
                keys.report(i, now - chrono::TimeDelta::milliseconds(ago as i64))
            })
            .collect();
        let body = serde_json::to_string(&IngestRequest { updates }).expect("reports serialise");
        if super::http_post_json(port, "/api/ingest", body).is_some() {
            accepted += end - n;
        }
        n = end;
    }
    accepted
}

/// Installed before the app starts (DevTools `Page.addScriptToEvaluateOnNewDocument`):
/// - every long task (over 50 ms) the browser reports, buffered from the start;
/// - animation frames counted, and each frame's main-thread work while
///   recording: from the start of the frame's first animation-frame callback
///   until the main thread runs the next task (a message posted from that
///   callback), i.e. the app's flush and render, which run in that callback
///   and its microtasks, plus style, layout and paint;
/// - with `MEASURE` true, `window.__finopsMeasure` so the app records its
///   `finops:decode` and `finops:flush` measures.
const PROBE: &str = r#"
(() => {
  const probe = { longTasks: [], frames: 0, work: [], recording: false };
  window.__probe = probe;
  window.__finopsMeasure = MEASURE;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    probe.longTaskError = String(e);
  }
  const channel = new MessageChannel();
  let frameStart = 0;
  channel.port1.onmessage = () => {
    if (probe.recording) probe.work.push([frameStart, performance.now() - frameStart]);
  };
  const frame = () => {
    frameStart = performance.now();
    probe.frames += 1;
    channel.port2.postMessage(0);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"#;

/// Installs the probes for every page this browser opens from now on.
pub async fn install_probes(b: &Browser, measure: bool) {
    b.cdp("Page.enable", json!({})).await;
    let source = PROBE.replace("MEASURE", if measure { "true" } else { "false" });
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": source }),
    )
    .await;
}

/// The probe's frame counter and the page's clock (ms since navigation).
pub async fn frames_and_now(b: &Browser) -> (f64, f64) {
    let v = b
        .js("return [window.__probe ? window.__probe.frames : 0, performance.now()];")
        .await;
    (v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0))
}

/// Starts recording per-frame work (and forgets what was recorded).
pub async fn start_recording(b: &Browser) {
    b.js("window.__probe.work = []; window.__probe.recording = true; return true;")
        .await;
}

/// Stops recording and returns `(frame start, work ms)` per frame (the page forgets them).
pub async fn stop_recording(b: &Browser) -> Vec<(f64, f64)> {
    let v = b
        .js("const p = window.__probe; p.recording = false; const w = p.work; p.work = []; return w;")
        .await;
    pairs(&v)
}

/// Long tasks as `(start, duration)` ms that started at or after `since` (page clock).
pub async fn long_tasks_since(b: &Browser, since: f64) -> Vec<(f64, f64)> {
    let v = b.js("return window.__probe.longTasks;").await;
    pairs(&v).into_iter().filter(|(s, _)| *s >= since).collect()
}

/// Whether the browser supports the long-task observer (an empty list means nothing otherwise).
pub async fn long_tasks_observed(b: &Browser) -> Result<(), String> {
    let v = b
        .js("return window.__probe ? (window.__probe.longTaskError || '') : 'no probe';")
        .await;
    match v.as_str().unwrap_or_default() {
        "" => Ok(()),
        e => Err(e.to_string()),
    }
}

/// `performance.measure` entries named `name` that started at or after `since`, as `(start, duration)`.
pub async fn measures_since(b: &Browser, name: &str, since: f64) -> Vec<(f64, f64)> {
    let v = b
        .js(&format!(
            "return performance.getEntriesByName({name:?}, 'measure').map(e => [e.startTime, e.duration]);"
        ))
        .await;
    pairs(&v).into_iter().filter(|(s, _)| *s >= since).collect()
}

/// Forgets the app's marks and measures (they accumulate while measuring).
pub async fn clear_measures(b: &Browser) {
    b.js("performance.clearMarks(); performance.clearMeasures(); return true;")
        .await;
}

/// When the first frame with data was painted, in ms since navigation.
pub async fn first_data_ms(b: &Browser) -> Option<f64> {
    b.js("const m = performance.getEntriesByName('finops:first-data')[0]; return m ? m.startTime : null;")
        .await
        .as_f64()
}

/// JS heap in use after a full garbage collection, and the app's wasm memory, in bytes.
pub async fn memory_after_gc(b: &Browser) -> (f64, f64) {
    b.cdp("HeapProfiler.collectGarbage", json!({})).await;
    let heap = b.cdp("Runtime.getHeapUsage", json!({})).await;
    let wasm = b.counter("wasmMemoryBytes").await;
    (heap["usedSize"].as_f64().unwrap_or(0.0), wasm)
}

fn pairs(v: &Value) -> Vec<(f64, f64)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// The value at quantile `q` (0–1) of `values` (nearest rank), or 0 for none.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Each frame's work plus the measured work (e.g. socket messages decoded)
/// that started between it and the next frame.
pub fn work_per_frame(frames: &[(f64, f64)], between: &[(f64, f64)]) -> Vec<f64> {
    frames
        .iter()
        .enumerate()
        .map(|(i, (start, work))| {
            let end = frames.get(i + 1).map_or(f64::INFINITY, |f| f.0);
            let extra: f64 = between
                .iter()
                .filter(|(s, _)| *s >= *start && *s < end)
                .map(|(_, d)| d)
                .sum();
            work + extra
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 50.0);
        assert_eq!(quantile(&v, 0.95), 95.0);
        assert_eq!(quantile(&v, 1.0), 100.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.0), 1.0);
    }

    #[test]
    fn work_between_frames_joins_the_frame_before_it() {
        let frames = [(0.0, 1.0), (16.0, 2.0), (32.0, 0.5)];
        let decode = [(5.0, 3.0), (20.0, 1.0), (25.0, 1.0), (40.0, 4.0)];
        assert_eq!(work_per_frame(&frames, &decode), [4.0, 4.0, 4.5]);
    }

    #[test]
    fn reports_cycle_through_the_keys() {
        let keys = Keys {
            customers: 2,
            models: 3,
        };
        assert_eq!(keys.count(), 6);
        let now = chrono::Utc::now();
        let pairs: Vec<(String, String)> = (0..7)
            .map(|n| keys.report(n, now))
            .map(|r| (r.customer_id, r.model))
            .collect();
        assert_eq!(pairs[0], pairs[6]);
        let distinct: std::collections::BTreeSet<_> = pairs[..6].iter().collect();
        assert_eq!(distinct.len(), 6);
    }
}
