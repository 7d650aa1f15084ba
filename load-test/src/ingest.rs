//! The ingest driver: batches sent on a fixed schedule (open loop). A batch
//! that falls due while every request slot is busy is counted as a schedule
//! miss and not sent, so a slow server shows up as misses instead of
//! silently lowering the offered rate.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use hdrhistogram::Histogram;
use protocol::IngestRequest;
use tokio::sync::{Mutex, Semaphore};
use tokio::time::{Instant, MissedTickBehavior};

use crate::args::IngestFormat;
use crate::ledger::Ledger;
use crate::stats::{Counters, latency_histogram, record};
use crate::{otlp_body, reports};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    pub rate: u64,
    pub batch: u64,
    pub series: u64,
    pub duration: Duration,
    pub max_in_flight: usize,
    pub format: IngestFormat,
}

/// How often a batch is due, and how many batches the run has.
pub fn schedule(rate: u64, batch: u64, duration: Duration) -> (Duration, u64) {
    if rate == 0 {
        return (Duration::ZERO, 0);
    }
    let period = Duration::from_secs_f64(batch as f64 / rate as f64);
    let total_reports = (rate as f64 * duration.as_secs_f64()).round() as u64;
    (period, total_reports.div_ceil(batch))
}

/// Runs the schedule to the end; returns the request latency histogram.
/// Every batch's outcome goes into `ledger`.
pub async fn run(
    client: reqwest::Client,
    url: String,
    plan: Plan,
    counters: Arc<Counters>,
    ledger: Arc<std::sync::Mutex<Ledger>>,
) -> Histogram<u64> {
    let (period, batches) = schedule(plan.rate, plan.batch, plan.duration);
    let latencies = Arc::new(Mutex::new(latency_histogram()));
    if batches == 0 {
        return latency_histogram();
    }
    let slots = Arc::new(Semaphore::new(plan.max_in_flight.max(1)));
    let total_reports = (plan.rate as f64 * plan.duration.as_secs_f64()).round() as u64;
    let mut ticker = tokio::time::interval(period);
    // Keep the schedule: if the driver itself was late, send the due batches now.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    for i in 0..batches {
        ticker.tick().await;
        let start = i * plan.batch;
        let n = plan.batch.min(total_reports - start);
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            Counters::add(&counters.schedule_misses, n);
            continue;
        };
        let (client, url, counters, latencies, ledger) = (
            client.clone(),
            url.clone(),
            counters.clone(),
            latencies.clone(),
            ledger.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let body = IngestRequest {
                updates: reports::batch(start, n, plan.series, Utc::now()),
            };
            let request = match plan.format {
                IngestFormat::Json => client.post(&url).json(&body),
                IngestFormat::Otlp => client
                    .post(&url)
                    .header("content-type", "application/x-protobuf")
                    .body(otlp_body::encode(&body.updates)),
            };
            let sent = Instant::now();
            let result = request.send().await;
            let micros = sent.elapsed().as_micros() as i64;
            Counters::add(&counters.ingest_requests, 1);
            let note = |f: fn(&mut Ledger, &[protocol::MetricUpdate])| {
                if let Ok(mut ledger) = ledger.lock() {
                    f(&mut ledger, &body.updates);
                }
            };
            match result {
                Ok(response) if response.status().is_success() => {
                    Counters::add(&counters.accepted, n);
                    record(&mut *latencies.lock().await, micros);
                    note(Ledger::acked);
                }
                Ok(response) => {
                    Counters::add(&counters.ingest_errors, 1);
                    let status = response.status();
                    let text = response.text().await.unwrap_or_default();
                    eprintln!(
                        "ingest refused: {status} {}",
                        text.chars().take(300).collect::<String>()
                    );
                }
                Err(error) => {
                    Counters::add(&counters.ingest_errors, 1);
                    // Refused before the request went out: certainly not stored.
                    if !error.is_connect() {
                        note(Ledger::in_doubt);
                    }
                    eprintln!("ingest failed: {error}");
                }
            }
            drop(permit);
        }));
        tasks.retain(|t| !t.is_finished());
    }
    for task in tasks {
        let _ = task.await;
    }
    let guard = latencies.lock().await;
    guard.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_spreads_batches_evenly() {
        let (period, batches) = schedule(200_000, 1000, Duration::from_secs(10));
        assert_eq!(period, Duration::from_millis(5));
        assert_eq!(batches, 2000);
        let (period, batches) = schedule(300, 1000, Duration::from_secs(10));
        assert!((period.as_secs_f64() - 3.333).abs() < 0.01);
        assert_eq!(batches, 3, "3000 reports in three batches");
        assert_eq!(schedule(0, 10, Duration::from_secs(1)), (Duration::ZERO, 0));
    }
}
