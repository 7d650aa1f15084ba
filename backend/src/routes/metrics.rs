//! `GET /api/metrics`: the update feed for polling clients.

use actix_web::web;
use chrono::{Duration as ChronoDuration, Utc};
use protocol::limits::{MAX_SAFE_COUNT, POLL_LIMIT_DEFAULT, POLL_LIMIT_MAX};
use protocol::time::format_timestamp;
use protocol::validate::{parse_count, validate_not_future, validate_retained};
use protocol::{ErrorCode, MetricsResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::aggregation::{Expired, query};
use crate::auth::{Authorized, Read};
use crate::error::ApiError;
use crate::routes::filter::{FilterParams, RequestFilter};
use crate::routes::params;
use crate::state::AppState;

/// Milliseconds a caught-up poller is asked to wait.
const POLL_AFTER_MS: u64 = 1_000;
/// Without `cursor` or `since`, the feed starts this far back.
const DEFAULT_LOOKBACK_SECS: i64 = 10;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Continue after this `seq` (the `cursor` of the previous response).
    #[param(value_type = Option<u64>, minimum = 0, maximum = 9007199254740991_u64)]
    cursor: Option<String>,
    /// Start with the updates recorded at or after this time (RFC 3339 or
    /// epoch milliseconds); within the live feed's last 15 minutes.
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<String>,
    /// Most updates to return (default 2000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    limit: Option<String>,
}

fn expired(cursor: u64, e: Expired) -> ApiError {
    ApiError::new(
        ErrorCode::CursorExpired,
        format!(
            "cursor {cursor} is not in the update log (it holds cursors {}..={}): it is older than the log keeps or from an earlier server run; reload /api/metrics/history and continue from its cursor",
            e.oldest_cursor, e.head
        ),
        Some("cursor"),
    )
}

/// Updates after a cursor (or since a time), at most `limit`, with the cursor to continue from.
#[utoipa::path(
    get,
    path = protocol::paths::METRICS,
    tag = "feed",
    params(FeedParams, FilterParams),
    responses(
        (status = 200, description = "Updates in seq order (consecutive, or with holes where a tenant-scoped token sees only its tenants)", body = MetricsResponse),
        (status = 400, description = "Malformed, future or too old parameter, or cursor and since together", body = protocol::ErrorResponse),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "The token's role may not read", body = protocol::ErrorResponse),
        (status = 410, description = "Cursor no longer in the log: reload a snapshot", body = protocol::ErrorResponse),
    )
)]
pub async fn feed(
    auth: Authorized<Read>,
    state: web::Data<AppState>,
    query: web::Query<FeedParams>,
    RequestFilter(filter): RequestFilter,
) -> Result<web::Json<MetricsResponse>, ApiError> {
    let now = Utc::now();
    let limit = parse_count(
        "limit",
        query.limit.as_deref(),
        POLL_LIMIT_DEFAULT,
        POLL_LIMIT_MAX,
    )?;
    let rollups = state.rollups.read();
    let cursor = match (query.cursor.as_deref(), query.since.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "cursor",
                "give either cursor or since, not both",
            ));
        }
        (Some(text), None) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|c| *c <= MAX_SAFE_COUNT)
            .ok_or_else(|| {
                ApiError::invalid(
                    "cursor",
                    format!("cursor `{text}` is not a whole number from 0 to 2^53 - 1"),
                )
            })?,
        (None, Some(text)) => {
            let since = params::timestamp("since", text)?;
            validate_not_future("since", since, now)?;
            validate_retained("since", since, now, state.retention())?;
            rollups.log.cursor_at(since.timestamp_millis()).map_err(|_| {
                let oldest = rollups
                    .log
                    .oldest_sealed_at_ms()
                    .and_then(chrono::DateTime::from_timestamp_millis)
                    .map_or_else(|| "now".to_string(), format_timestamp);
                ApiError::invalid(
                    "since",
                    format!(
                        "since is older than the live feed keeps (it starts at {oldest}); use /api/metrics/history for older data"
                    ),
                )
            })?
        }
        (None, None) => rollups
            .log
            .cursor_at((now - ChronoDuration::seconds(DEFAULT_LOOKBACK_SECS)).timestamp_millis())
            .unwrap_or_else(|e| e.oldest_cursor),
    };
    let selection = auth.caller.view(&filter).resolve(&rollups.names);
    let page = query::updates_after(&rollups, cursor, limit, &selection)
        .map_err(|e| expired(cursor, e))?;
    drop(rollups);
    Ok(web::Json(MetricsResponse {
        metrics: page.updates,
        next_poll_after: if page.more { 0 } else { POLL_AFTER_MS },
        cursor: page.cursor,
        has_more: page.more,
        server_time: now,
    }))
}
