//! Live views computed on the server: a client subscribes to what it draws
//! (`subscribeView` on the WebSocket) instead of every raw update, and is
//! sent the view once in full, then per tick only what changed. Sessions
//! watching the same view (same window, filter within their scope and top-N)
//! share one computation and one serialised message.
//!
//! Versioning: `view` messages carry `version`, which counts up by one with
//! each change of that view, from a start the server picks (so versions of
//! a view dropped and made again, or made by a restarted server, do not
//! repeat); each message changes the
//! view from `version - 1`. A client that sees a gap subscribes again (and
//! is sent the view in full). Polling gets the same: `GET /api/view?after=`
//! answers the changes after the version a client holds, or the view in
//! full when it holds none the server still has. The raw `subscribe` stream
//! is unchanged beside it.

use serde::{Deserialize, Serialize};

use crate::filter::Filter;
use crate::history::{CustomerUsage, HistoryBucket, ModelUsage, TenantUsage};
use crate::metric::Metrics;
use crate::time::{self, TimeWindow, Timestamp};

/// Width of the live view's buckets, as the live chart draws them.
pub const VIEW_STEP_SECONDS: u32 = 5;
/// How far back the live view's buckets reach: the chart's 5 minutes and the
/// minute before "5 min ago" the gauge compares with, plus a spare minute.
pub const VIEW_SPAN_SECONDS: u32 = 7 * 60;
/// How often the server computes each watched view and sends its change:
/// once a second. Every panel of a view changes every tick under load, so
/// the rate sets the bytes a dashboard costs; a table re-sorted more often
/// is not read more often, and a second is what "live" needs on a wall.
pub const VIEW_TICK_MS: u32 = 1_000;

/// How a session receives its `view` messages (`subscribeView.encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ViewEncoding {
    /// Each `view` message as a JSON text frame.
    #[default]
    Json,
    /// Each `view` message's JSON text compressed with raw DEFLATE
    /// (RFC 1951), one binary frame per message, each frame on its own (no
    /// context kept between frames, so every watcher of a view gets the
    /// same bytes, compressed once). Other messages stay text.
    Deflate,
}

impl ViewEncoding {
    pub fn is_json(&self) -> bool {
        *self == ViewEncoding::Json
    }
}

/// Top customers a view lists unless asked otherwise, and at most.
pub const VIEW_CUSTOMERS_DEFAULT: u32 = 15;
pub const VIEW_CUSTOMERS_MAX: u32 = 100;

/// What a client draws: the window its tables cover, the filter, how many customers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewSpec {
    #[serde(default)]
    pub window: TimeWindow,
    #[serde(default, skip_serializing_if = "Filter::is_empty")]
    pub filter: Filter,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers: Option<u32>,
}

/// One `view` message: the full view (`full`) or what changed since `version - 1`.
/// Absent fields did not change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ViewUpdate {
    pub version: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub full: bool,
    /// When the server computed it.
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Buckets of [`VIEW_STEP_SECONDS`] that are new or changed, oldest
    /// first, in the history endpoint's format (customers left out: the
    /// window's top customers come whole below). A full message holds every
    /// bucket of the last [`VIEW_SPAN_SECONDS`]; older ones are dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<HistoryBucket>,
    /// The window's totals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totals: Option<Metrics>,
    /// The window's cost by model, most expensive first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_model: Option<Vec<ModelUsage>>,
    /// The window's cost by tenant, most expensive first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_tenant: Option<Vec<TenantUsage>>,
    /// The window's top customers, most expensive first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_customers: Option<Vec<CustomerUsage>>,
    /// Spend rate over the last complete minute, USD/h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spend_rate_per_hour: Option<f64>,
}

/// `GET /api/view`: the view's changes after the version asked for, oldest
/// first (none when it is current), or the view in full.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ViewPollResponse {
    pub updates: Vec<ViewUpdate>,
}

/// Rounds what is sent to what is shown, so it is short and so a change no
/// panel could show is not sent: cost to 1e-6 USD, latency to 0.1 ms.
pub fn round_metrics(m: &mut Metrics) {
    m.total_cost = (m.total_cost * 1e6).round() / 1e6;
    m.avg_latency_ms = (m.avg_latency_ms * 10.0).round() / 10.0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_parts_did_not_change() {
        let update = ViewUpdate {
            version: 7,
            at: "2026-12-01T10:00:00Z".parse().unwrap(),
            spend_rate_per_hour: Some(12.5),
            ..ViewUpdate::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"version": 7, "at": "2026-12-01T10:00:00.000Z", "spendRatePerHour": 12.5})
        );
        let spec: ViewSpec = serde_json::from_value(json!({"window": "15m"})).unwrap();
        assert_eq!(
            serde_json::to_value(ViewEncoding::Deflate).unwrap(),
            json!("deflate")
        );
        assert_eq!(spec.window, TimeWindow::FifteenMinutes);
        assert_eq!(spec.customers, None);
    }

    #[test]
    fn rounding_keeps_what_is_shown() {
        let mut m = Metrics {
            total_cost: 0.123_456_789,
            avg_latency_ms: 4_082.441_829_631_13,
            ..Metrics::default()
        };
        round_metrics(&mut m);
        assert_eq!(m.total_cost, 0.123_457);
        assert_eq!(m.avg_latency_ms, 4082.4);
    }
}
