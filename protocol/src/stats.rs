//! `GET /api/stats`: the headline numbers for one window.

use serde::{Deserialize, Serialize};

use crate::history::{CustomerUsage, ModelUsage, TenantUsage};
use crate::metric::Metrics;
use crate::time::{self, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatsResponse {
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub from: Timestamp,
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub to: Timestamp,
    /// `seq` of the last update included.
    pub cursor: u64,
    /// Spend over the last full minute, in US dollars per hour.
    pub spend_rate_per_hour: f64,
    /// The same rate as it was five minutes earlier.
    pub spend_rate_5m_ago_per_hour: f64,
    /// Totals over the window.
    pub totals: Metrics,
    /// Every model in the window, most expensive first.
    pub by_model: Vec<ModelUsage>,
    /// Most expensive customers in the window, up to `customers` of them.
    pub top_customers: Vec<CustomerUsage>,
    /// Every tenant in the window, most expensive first.
    pub by_tenant: Vec<TenantUsage>,
    /// Anomalies still open (neither acknowledged nor dismissed).
    pub open_anomalies: u32,
    /// Raw reports ingested since the server started.
    pub ingested_updates: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_is_pinned() {
        let body = StatsResponse {
            from: "2026-11-23T09:15:30Z".parse().unwrap(),
            to: "2026-11-23T10:15:30Z".parse().unwrap(),
            cursor: 3,
            spend_rate_per_hour: 412.5,
            spend_rate_5m_ago_per_hour: 390.0,
            totals: Metrics::default(),
            by_model: vec![],
            top_customers: vec![],
            by_tenant: vec![],
            open_anomalies: 2,
            ingested_updates: 1234,
        };
        let value = serde_json::to_value(&body).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "byModel",
                "byTenant",
                "cursor",
                "from",
                "ingestedUpdates",
                "openAnomalies",
                "spendRate5mAgoPerHour",
                "spendRatePerHour",
                "to",
                "topCustomers",
                "totals"
            ]
        );
        assert_eq!(
            serde_json::from_value::<StatsResponse>(value).unwrap(),
            body
        );
    }
}
