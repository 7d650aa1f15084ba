//! `GET /api/stats`: spend rate, totals and breakdowns for a window.

use actix_web::{get, web};
use chrono::Utc;
use protocol::StatsResponse;
use protocol::time::TimeWindow;
use protocol::validate::parse_count;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::aggregation::query;
use crate::error::ApiError;
use crate::routes::params;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// One of 5m (default), 15m, 1h, 24h, ending now.
    window: Option<String>,
    /// Instead of window: start of the range (RFC 3339 or epoch ms).
    from: Option<String>,
    /// Instead of window: end of the range (default now).
    to: Option<String>,
    /// Top customers to list (1–1000, default 10).
    customers: Option<String>,
}

/// The headline numbers for a window.
#[utoipa::path(
    tag = "stats",
    params(StatsParams),
    responses(
        (status = 200, description = "Spend rate, totals, cost by model, top customers, tenants", body = StatsResponse),
        (status = 400, description = "Bad window or range", body = protocol::ErrorResponse),
    )
)]
#[get("/api/stats")]
pub async fn stats(
    state: web::Data<AppState>,
    query: web::Query<StatsParams>,
) -> Result<web::Json<StatsResponse>, ApiError> {
    let now = Utc::now();
    let (from, to) = params::range(
        query.from.as_deref(),
        query.to.as_deref(),
        query.window.as_deref(),
        Some(TimeWindow::FiveMinutes),
        now,
    )?;
    let customers = parse_count("customers", query.customers.as_deref(), 10, 1_000)?;
    let open_anomalies = state.book.read().open_count() as u32;
    let store = state.store.read();
    let window = query::window(&store, from, to, now);
    let (spend_rate_per_hour, spend_rate_5m_ago_per_hour) = query::spend_rates(&store, now);
    Ok(web::Json(StatsResponse {
        from,
        to,
        cursor: store.log.head(),
        spend_rate_per_hour,
        spend_rate_5m_ago_per_hour,
        totals: query::totals(&window),
        by_model: window.models_by_cost(&store.names),
        top_customers: window.top_customers(&store.names, customers).0,
        by_tenant: window.tenants_by_cost(&store.names),
        open_anomalies,
        ingested_updates: store.reports,
    }))
}
