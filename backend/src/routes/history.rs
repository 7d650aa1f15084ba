//! `GET /api/metrics/history`: a window in buckets at a fitting resolution.

use actix_web::web;
use chrono::Utc;
use protocol::HistoryResponse;
use protocol::limits::{HISTORY_CUSTOMERS_DEFAULT, HISTORY_CUSTOMERS_MAX};
use protocol::time::{align_floor, resolution_for_range};
use protocol::validate::parse_count;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::aggregation::query::{self, HistoryQuery, MAX_HISTORY_BUCKETS};
use crate::auth::{Authorized, Read};
use crate::error::ApiError;
use crate::routes::params;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Start of the range (RFC 3339 or epoch ms); within the last 24 h, before `to`.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// End of the range (default: now); `from` is required with it.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// Instead of from/to: a window ending now.
    #[param(value_type = Option<String>, pattern = "^(5m|15m|1h|24h)$")]
    window: Option<String>,
    /// Bucket width in seconds (default: fits the range; rounded up to what is stored).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 86400)]
    step: Option<String>,
    /// Customers listed per bucket, most expensive first (default 25).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    customers: Option<String>,
}

/// Dense, aligned buckets over the range, each with totals, cost by model and top customers.
#[utoipa::path(
    get,
    path = protocol::paths::HISTORY,
    tag = "history",
    params(HistoryParams),
    responses(
        (status = 200, description = "Buckets covering the range", body = HistoryResponse),
        (status = 400, description = "Malformed, reversed, future, too old or too fine a range, or window with from/to", body = protocol::ErrorResponse),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "The token's role may not read", body = protocol::ErrorResponse),
    )
)]
pub async fn history(
    auth: Authorized<Read>,
    state: web::Data<AppState>,
    query: web::Query<HistoryParams>,
) -> Result<web::Json<HistoryResponse>, ApiError> {
    let now = Utc::now();
    let (from, to) = params::range(
        query.from.as_deref(),
        query.to.as_deref(),
        query.window.as_deref(),
        None,
        now,
    )?;
    let step = params::step(query.step.as_deref())?;
    let width =
        step.unwrap_or_else(|| resolution_for_range((to - from).to_std().unwrap_or_default()));
    // A preset window is the last N whole buckets, the newest one partial:
    // 5m at 5 s is exactly 60 buckets.
    let from = if query.window.is_some() {
        let bucket = chrono::Duration::from_std(width).unwrap_or_default();
        from.max(align_floor(to, width) - (to - from) + bucket)
    } else {
        from
    };

    let span_ms = (to - align_floor(from, width)).num_milliseconds().max(0) as u64;
    let buckets = span_ms.div_ceil(width.as_millis().max(1) as u64);
    if buckets > MAX_HISTORY_BUCKETS {
        return Err(ApiError::invalid(
            "step",
            format!("step would make {buckets} buckets; at most {MAX_HISTORY_BUCKETS} are allowed"),
        ));
    }
    let customers = parse_count(
        "customers",
        query.customers.as_deref(),
        HISTORY_CUSTOMERS_DEFAULT,
        HISTORY_CUSTOMERS_MAX,
    )?;
    let q = HistoryQuery {
        from,
        to,
        step,
        customers,
    };
    let rollups = state.rollups.read();
    let selection = auth.caller.scope.resolve(&rollups.names);
    Ok(web::Json(query::history(&rollups, &q, &selection, now)))
}
