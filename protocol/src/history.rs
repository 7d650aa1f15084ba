//! `GET /api/metrics/history`: a window in buckets, enough to redraw or replay it.

use serde::{Deserialize, Serialize};

use crate::metric::Metrics;
use crate::time::{self, Timestamp};

/// Usage of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ModelUsage {
    pub model: String,
    pub metrics: Metrics,
}

/// Usage of one customer of one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CustomerUsage {
    pub tenant_id: String,
    pub customer_id: String,
    pub metrics: Metrics,
}

/// Usage of one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TenantUsage {
    pub tenant_id: String,
    pub metrics: Metrics,
}

/// One bucket of `resolutionSeconds` starting at `start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HistoryBucket {
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub start: Timestamp,
    pub totals: Metrics,
    /// Every model used in the bucket, most expensive first.
    pub by_model: Vec<ModelUsage>,
    /// Every tenant in the bucket, most expensive first.
    #[serde(default)]
    pub by_tenant: Vec<TenantUsage>,
    /// The bucket's customers, most expensive first, up to the request's
    /// `customers` (absent in a live view, which lists the window's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customers: Vec<CustomerUsage>,
    /// The sum of the customers left out of `customers`, if any were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_customers: Option<Metrics>,
    /// True when the server was not running (so not recording) at any time
    /// in this bucket: its figures are unknown, not zero. Draw it as a gap.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
}

/// The response: dense, aligned buckets covering `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HistoryResponse {
    /// Start of the first bucket (the requested `from` aligned down).
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub from: Timestamp,
    /// End of the range (the requested `to`, clamped to now).
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub to: Timestamp,
    /// Width of every bucket.
    pub resolution_seconds: u32,
    /// `seq` of the last update these buckets include; continue the live feed from here.
    pub cursor: u64,
    pub buckets: Vec<HistoryBucket>,
    /// With `compare=1d|7d`: how far back the comparison is, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_offset_seconds: Option<u32>,
    /// With `compare=`: for each bucket, what the same span cost that much
    /// earlier (USD; `null` where no server was recording then).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compare: Vec<Option<f64>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_shape_is_pinned() {
        let body = HistoryResponse {
            from: "2026-11-23T10:00:00Z".parse().unwrap(),
            to: "2026-11-23T10:05:00Z".parse().unwrap(),
            resolution_seconds: 5,
            cursor: 99,
            buckets: vec![HistoryBucket {
                start: "2026-11-23T10:00:00Z".parse().unwrap(),
                totals: Metrics::default(),
                by_model: vec![ModelUsage {
                    model: "gpt-4o".into(),
                    metrics: Metrics::default(),
                }],
                by_tenant: vec![],
                customers: vec![CustomerUsage {
                    tenant_id: "t".into(),
                    customer_id: "c".into(),
                    metrics: Metrics::default(),
                }],
                other_customers: None,
                missing: false,
            }],
            compare_offset_seconds: None,
            compare: Vec::new(),
        };
        let value = serde_json::to_value(&body).unwrap();
        let zero = json!({"totalCalls": 0, "totalTokens": 0, "inputTokens": 0, "outputTokens": 0, "totalCost": 0.0, "avgLatencyMs": 0.0});
        assert_eq!(
            value,
            json!({
                "from": "2026-11-23T10:00:00.000Z",
                "to": "2026-11-23T10:05:00.000Z",
                "resolutionSeconds": 5,
                "cursor": 99,
                "buckets": [{
                    "start": "2026-11-23T10:00:00.000Z",
                    "totals": zero,
                    "byModel": [{"model": "gpt-4o", "metrics": zero}],
                    "byTenant": [],
                    "customers": [{"tenantId": "t", "customerId": "c", "metrics": zero}]
                }]
            })
        );
        assert_eq!(
            serde_json::from_value::<HistoryResponse>(value).unwrap(),
            body
        );
    }

    #[test]
    fn tenant_usage_shape() {
        let t = TenantUsage {
            tenant_id: "t".into(),
            metrics: Metrics::default(),
        };
        let value = serde_json::to_value(&t).unwrap();
        assert_eq!(value["tenantId"], "t");
        assert_eq!(serde_json::from_value::<TenantUsage>(value).unwrap(), t);
    }
}
