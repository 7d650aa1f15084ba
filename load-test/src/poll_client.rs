//! One polling client: pages through `GET /api/metrics` by cursor at its interval.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use hdrhistogram::Histogram;
use protocol::MetricsResponse;
use tokio_util::sync::CancellationToken;

use crate::reports::is_ours;
use crate::stats::{Counters, Received, latency_histogram, record};

/// Who the client is and what it polls.
pub struct PollClient {
    pub id: usize,
    pub http: reqwest::Client,
    pub base: String,
    pub start_cursor: u64,
    pub interval: Duration,
}

/// Returns the event-to-client latency of the reports it saw.
pub async fn run(
    me: PollClient,
    counters: Arc<Counters>,
    received: Received,
    stop: CancellationToken,
) -> Histogram<u64> {
    let PollClient {
        id,
        http: client,
        base,
        start_cursor,
        interval,
    } = me;
    let mut latency = latency_histogram();
    let mut cursor = start_cursor;

    while !stop.is_cancelled() {
        let url = format!(
            "{base}{}",
            protocol::paths::query(
                protocol::paths::METRICS,
                &[("cursor", &cursor.to_string()), ("limit", "10000")]
            )
        );
        Counters::add(&counters.poll_requests, 1);
        let page = match client.get(&url).send().await {
            Ok(r) if r.status().is_success() => r.json::<MetricsResponse>().await.ok(),
            _ => None,
        };
        let wait = match page {
            Some(page) => {
                let now = Utc::now();
                let mut ours = 0u64;
                for u in page.metrics.iter().filter(|u| is_ours(u)) {
                    ours += u64::from(u.samples);
                    record(
                        &mut latency,
                        (now - u.timestamp).num_microseconds().unwrap_or(0),
                    );
                }
                Counters::add(&counters.poll_updates, page.metrics.len() as u64);
                received[id].fetch_add(ours, std::sync::atomic::Ordering::Relaxed);
                cursor = page.cursor;
                if page.has_more {
                    Duration::ZERO
                } else {
                    interval.max(Duration::from_millis(page.next_poll_after))
                }
            }
            None => {
                Counters::add(&counters.poll_errors, 1);
                interval
            }
        };
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(wait) => {}
        }
    }
    latency
}
