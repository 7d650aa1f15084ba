//! `GET /api/view`: a live view computed on the server, for clients that
//! poll — the same view and the same changes `subscribeView` streams.

use actix_web::web;
use protocol::view::{VIEW_CUSTOMERS_DEFAULT, VIEW_CUSTOMERS_MAX};
use protocol::{TimeWindow, ViewPollResponse, ViewSpec};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Authorized, Read};
use crate::error::ApiError;
use crate::routes::filter::{FilterParams, RequestFilter};
use crate::state::AppState;
use crate::ws::view_watch;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewParams {
    /// The window the totals, models and customers cover (default 5m).
    #[param(value_type = Option<String>, pattern = "^(5m|15m|1h|24h|7d|30d)$")]
    window: Option<String>,
    /// Top customers to list (default 15).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    customers: Option<String>,
    /// The version the client holds; the changes after it are answered.
    #[param(value_type = Option<u64>, minimum = 0)]
    after: Option<String>,
}

/// The view's changes after `after`, or the view in full.
#[utoipa::path(
    get,
    path = protocol::paths::VIEW,
    tag = "view",
    params(ViewParams, FilterParams),
    responses(
        (status = 200, description = "The changes after `after` (none if current), or the full view", body = ViewPollResponse),
        (status = 400, description = "A bad window, customers, after or filter", body = protocol::ErrorResponse),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "The token's role may not read", body = protocol::ErrorResponse),
    )
)]
pub async fn view(
    auth: Authorized<Read>,
    state: web::Data<AppState>,
    query: web::Query<ViewParams>,
    RequestFilter(filter): RequestFilter,
) -> Result<web::Json<ViewPollResponse>, ApiError> {
    let window = match query.window.as_deref().map(str::trim) {
        None => TimeWindow::default(),
        Some(w) => TimeWindow::parse(w).ok_or_else(|| {
            ApiError::invalid("window", format!("window `{w}` is not one of the presets"))
        })?,
    };
    let customers = protocol::validate::parse_count(
        "customers",
        query.customers.as_deref(),
        VIEW_CUSTOMERS_DEFAULT as usize,
        VIEW_CUSTOMERS_MAX as usize,
    )?;
    let after = match query.after.as_deref().map(str::trim) {
        None => None,
        // Within what a JSON integer (int64) holds, as the document says.
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .and_then(|v| u64::try_from(v).ok())
                .ok_or_else(|| {
                    ApiError::invalid("after", format!("after `{v}` is not a version number"))
                })?,
        ),
    };
    let spec = ViewSpec {
        window,
        filter,
        customers: Some(customers as u32),
    };
    let key = view_watch::key_for(&auth.caller, &spec)?;
    let updates = state.views.poll(&state.rollups, key, after);
    Ok(web::Json(ViewPollResponse { updates }))
}
