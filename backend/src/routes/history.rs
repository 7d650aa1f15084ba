//! `GET /api/metrics/history`: a window in buckets at a fitting resolution.

use std::time::Duration;

use actix_web::web;
use chrono::Utc;
use protocol::HistoryResponse;
use protocol::limits::{HISTORY_CUSTOMERS_DEFAULT, HISTORY_CUSTOMERS_MAX};
use protocol::time::align_floor;
use protocol::validate::parse_count;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::aggregation::compare;
use crate::aggregation::plan::{self, Source};
use crate::aggregation::query::{self, HistoryQuery, MAX_HISTORY_BUCKETS};
use crate::auth::{Authorized, Read};
use crate::error::ApiError;
use crate::routes::filter::{FilterParams, RequestFilter};
use crate::routes::params;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Start of the range (RFC 3339 or epoch ms); within the retention
    /// (400 days by default), before `to`.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// End of the range (default: now); `from` is required with it.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// Instead of from/to: a window ending now; `mtd` is month to date in `tz`.
    #[param(value_type = Option<String>, pattern = "^(5m|15m|1h|24h|7d|30d|mtd)$")]
    window: Option<String>,
    /// IANA time zone for `mtd` and for daily buckets (default UTC).
    #[param(value_type = Option<String>, example = "Europe/Paris")]
    tz: Option<String>,
    /// Bucket width in seconds (default: fits the range; rounded up to what is stored).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 2592000)]
    step: Option<String>,
    /// Customers listed per bucket, most expensive first (default 25).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    customers: Option<String>,
    /// Also what each bucket's span cost one day or one week earlier.
    #[param(value_type = Option<String>, pattern = "^(1d|7d)$")]
    compare: Option<String>,
}

/// Dense, aligned buckets over the range, each with totals, cost by model
/// and top customers; buckets no server was recording in say `missing`.
#[utoipa::path(
    get,
    path = protocol::paths::HISTORY,
    tag = "history",
    params(HistoryParams, FilterParams),
    responses(
        (status = 200, description = "Buckets covering the range", body = HistoryResponse),
        (status = 400, description = "Malformed, reversed, future, too old or too fine a range, or window with from/to", body = protocol::ErrorResponse),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "The token's role may not read", body = protocol::ErrorResponse),
        (status = 503, description = "The durable store could not be read", body = protocol::ErrorResponse),
    )
)]
pub async fn history(
    auth: Authorized<Read>,
    state: web::Data<AppState>,
    query: web::Query<HistoryParams>,
    RequestFilter(filter): RequestFilter,
) -> Result<web::Json<HistoryResponse>, ApiError> {
    let now = Utc::now();
    let range = params::range(
        params::RangeParams {
            from: query.from.as_deref(),
            to: query.to.as_deref(),
            window: query.window.as_deref(),
            tz: query.tz.as_deref(),
        },
        None,
        now,
        state.retention(),
    )?;
    let compare = match query.compare.as_deref().map(str::trim) {
        None => None,
        Some(word) => Some(compare::offset_ms(word).ok_or_else(|| {
            ApiError::invalid("compare", format!("compare `{word}` is not one of 1d, 7d"))
        })?),
    };
    let customers = parse_count(
        "customers",
        query.customers.as_deref(),
        HISTORY_CUSTOMERS_DEFAULT,
        HISTORY_CUSTOMERS_MAX,
    )?;
    let mut q = HistoryQuery {
        from: range.from,
        to: range.to,
        step: params::step(query.step.as_deref())?,
        customers,
    };
    let wanted_ms = q.wanted_ms();
    // A preset window is the last N whole buckets, the newest one partial:
    // 5m at 5 s is exactly 60 buckets.
    if range.preset {
        let width = Duration::from_millis(wanted_ms as u64);
        let bucket = chrono::Duration::milliseconds(wanted_ms);
        q.from = q
            .from
            .max(align_floor(q.to, width) - (q.to - q.from) + bucket);
    }
    let plan = plan::plan(
        &state.rollups.read(),
        (q.from.timestamp_millis(), q.to.timestamp_millis()),
        wanted_ms,
        params::offset_ms(range.zone, q.from),
        now.timestamp_millis(),
        state.stored_spans(),
    );
    // Judged by the step asked for, before it is rounded up to what is stored.
    let asked = (q.to - q.from).num_milliseconds().max(0) as u64 / wanted_ms.max(1) as u64;
    let buckets = plan.buckets().max(asked);
    if buckets > MAX_HISTORY_BUCKETS {
        return Err(ApiError::invalid(
            "step",
            format!("step would make {buckets} buckets; at most {MAX_HISTORY_BUCKETS} are allowed"),
        ));
    }
    let stored = match (plan.source, &state.storage) {
        (Source::Stored(tier), Some(storage)) => {
            let storage = storage.storage().clone();
            let (from_ms, to_ms) = (plan.start_ms, plan.end_ms);
            web::block(move || storage.read(tier, from_ms, to_ms))
                .await
                .map_err(|_| ApiError::unavailable("the store read was cancelled"))?
                .map_err(ApiError::storage)?
        }
        _ => Vec::new(),
    };
    let rollups = state.rollups.read();
    let selection = auth.caller.view(&filter).resolve(&rollups.names);
    let mut response = query::history(&rollups, &q, &plan, &stored, &selection);
    if let Some(offset) = compare {
        let starts = (0..response.buckets.len() as i64).map(|i| plan.start_ms + i * plan.step_ms);
        response.compare = compare::shifted_costs(
            &rollups,
            starts,
            plan.step_ms,
            offset,
            now.timestamp_millis(),
            &selection,
        );
        response.compare_offset_seconds = Some((offset / 1000) as u32);
    }
    Ok(web::Json(response))
}
