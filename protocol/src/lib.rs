//! Every type that crosses the wire between the FinOps backend, the web client
//! and the load test, plus the validation and time helpers both sides share.
//!
//! JSON field names are camelCase; timestamps are RFC 3339 in UTC with
//! millisecond precision. Nothing here depends on an async runtime, so the
//! crate compiles to `wasm32-unknown-unknown` for the web client.

pub mod anomaly;
pub mod budget;
pub mod error;
pub mod feed;
pub mod filter;
pub mod format;
pub mod health;
pub mod history;
pub mod limits;
pub mod metric;
pub mod models;
pub mod paths;
#[cfg(feature = "prices")]
pub mod prices;
pub mod stats;
pub mod time;
pub mod validate;
pub mod view;
pub mod ws;
mod ws_decode;

pub use anomaly::{
    AnomaliesResponse, Anomaly, AnomalyAction, AnomalyActionRequest, AnomalyMetric, AnomalyStatus,
    Cause, Contributor, EntityKind, EntityRef, Severity, StatusFilter, TrendPoint,
};
pub use budget::{Budget, BudgetStatus, BudgetsResponse, Projection, TenantProjection};
pub use error::{ApiErrorDetail, ErrorCode, ErrorResponse, FieldError};
pub use feed::{IngestRequest, IngestResponse, MetricsResponse};
pub use filter::Filter;
pub use health::HealthResponse;
pub use history::{CustomerUsage, HistoryBucket, HistoryResponse, ModelUsage, TenantUsage};
pub use metric::{MetricUpdate, Metrics};
pub use models::{KNOWN_MODELS, ModelInfo};
pub use stats::StatsResponse;
pub use time::{TimeWindow, Timestamp};
pub use view::{ViewEncoding, ViewPollResponse, ViewSpec, ViewUpdate};
pub use ws::{ClientMessage, ServerMessage};
