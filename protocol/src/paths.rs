//! Every HTTP path the server answers, in one place: the backend mounts
//! its routes from these, and the web client and load test build their
//! requests from them, so a path cannot differ between the two sides.

use crate::anomaly::AnomalyAction;

/// Prefix of the JSON API; unknown paths under it get a JSON 404.
pub const API: &str = "/api";
/// `GET`: the update feed for polling clients.
pub const METRICS: &str = "/api/metrics";
/// `GET`: a window in buckets.
pub const HISTORY: &str = "/api/metrics/history";
/// `GET`: the headline numbers for a window.
pub const STATS: &str = "/api/stats";
/// `GET`: anomalies, newest first.
pub const ANOMALIES: &str = "/api/anomalies";
/// `POST`: acknowledge an anomaly.
pub const ANOMALY_ACK: &str = "/api/anomalies/{id}/ack";
/// `POST`: dismiss an anomaly.
pub const ANOMALY_DISMISS: &str = "/api/anomalies/{id}/dismiss";
/// `POST`: reopen an anomaly.
pub const ANOMALY_REOPEN: &str = "/api/anomalies/{id}/reopen";
/// `POST`: a batch of usage reports.
pub const INGEST: &str = "/api/ingest";
/// `GET`, `PUT` and `DELETE`: monthly budgets and month-to-date spend.
pub const BUDGETS: &str = "/api/budgets";
/// `POST`: OpenTelemetry trace export (OTLP/HTTP, protobuf or JSON).
pub const OTLP_TRACES: &str = "/v1/traces";
/// `POST`: the same, under the API prefix for proxies that forward only `/api`.
pub const OTLP_TRACES_API: &str = "/api/otlp/v1/traces";
/// `GET`: the OpenAPI document.
pub const OPENAPI: &str = "/api/openapi.json";
/// `GET`: the WebSocket stream.
pub const WS: &str = "/ws";
/// `GET`: liveness.
pub const HEALTHZ: &str = "/healthz";
/// `GET`: the server's own metrics, Prometheus text.
pub const PROMETHEUS: &str = "/metrics";

/// `GET`: a live view computed on the server, by version (polling's `subscribeView`).
pub const VIEW: &str = "/api/view";

/// Every REST path, as the OpenAPI document lists them (`/ws` is not REST).
pub const REST: [&str; 15] = [
    METRICS,
    HISTORY,
    STATS,
    ANOMALIES,
    ANOMALY_ACK,
    ANOMALY_DISMISS,
    ANOMALY_REOPEN,
    INGEST,
    BUDGETS,
    VIEW,
    OTLP_TRACES,
    OTLP_TRACES_API,
    OPENAPI,
    HEALTHZ,
    PROMETHEUS,
];

impl AnomalyAction {
    /// The route pattern of this action (`/api/anomalies/{id}/ack`, …).
    pub fn path_pattern(self) -> &'static str {
        match self {
            AnomalyAction::Acknowledge => ANOMALY_ACK,
            AnomalyAction::Dismiss => ANOMALY_DISMISS,
            AnomalyAction::Reopen => ANOMALY_REOPEN,
        }
    }

    /// The path of this action on one anomaly, its id percent-encoded.
    pub fn path(self, id: &str) -> String {
        self.path_pattern().replace("{id}", &encode_segment(id))
    }
}

/// Percent-encodes one path segment: everything but unreserved characters.
pub fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A query string from pairs, each value percent-encoded.
pub fn query(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = String::from(path);
    for (i, (key, value)) in pairs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(key);
        out.push('=');
        out.push_str(&encode_segment(value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_paths_encode_the_id() {
        assert_eq!(
            AnomalyAction::Acknowledge.path("anm-000017"),
            "/api/anomalies/anm-000017/ack"
        );
        assert_eq!(
            AnomalyAction::Reopen.path("a/b c"),
            "/api/anomalies/a%2Fb%20c/reopen"
        );
        for action in AnomalyAction::ALL {
            assert!(action.path_pattern().starts_with(ANOMALIES));
            assert!(action.path_pattern().ends_with(action.as_str()));
        }
    }

    #[test]
    fn queries_encode_values() {
        assert_eq!(query(STATS, &[]), "/api/stats");
        assert_eq!(
            query(HISTORY, &[("window", "1h"), ("tenant", "a&b")]),
            "/api/metrics/history?window=1h&tenant=a%26b"
        );
    }
}
