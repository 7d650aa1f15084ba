//! Synthetic reports for the load: tenants and customers named `lt-…` so the
//! clients can tell them from simulator traffic, spread over `series` pairs.

use chrono::{DateTime, Utc};
use protocol::prices::{ModelPrices, PriceTable, TokenCounts};
use protocol::{KNOWN_MODELS, MetricUpdate, Metrics};

/// Tenant ids the load test uses all start with this.
pub const TENANT_PREFIX: &str = "lt-";

pub fn is_ours(update: &MetricUpdate) -> bool {
    update.tenant_id.starts_with(TENANT_PREFIX)
}

/// `n` reports stamped `now`, continuing round-robin over the series from `start`.
pub fn batch(start: u64, n: u64, series: u64, now: DateTime<Utc>) -> Vec<MetricUpdate> {
    // Priced like the server prices spans: from the vendored table.
    let prices: Vec<Option<&ModelPrices>> = KNOWN_MODELS
        .iter()
        .map(|m| {
            PriceTable::builtin()
                .resolve(m.id, Some(m.provider_id))
                .map(|p| &p.model.prices)
        })
        .collect();
    (start..start + n)
        .map(|i| {
            let s = i % series.max(1);
            let index = (s % KNOWN_MODELS.len() as u64) as usize;
            let model = &KNOWN_MODELS[index];
            let (input, output) = (600 + (i % 7) * 50, 150 + (i % 5) * 20);
            MetricUpdate {
                seq: 0,
                timestamp: now,
                tenant_id: format!("{TENANT_PREFIX}t{}", s % 7),
                customer_id: format!("{TENANT_PREFIX}c{}", s / KNOWN_MODELS.len() as u64),
                model: model.id.to_string(),
                samples: 1,
                metrics: Metrics {
                    total_calls: 1,
                    total_tokens: input + output,
                    input_tokens: input,
                    output_tokens: output,
                    total_cost: prices[index].map_or(0.0, |p| {
                        p.cost(&TokenCounts {
                            calls: 1,
                            input,
                            output,
                            ..Default::default()
                        })
                    }),
                    avg_latency_ms: 400.0 + (i % 11) as f64 * 30.0,
                    ..Default::default()
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::validate::validate_update;

    #[test]
    fn reports_are_valid_and_spread_over_the_series() {
        let now = Utc::now();
        let reports = batch(0, 100, 20, now);
        assert_eq!(reports.len(), 100);
        for r in &reports {
            validate_update(r, now).unwrap();
            assert!(is_ours(r));
        }
        let mut series: Vec<(String, String, String)> = reports
            .iter()
            .map(|r| (r.tenant_id.clone(), r.customer_id.clone(), r.model.clone()))
            .collect();
        series.sort();
        series.dedup();
        assert_eq!(series.len(), 20);
    }
}
