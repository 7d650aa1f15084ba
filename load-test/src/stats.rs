//! Counters shared by every task, and latency histograms each task keeps
//! for itself and hands back at the end.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hdrhistogram::Histogram;
use serde::Serialize;

#[derive(Debug, Default)]
pub struct Counters {
    pub accepted: AtomicU64,
    pub ingest_requests: AtomicU64,
    pub ingest_errors: AtomicU64,
    pub schedule_misses: AtomicU64,
    pub ws_connected: AtomicU64,
    pub ws_connect_errors: AtomicU64,
    pub ws_messages: AtomicU64,
    pub ws_bytes: AtomicU64,
    pub ws_updates: AtomicU64,
    pub ws_reconnects: AtomicU64,
    pub ws_resyncs: AtomicU64,
    /// Updates a filtered, fully parsing client got that its filter does not admit.
    pub ws_outside_filter: AtomicU64,
    /// `view` messages: full ones (and their bytes), changes, and version gaps.
    pub ws_view_fulls: AtomicU64,
    pub ws_view_full_bytes: AtomicU64,
    pub ws_view_deltas: AtomicU64,
    pub ws_view_gaps: AtomicU64,
    pub poll_requests: AtomicU64,
    pub poll_updates: AtomicU64,
    pub poll_errors: AtomicU64,
}

impl Counters {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Per-client count of our reports received, for the no-loss check.
pub type Received = Arc<Vec<AtomicU64>>;

pub fn received(n: u64) -> Received {
    Arc::new((0..n).map(|_| AtomicU64::new(0)).collect())
}

/// Microsecond latencies from 1 µs to 10 min.
pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant bounds are valid")
}

/// Records a latency in microseconds, clamping into range.
pub fn record(h: &mut Histogram<u64>, micros: i64) {
    let _ = h.record(micros.clamp(1, 600_000_000) as u64);
}

/// Percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Percentiles {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Percentiles {
    pub fn of(h: &Histogram<u64>) -> Percentiles {
        if h.is_empty() {
            return Percentiles::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Percentiles {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p95_ms: ms(h.value_at_quantile(0.95)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_in_milliseconds() {
        let mut h = latency_histogram();
        for us in 1..=1000 {
            record(&mut h, us * 1000);
        }
        record(&mut h, -5);
        let p = Percentiles::of(&h);
        assert_eq!(p.count, 1001);
        assert!((p.p50_ms - 500.0).abs() < 2.0, "{p:?}");
        assert!((p.p99_ms - 990.0).abs() < 2.0, "{p:?}");
        assert!((p.max_ms - 1000.0).abs() < 1.0, "{p:?}");
        assert_eq!(
            Percentiles::of(&latency_histogram()),
            Percentiles::default()
        );
    }
}
