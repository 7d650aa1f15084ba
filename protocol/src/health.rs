//! `GET /healthz`

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HealthResponse {
    /// Always `ok` when the server answers.
    pub status: String,
    pub version: String,
    /// This run of the server: changes on every start, and prefixes its
    /// anomaly ids, so ids never repeat across restarts.
    pub run: String,
    pub uptime_seconds: u64,
    /// Whether the built-in traffic simulator is generating data.
    pub simulator: bool,
    /// `seq` of the newest update in the log.
    pub cursor: u64,
    /// Open WebSocket sessions.
    pub sessions: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_shape_is_pinned() {
        let body = HealthResponse {
            status: "ok".into(),
            version: "0.1.0".into(),
            run: "mq1x2y3z0a".into(),
            uptime_seconds: 5,
            simulator: true,
            cursor: 10,
            sessions: 2,
        };
        let value = serde_json::to_value(&body).unwrap();
        assert_eq!(
            value,
            json!({"status": "ok", "version": "0.1.0", "run": "mq1x2y3z0a", "uptimeSeconds": 5, "simulator": true, "cursor": 10, "sessions": 2})
        );
        assert_eq!(
            serde_json::from_value::<HealthResponse>(value).unwrap(),
            body
        );
    }
}
