//! The update feed over REST: polling (`GET /api/metrics`) and ingest (`POST /api/ingest`).

use serde::{Deserialize, Serialize};

use crate::metric::MetricUpdate;
use crate::time::{self, Timestamp};

/// `GET /api/metrics?since=…|cursor=…&limit=…`
///
/// `metrics` holds consecutive updates of the log in `seq` order. Pass
/// `cursor` back as `?cursor=` to continue exactly after the last one; when
/// `hasMore` is true, ask again at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MetricsResponse {
    pub metrics: Vec<MetricUpdate>,
    /// Milliseconds the server asks the client to wait before polling again.
    pub next_poll_after: u64,
    /// `seq` of the last update included (or the position the client is
    /// already at when nothing is new).
    pub cursor: u64,
    /// True when more updates are waiting beyond `limit`.
    pub has_more: bool,
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub server_time: Timestamp,
}

/// `POST /api/ingest` body: a batch of raw reports from a real source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IngestRequest {
    pub updates: Vec<MetricUpdate>,
}

/// `POST /api/ingest` reply. A batch is accepted whole or rejected whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IngestResponse {
    pub accepted: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::Metrics;
    use serde_json::json;

    #[test]
    fn metrics_response_shape_is_pinned() {
        let body = MetricsResponse {
            metrics: vec![MetricUpdate {
                seq: 7,
                timestamp: "2026-11-23T10:15:30Z".parse().unwrap(),
                tenant_id: "t".into(),
                customer_id: "c".into(),
                model: "gpt-4o".into(),
                samples: 1,
                metrics: Metrics::default(),
            }],
            next_poll_after: 2000,
            cursor: 7,
            has_more: false,
            server_time: "2026-11-23T10:15:31Z".parse().unwrap(),
        };
        let value = serde_json::to_value(&body).unwrap();
        assert_eq!(value["nextPollAfter"], 2000);
        assert_eq!(value["cursor"], 7);
        assert_eq!(value["hasMore"], false);
        assert_eq!(value["serverTime"], "2026-11-23T10:15:31.000Z");
        assert_eq!(value["metrics"][0]["seq"], 7);
        assert_eq!(
            serde_json::from_value::<MetricsResponse>(value).unwrap(),
            body
        );
    }

    #[test]
    fn ingest_shapes_are_pinned() {
        let request: IngestRequest = serde_json::from_value(json!({
            "updates": [{
                "timestamp": "2026-11-23T10:15:30Z",
                "tenantId": "t", "customerId": "c", "model": "gpt-4o",
                "metrics": {"totalCalls": 2, "totalTokens": 10, "totalCost": 0.5, "avgLatencyMs": 10}
            }]
        }))
        .unwrap();
        assert_eq!(request.updates.len(), 1);
        assert_eq!(
            serde_json::to_value(IngestResponse { accepted: 1 }).unwrap(),
            json!({"accepted": 1})
        );
    }
}
