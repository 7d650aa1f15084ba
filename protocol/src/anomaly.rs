//! Anomalies: what the detector found, why, and what people did about it.

use serde::{Deserialize, Serialize};

use crate::time::{self, Timestamp};

/// What kind of thing misbehaved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum EntityKind {
    Tenant,
    Customer,
    Model,
}

/// The tenant, customer or model an anomaly is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EntityRef {
    pub kind: EntityKind,
    /// Tenant id, customer id or model id, by `kind`.
    pub id: String,
    /// For a customer, the tenant it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// Ids of budget alerts on a forecast (rather than on spend) end so.
pub const BUDGET_FORECAST_SUFFIX: &str = "-forecast";

impl Anomaly {
    /// A budget alert about where the month is heading: `observed` is the
    /// forecast, not spend so far.
    pub fn is_budget_forecast(&self) -> bool {
        self.metric == AnomalyMetric::Budget && self.id.ends_with(BUDGET_FORECAST_SUFFIX)
    }
}

impl EntityRef {
    /// The one tenant this entity belongs to; `None` for a model, whose
    /// anomaly spans tenants.
    pub fn tenant(&self) -> Option<&str> {
        match self.kind {
            EntityKind::Tenant => Some(&self.id),
            EntityKind::Customer => self.tenant_id.as_deref(),
            EntityKind::Model => None,
        }
    }
}

/// The measure that left its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum AnomalyMetric {
    /// Spend rate in US dollars per hour.
    CostRate,
    /// Tokens per call.
    TokensPerCall,
    /// Month-to-date spend (or its forecast) against a monthly budget, USD.
    Budget,
}

impl AnomalyMetric {
    /// Unit of `observed` and `expected`.
    pub fn unit(self) -> &'static str {
        match self {
            AnomalyMetric::CostRate => "USD/h",
            AnomalyMetric::TokensPerCall => "tokens/call",
            AnomalyMetric::Budget => "USD",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    Warning,
    Critical,
}

/// Where an anomaly stands with the people watching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum AnomalyStatus {
    Open,
    Acknowledged,
    Dismissed,
}

impl AnomalyStatus {
    pub const ALL: [AnomalyStatus; 3] = [
        AnomalyStatus::Open,
        AnomalyStatus::Acknowledged,
        AnomalyStatus::Dismissed,
    ];

    /// The word on the wire (`open`, `acknowledged`, `dismissed`).
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyStatus::Open => "open",
            AnomalyStatus::Acknowledged => "acknowledged",
            AnomalyStatus::Dismissed => "dismissed",
        }
    }
}

/// What people do to an anomaly: the last segment of
/// `POST /api/anomalies/{id}/{action}`, and the status it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnomalyAction {
    /// `ack`: someone is on it.
    Acknowledge,
    /// `dismiss`: not a problem.
    Dismiss,
    /// `reopen`: back to open.
    Reopen,
}

impl AnomalyAction {
    pub const ALL: [AnomalyAction; 3] = [
        AnomalyAction::Acknowledge,
        AnomalyAction::Dismiss,
        AnomalyAction::Reopen,
    ];

    /// The path word: `ack`, `dismiss` or `reopen`.
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyAction::Acknowledge => "ack",
            AnomalyAction::Dismiss => "dismiss",
            AnomalyAction::Reopen => "reopen",
        }
    }

    /// The status the anomaly has after this action.
    pub fn status(self) -> AnomalyStatus {
        match self {
            AnomalyAction::Acknowledge => AnomalyStatus::Acknowledged,
            AnomalyAction::Dismiss => AnomalyStatus::Dismissed,
            AnomalyAction::Reopen => AnomalyStatus::Open,
        }
    }

    /// The action that leads to `status`.
    pub fn to_reach(status: AnomalyStatus) -> AnomalyAction {
        match status {
            AnomalyStatus::Acknowledged => AnomalyAction::Acknowledge,
            AnomalyStatus::Dismissed => AnomalyAction::Dismiss,
            AnomalyStatus::Open => AnomalyAction::Reopen,
        }
    }
}

/// `GET /api/anomalies?status=`: one status, or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StatusFilter {
    #[default]
    All,
    Only(AnomalyStatus),
}

impl StatusFilter {
    /// The words `status=` accepts.
    pub const WORDS: [&'static str; 4] = ["open", "acknowledged", "dismissed", "all"];

    pub fn parse(text: &str) -> Option<StatusFilter> {
        match text.trim() {
            "all" => Some(StatusFilter::All),
            word => AnomalyStatus::ALL
                .into_iter()
                .find(|s| s.as_str() == word)
                .map(StatusFilter::Only),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Only(status) => status.as_str(),
        }
    }

    pub fn admits(self, status: AnomalyStatus) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Only(wanted) => wanted == status,
        }
    }
}

/// One point of the anomaly's trend line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TrendPoint {
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub t: Timestamp,
    pub observed: f64,
    pub expected: f64,
}

/// A customer-and-model pair's part in the excess spend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Contributor {
    pub tenant_id: String,
    pub customer_id: String,
    pub model: String,
    /// Observed spend rate, USD/h.
    pub observed_usd_per_hour: f64,
    /// Baseline spend rate, USD/h.
    pub expected_usd_per_hour: f64,
    /// Fraction (0–1) of the anomaly's excess dollars this pair accounts for.
    pub share: f64,
    /// Calls per minute now divided by its baseline, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls_ratio: Option<f64>,
    /// Tokens per call now divided by its baseline, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_per_call_ratio: Option<f64>,
}

/// Why the anomaly happened, computed from the data. The default is the
/// empty cause of an anomaly not explained yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Cause {
    /// Spend above the baseline, USD/h (0 when spend is not above it).
    pub excess_usd_per_hour: f64,
    /// One sentence for people, e.g. "82% of the +$412.00/h over expected came
    /// from customer acme-17 on claude-opus-4; tokens per call ×4".
    pub summary: String,
    /// The largest contributors, largest first.
    pub contributors: Vec<Contributor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Anomaly {
    /// Stable identifier, e.g. `anm-000017`.
    pub id: String,
    pub entity: EntityRef,
    pub metric: AnomalyMetric,
    pub severity: Severity,
    /// Robust z-score of the latest observation against the baseline.
    pub score: f64,
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub started_at: Timestamp,
    /// Last time the detector re-evaluated it.
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// When the measure returned to its baseline; absent while it is ongoing.
    #[serde(
        default,
        with = "time::rfc3339_millis::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ended_at: Option<Timestamp>,
    /// Latest observed value, in the metric's unit.
    pub observed: f64,
    /// Baseline value, in the metric's unit.
    pub expected: f64,
    /// Peak observed value so far.
    pub peak: f64,
    /// Observed and expected values from shortly before the start until now.
    pub trend: Vec<TrendPoint>,
    pub cause: Cause,
    pub status: AnomalyStatus,
    /// Reason given when it was acknowledged or dismissed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// Name of the token that last changed the status (absent on a server
    /// without tokens, and before anyone acted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_changed_by: Option<String>,
    #[serde(
        default,
        with = "time::rfc3339_millis::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub status_changed_at: Option<Timestamp>,
}

impl Anomaly {
    pub fn is_ongoing(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// `GET /api/anomalies`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AnomaliesResponse {
    /// Newest first.
    pub anomalies: Vec<Anomaly>,
}

/// Optional body of `POST /api/anomalies/{id}/ack` and `/dismiss`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AnomalyActionRequest {
    /// Why, for the people who look later (at most 500 characters, no
    /// control or invisible formatting characters but line breaks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 500,
            pattern = "^[^\\u0000-\\u0009\\u000B-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]*$"
        )
    )]
    pub reason: Option<String>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn sample() -> Anomaly {
        Anomaly {
            id: "anm-000017".into(),
            entity: EntityRef {
                kind: EntityKind::Customer,
                id: "acme-17".into(),
                tenant_id: Some("acme".into()),
            },
            metric: AnomalyMetric::CostRate,
            severity: Severity::Critical,
            score: 9.5,
            started_at: "2026-11-23T10:00:00Z".parse().unwrap(),
            updated_at: "2026-11-23T10:02:00Z".parse().unwrap(),
            ended_at: None,
            observed: 512.0,
            expected: 100.0,
            peak: 530.0,
            trend: vec![TrendPoint {
                t: "2026-11-23T10:00:00Z".parse().unwrap(),
                observed: 512.0,
                expected: 100.0,
            }],
            cause: Cause {
                excess_usd_per_hour: 412.0,
                summary:
                    "82% of the +$412/h over expected came from customer acme-17 on claude-opus-4"
                        .into(),
                contributors: vec![Contributor {
                    tenant_id: "acme".into(),
                    customer_id: "acme-17".into(),
                    model: "claude-opus-4".into(),
                    observed_usd_per_hour: 350.0,
                    expected_usd_per_hour: 12.0,
                    share: 0.82,
                    calls_ratio: Some(1.1),
                    tokens_per_call_ratio: Some(4.0),
                }],
            },
            status: AnomalyStatus::Open,
            status_reason: None,
            status_changed_by: None,
            status_changed_at: None,
        }
    }

    #[test]
    fn json_shape_is_pinned() {
        let value = serde_json::to_value(sample()).unwrap();
        assert_eq!(
            value,
            json!({
                "id": "anm-000017",
                "entity": {"kind": "customer", "id": "acme-17", "tenantId": "acme"},
                "metric": "costRate",
                "severity": "critical",
                "score": 9.5,
                "startedAt": "2026-11-23T10:00:00.000Z",
                "updatedAt": "2026-11-23T10:02:00.000Z",
                "observed": 512.0,
                "expected": 100.0,
                "peak": 530.0,
                "trend": [{"t": "2026-11-23T10:00:00.000Z", "observed": 512.0, "expected": 100.0}],
                "cause": {
                    "excessUsdPerHour": 412.0,
                    "summary": "82% of the +$412/h over expected came from customer acme-17 on claude-opus-4",
                    "contributors": [{
                        "tenantId": "acme", "customerId": "acme-17", "model": "claude-opus-4",
                        "observedUsdPerHour": 350.0, "expectedUsdPerHour": 12.0, "share": 0.82,
                        "callsRatio": 1.1, "tokensPerCallRatio": 4.0
                    }]
                },
                "status": "open"
            })
        );
        assert_eq!(serde_json::from_value::<Anomaly>(value).unwrap(), sample());
    }

    #[test]
    fn reviewed_and_ended_round_trip() {
        let mut a = sample();
        a.status = AnomalyStatus::Acknowledged;
        a.status_reason = Some("known batch job".into());
        a.status_changed_by = Some("ops-admin".into());
        a.status_changed_at = Some("2026-11-23T10:03:00Z".parse().unwrap());
        a.ended_at = Some("2026-11-23T10:04:00Z".parse().unwrap());
        let value = serde_json::to_value(&a).unwrap();
        assert_eq!(value["status"], "acknowledged");
        assert_eq!(value["statusReason"], "known batch job");
        assert_eq!(value["statusChangedBy"], "ops-admin");
        assert_eq!(value["endedAt"], "2026-11-23T10:04:00.000Z");
        let back: Anomaly = serde_json::from_value(value).unwrap();
        assert_eq!(back, a);
        assert!(!back.is_ongoing());
    }

    #[test]
    fn action_body_is_optional_reason() {
        let empty: AnomalyActionRequest = serde_json::from_value(json!({})).unwrap();
        assert_eq!(empty.reason, None);
        let with: AnomalyActionRequest =
            serde_json::from_value(json!({"reason": "expected"})).unwrap();
        assert_eq!(with.reason.as_deref(), Some("expected"));
        let list = AnomaliesResponse {
            anomalies: vec![sample()],
        };
        let value = serde_json::to_value(&list).unwrap();
        assert_eq!(value["anomalies"][0]["id"], "anm-000017");
    }

    #[test]
    fn actions_statuses_and_filters_are_one_vocabulary() {
        for action in AnomalyAction::ALL {
            assert_eq!(AnomalyAction::to_reach(action.status()), action);
        }
        assert_eq!(AnomalyAction::Acknowledge.as_str(), "ack");
        for word in StatusFilter::WORDS {
            assert_eq!(StatusFilter::parse(word).unwrap().as_str(), word);
        }
        for status in AnomalyStatus::ALL {
            let wire = serde_json::to_value(status).unwrap();
            assert_eq!(wire, status.as_str());
        }
        assert_eq!(
            StatusFilter::parse(" open "),
            Some(StatusFilter::Only(AnomalyStatus::Open))
        );
        assert_eq!(StatusFilter::parse("closed"), None);
        assert!(StatusFilter::All.admits(AnomalyStatus::Dismissed));
        assert!(!StatusFilter::Only(AnomalyStatus::Open).admits(AnomalyStatus::Dismissed));
    }

    #[test]
    fn units() {
        assert_eq!(AnomalyMetric::CostRate.unit(), "USD/h");
        assert_eq!(AnomalyMetric::TokensPerCall.unit(), "tokens/call");
        assert!(Severity::Critical > Severity::Warning);
    }
}
