//! `Usage`: the running sum behind every bucket, total and log entry.

use protocol::Metrics;

/// Sums that merge exactly: latency is kept as a sum of per-call latencies
/// so averages stay call-weighted however buckets are combined.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub calls: u64,
    pub tokens: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost: f64,
    pub latency_ms_sum: f64,
    /// Of the input tokens, read from / written to the prompt cache.
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    /// Of the output tokens, spent on reasoning.
    pub reasoning_tokens: u64,
    /// Calls with no known cost (left out of `cost`).
    pub unpriced_calls: u64,
}

impl Usage {
    pub fn from_metrics(m: &Metrics) -> Usage {
        Usage {
            calls: m.total_calls,
            tokens: m.total_tokens,
            input_tokens: m.input_tokens,
            output_tokens: m.output_tokens,
            cost: m.total_cost,
            latency_ms_sum: m.avg_latency_ms * m.total_calls as f64,
            cache_read_tokens: m.cache_read_tokens,
            cache_write_tokens: m.cache_write_tokens,
            reasoning_tokens: m.reasoning_tokens,
            unpriced_calls: m.unpriced_calls,
        }
    }

    /// Counts saturate instead of wrapping: ingest caps each report at
    /// 2^53 - 1, but a hostile source could still send many of them.
    pub fn add(&mut self, other: &Usage) {
        // Of calls that no longer fit, the latency is left out too, so the
        // mean stays a mean of the calls counted.
        let fits = other.calls.min(u64::MAX - self.calls);
        self.latency_ms_sum += if fits == other.calls {
            other.latency_ms_sum
        } else {
            other.latency_ms_sum * fits as f64 / other.calls as f64
        };
        self.calls += fits;
        self.tokens = self.tokens.saturating_add(other.tokens);
        self.input_tokens = self.input_tokens.saturating_add(other.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(other.output_tokens);
        self.cache_read_tokens = self
            .cache_read_tokens
            .saturating_add(other.cache_read_tokens);
        self.cache_write_tokens = self
            .cache_write_tokens
            .saturating_add(other.cache_write_tokens);
        self.reasoning_tokens = self.reasoning_tokens.saturating_add(other.reasoning_tokens);
        self.unpriced_calls = self.unpriced_calls.saturating_add(other.unpriced_calls);
        self.cost += other.cost;
    }

    pub fn to_metrics(&self) -> Metrics {
        Metrics {
            total_calls: self.calls,
            total_tokens: self.tokens,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            total_cost: self.cost,
            avg_latency_ms: if self.calls == 0 {
                0.0
            } else {
                self.latency_ms_sum / self.calls as f64
            },
            cache_read_tokens: self.cache_read_tokens,
            cache_write_tokens: self.cache_write_tokens,
            reasoning_tokens: self.reasoning_tokens,
            unpriced_calls: self.unpriced_calls,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_metrics_and_weights_latency() {
        let a = Metrics {
            total_calls: 2,
            total_tokens: 30,
            input_tokens: 20,
            output_tokens: 10,
            total_cost: 0.5,
            avg_latency_ms: 100.0,
            ..Default::default()
        };
        let b = Metrics {
            total_calls: 6,
            avg_latency_ms: 300.0,
            ..a
        };
        let mut u = Usage::from_metrics(&a);
        assert_eq!(u.to_metrics(), a);
        u.add(&Usage::from_metrics(&b));
        let m = u.to_metrics();
        assert_eq!(m.total_calls, 8);
        assert_eq!(m.total_tokens, 60);
        assert!((m.total_cost - 1.0).abs() < 1e-12);
        assert!((m.avg_latency_ms - 250.0).abs() < 1e-9);
        assert_eq!(Usage::default().to_metrics(), Metrics::default());
    }

    #[test]
    fn sums_saturate_at_the_cap_instead_of_wrapping() {
        let cap = protocol::limits::MAX_SAFE_COUNT;
        let report = Usage::from_metrics(&Metrics {
            total_calls: cap,
            total_tokens: cap,
            input_tokens: cap,
            output_tokens: 0,
            total_cost: 1.0,
            avg_latency_ms: 100.0,
            ..Default::default()
        });
        let mut sum = Usage::default();
        for _ in 0..5_000 {
            sum.add(&report);
        }
        assert_eq!(sum.calls, u64::MAX);
        assert_eq!(sum.tokens, u64::MAX);
        // The mean stays 100 ms (the wrapped sum once showed 1.2e21 ms).
        let mean = sum.to_metrics().avg_latency_ms;
        assert!((mean - 100.0).abs() < 1e-6, "{mean}");
        assert!((sum.cost - 5_000.0).abs() < 1e-9);
    }
}
