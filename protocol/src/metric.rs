//! The metric update: the unit of data on every transport.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::time;

/// One report of AI usage by a customer of a tenant on one model.
///
/// Sources send raw reports (`samples` = 1, `seq` absent). The server folds
/// the reports of each 250 ms frame by (tenant, customer, model, second) and
/// gives each folded update the next `seq`: clients resume from the last `seq`
/// they applied and skip any `seq` they have already seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MetricUpdate {
    /// Position in the server's update log: consecutive, strictly increasing.
    /// Assigned by the server; ignored on ingest.
    #[serde(default)]
    pub seq: u64,
    /// When the usage happened (the latest report folded into this update).
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub timestamp: DateTime<Utc>,
    /// 1–128 characters, no control or invisible formatting characters
    /// (the same rule for `customerId` and `model`).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 128,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$"
        )
    )]
    pub tenant_id: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 128,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$"
        )
    )]
    pub customer_id: String,
    /// Model identifier, e.g. `gpt-4o` or `claude-sonnet-4` (see [`crate::KNOWN_MODELS`]).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 128,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$"
        )
    )]
    pub model: String,
    /// How many raw reports this update folds together (1 for a raw report).
    #[serde(default = "one")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub samples: u32,
    pub metrics: Metrics,
}

fn one() -> u32 {
    1
}

/// Usage totals. The same shape is used for one report, a bucket and a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    pub total_calls: u64,
    /// Input plus output tokens.
    pub total_tokens: u64,
    /// Prompt tokens (0 when the source does not split them).
    #[serde(default)]
    pub input_tokens: u64,
    /// Completion tokens (0 when the source does not split them).
    #[serde(default)]
    pub output_tokens: u64,
    /// US dollars (at most 1,000,000 in one ingested report).
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0))]
    pub total_cost: f64,
    /// Mean latency per call, weighted by calls (at most 3,600,000 ms).
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0, maximum = 3_600_000.0))]
    pub avg_latency_ms: f64,
    /// Of the input tokens, those read from the provider's prompt cache
    /// (billed at the cache-read price). Omitted when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cache_read_tokens: u64,
    /// Of the input tokens, those written to the prompt cache (billed at the
    /// cache-write price). Omitted when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cache_write_tokens: u64,
    /// Of the output tokens, those spent on hidden reasoning. Omitted when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reasoning_tokens: u64,
    /// Calls whose cost is unknown: the model is not in the price table and
    /// the source sent no cost. `totalCost` leaves them out. Omitted when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unpriced_calls: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Metrics {
    /// Adds `other` into `self`, keeping the latency a call-weighted mean.
    /// Counts saturate instead of wrapping.
    pub fn merge(&mut self, other: &Metrics) {
        let calls = self.total_calls.saturating_add(other.total_calls);
        // Weighted by the true call counts, so a saturated sum keeps a true mean.
        let weight = self.total_calls as f64 + other.total_calls as f64;
        if weight > 0.0 {
            self.avg_latency_ms = (self.avg_latency_ms * self.total_calls as f64
                + other.avg_latency_ms * other.total_calls as f64)
                / weight;
        }
        self.total_calls = calls;
        self.total_tokens = self.total_tokens.saturating_add(other.total_tokens);
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
        self.total_cost += other.total_cost;
    }

    /// Whether some calls carry no cost, so `totalCost` is a lower bound.
    pub fn has_unpriced(&self) -> bool {
        self.unpriced_calls > 0
    }

    /// Tokens per call, or 0 when there were no calls.
    pub fn tokens_per_call(&self) -> f64 {
        if self.total_calls == 0 {
            0.0
        } else {
            self.total_tokens as f64 / self.total_calls as f64
        }
    }
}

/// The product's one ranking of spend: most expensive first, ties by name,
/// so lists of models, tenants and customers keep a stable order.
pub fn most_expensive_first(
    (cost_a, name_a): (f64, &str),
    (cost_b, name_b): (f64, &str),
) -> std::cmp::Ordering {
    cost_b.total_cmp(&cost_a).then_with(|| name_a.cmp(name_b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> MetricUpdate {
        MetricUpdate {
            seq: 42,
            timestamp: "2026-11-23T10:15:30.250Z".parse().unwrap(),
            tenant_id: "northwind".into(),
            customer_id: "northwind-17".into(),
            model: "claude-opus-4".into(),
            samples: 3,
            metrics: Metrics {
                total_calls: 12,
                total_tokens: 30_000,
                input_tokens: 24_000,
                output_tokens: 6_000,
                total_cost: 0.81,
                avg_latency_ms: 2150.5,
                ..Default::default()
            },
        }
    }

    #[test]
    fn json_shape_is_pinned() {
        let value = serde_json::to_value(sample()).unwrap();
        assert_eq!(
            value,
            json!({
                "seq": 42,
                "timestamp": "2026-11-23T10:15:30.250Z",
                "tenantId": "northwind",
                "customerId": "northwind-17",
                "model": "claude-opus-4",
                "samples": 3,
                "metrics": {
                    "totalCalls": 12,
                    "totalTokens": 30000,
                    "inputTokens": 24000,
                    "outputTokens": 6000,
                    "totalCost": 0.81,
                    "avgLatencyMs": 2150.5
                }
            })
        );
        let back: MetricUpdate = serde_json::from_value(value).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn spec_contract_without_extras_parses() {
        // The original contract has no seq, samples or token split.
        let update: MetricUpdate = serde_json::from_value(json!({
            "timestamp": "2026-11-23T10:15:30Z",
            "tenantId": "t1",
            "customerId": "c1",
            "model": "gpt-4o",
            "metrics": {"totalCalls": 1, "totalTokens": 100, "totalCost": 0.001, "avgLatencyMs": 300}
        }))
        .unwrap();
        assert_eq!(update.seq, 0);
        assert_eq!(update.samples, 1);
        assert_eq!(update.metrics.input_tokens, 0);
    }

    #[test]
    fn merge_weights_latency_by_calls() {
        let mut a = Metrics {
            total_calls: 1,
            total_tokens: 10,
            input_tokens: 6,
            output_tokens: 4,
            total_cost: 1.0,
            avg_latency_ms: 100.0,
            ..Default::default()
        };
        let b = Metrics {
            total_calls: 3,
            total_tokens: 30,
            input_tokens: 20,
            output_tokens: 10,
            total_cost: 2.0,
            avg_latency_ms: 500.0,
            ..Default::default()
        };
        a.merge(&b);
        assert_eq!(a.total_calls, 4);
        assert_eq!(a.total_tokens, 40);
        assert_eq!(a.input_tokens, 26);
        assert_eq!(a.output_tokens, 14);
        assert!((a.total_cost - 3.0).abs() < 1e-12);
        assert!((a.avg_latency_ms - 400.0).abs() < 1e-9);
        assert!((a.tokens_per_call() - 10.0).abs() < 1e-12);
    }

    #[test]
    fn merge_saturates_at_the_top() {
        let big = Metrics {
            total_calls: u64::MAX - 1,
            total_tokens: u64::MAX,
            input_tokens: u64::MAX,
            output_tokens: 0,
            total_cost: 1.0,
            avg_latency_ms: 10.0,
            ..Default::default()
        };
        let mut a = big;
        a.merge(&big);
        assert_eq!(a.total_calls, u64::MAX);
        assert_eq!(a.total_tokens, u64::MAX);
        assert!(a.avg_latency_ms.is_finite() && a.avg_latency_ms <= 10.0 + 1e-9);
    }

    #[test]
    fn ranking_is_by_cost_then_name() {
        let mut items = [(1.0, "b"), (3.0, "z"), (1.0, "a")];
        items.sort_by(|x, y| most_expensive_first(*x, *y));
        assert_eq!(items, [(3.0, "z"), (1.0, "a"), (1.0, "b")]);
    }

    #[test]
    fn merging_empty_keeps_latency() {
        let mut a = Metrics::default();
        a.merge(&Metrics::default());
        assert_eq!(a, Metrics::default());
        assert_eq!(a.tokens_per_call(), 0.0);
    }
}
