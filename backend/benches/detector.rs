//! Detector cost in an optimised build: `observe` per update, and `evaluate`
//! per 5 s window once the baselines are warm, for 10 tenants × 30 customers
//! × 2 models over 40 simulated minutes. Fails if the median evaluation
//! takes a millisecond or more. Run: `cargo bench -p backend --bench detector`

use std::time::Instant;

use backend::anomaly::testing::series_count;
use backend::anomaly::{Detector, DetectorConfig};
use chrono::{Duration as ChronoDuration, TimeZone, Utc};
use protocol::{MetricUpdate, Metrics};

fn main() {
    // 10 tenants × 30 customers × 2 models: 321 entities, 600 pairs.
    let models = [
        "gpt-4o",
        "gpt-4o-mini",
        "claude-sonnet-4",
        "gemini-2.5-flash",
        "gpt-4.1",
    ];
    let mut updates_per_second = Vec::new();
    for t in 0..10 {
        for c in 0..30 {
            for m in 0..2 {
                updates_per_second.push((
                    format!("t{t}"),
                    format!("t{t}-{c}"),
                    models[(c + m) % 5],
                    (c + 1) as f64,
                ));
            }
        }
    }
    let mut detector = Detector::new(DetectorConfig::default());
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    let mut observe_ns = 0u128;
    let mut observed = 0usize;
    let mut evaluations = Vec::new();
    for s in 0..(40 * 60) {
        let now = start + ChronoDuration::seconds(s);
        let wobble = 1.0 + 0.1 * ((s as f64) / 7.0).sin();
        let batch: Vec<MetricUpdate> = updates_per_second
            .iter()
            .map(|(t, c, m, size)| MetricUpdate {
                seq: 0,
                timestamp: now,
                tenant_id: t.clone(),
                customer_id: c.clone(),
                model: (*m).into(),
                samples: 4,
                metrics: Metrics {
                    total_calls: 4,
                    total_tokens: 8000,
                    input_tokens: 7000,
                    output_tokens: 1000,
                    total_cost: 0.001 * size * wobble,
                    avg_latency_ms: 400.0,
                    ..Default::default()
                },
            })
            .collect();
        let timer = Instant::now();
        detector.observe(&batch);
        observe_ns += timer.elapsed().as_nanos();
        observed += batch.len();
        if s % 5 == 0 {
            let timer = Instant::now();
            let _ = detector.evaluate(now + ChronoDuration::seconds(1));
            if s > 15 * 60 {
                evaluations.push(timer.elapsed().as_micros());
            }
        }
    }
    evaluations.sort_unstable();
    let median = evaluations[evaluations.len() / 2];
    let max = evaluations[evaluations.len() - 1];
    println!(
        "observe {} ns per update; evaluate over {} series: median {median} µs, max {max} µs",
        observe_ns / observed as u128,
        series_count(&detector)
    );
    assert!(median < 1000, "evaluate took {median} µs");
}
