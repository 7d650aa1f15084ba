//! `GET /api/stats`: spend rate, totals and breakdowns for a window.

use actix_web::web;
use chrono::Utc;
use protocol::StatsResponse;
use protocol::time::TimeWindow;
use protocol::validate::parse_count;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::aggregation::query;
use crate::auth::{Authorized, Read};
use crate::error::ApiError;
use crate::routes::filter::{FilterParams, RequestFilter};
use crate::routes::params;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// A window ending now (default 5m); `mtd` is month to date in `tz`.
    #[param(value_type = Option<String>, pattern = "^(5m|15m|1h|24h|7d|30d|mtd)$")]
    window: Option<String>,
    /// IANA time zone for `mtd` (default UTC).
    #[param(value_type = Option<String>, example = "Europe/Paris")]
    tz: Option<String>,
    /// Instead of window: start of the range (RFC 3339 or epoch ms), within the retention.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// Instead of window: end of the range (default now); `from` is required with it.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// Top customers to list (default 10).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    customers: Option<String>,
}

/// The headline numbers for a window.
#[utoipa::path(
    get,
    path = protocol::paths::STATS,
    tag = "stats",
    params(StatsParams, FilterParams),
    responses(
        (status = 200, description = "Spend rate, totals, cost by model, top customers, tenants", body = StatsResponse),
        (status = 400, description = "Bad window or range", body = protocol::ErrorResponse),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "The token's role may not read", body = protocol::ErrorResponse),
    )
)]
pub async fn stats(
    auth: Authorized<Read>,
    state: web::Data<AppState>,
    query: web::Query<StatsParams>,
    RequestFilter(filter): RequestFilter,
) -> Result<web::Json<StatsResponse>, ApiError> {
    let now = Utc::now();
    let range = params::range(
        params::RangeParams {
            from: query.from.as_deref(),
            to: query.to.as_deref(),
            window: query.window.as_deref(),
            tz: query.tz.as_deref(),
        },
        Some(TimeWindow::FiveMinutes),
        now,
        state.retention(),
    )?;
    let (from, to) = (range.from, range.to);
    let customers = parse_count("customers", query.customers.as_deref(), 10, 1_000)?;
    let caller = &auth.caller;
    let open_anomalies = state
        .book
        .read()
        .open_count_where(|a| caller.sees_anomaly_in(&filter, a)) as u32;
    let rollups = state.rollups.read();
    let selection = caller.view(&filter).resolve(&rollups.names);
    let window = query::window(&rollups, from, to, now).breakdown(&rollups.names, &selection);
    let (spend_rate_per_hour, spend_rate_5m_ago_per_hour) =
        query::spend_rates(&rollups, &selection, now);
    Ok(web::Json(StatsResponse {
        from,
        to,
        cursor: rollups.log.head(),
        spend_rate_per_hour,
        spend_rate_5m_ago_per_hour,
        totals: window.totals.to_metrics(),
        by_model: window.models_by_cost(&rollups.names),
        top_customers: window.top_customers(&rollups.names, customers).0,
        by_tenant: window.tenants_by_cost(&rollups.names),
        open_anomalies,
        ingested_updates: rollups.reports_of(&selection),
    }))
}
