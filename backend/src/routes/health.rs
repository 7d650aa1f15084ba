//! `GET /healthz` and `GET /metrics`: is it up, and how is it doing.

use actix_web::{HttpResponse, web};
use protocol::HealthResponse;

use crate::auth::{Authorized, Read};
use crate::state::AppState;

/// Liveness and a few counters; open to all (load balancers and container
/// health checks carry no token), and it shows no spend.
#[utoipa::path(
    get,
    path = protocol::paths::HEALTHZ,
    tag = "operations",
    security(()),
    responses((status = 200, description = "The server is up", body = HealthResponse))
)]
pub async fn healthz(state: web::Data<AppState>) -> web::Json<HealthResponse> {
    web::Json(HealthResponse {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        run: state.run.clone(),
        uptime_seconds: state.started.elapsed().as_secs(),
        simulator: state.config.simulator.enabled(),
        cursor: state.rollups.read().log.head(),
        sessions: state.telemetry.ws_sessions.get().max(0) as u64,
    })
}

/// The server's own metrics in the Prometheus (OpenMetrics) text format.
#[utoipa::path(
    get,
    path = protocol::paths::PROMETHEUS,
    tag = "operations",
    responses(
        (status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text", body = String),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "The token's role may not read", body = protocol::ErrorResponse),
    )
)]
pub async fn prometheus(_auth: Authorized<Read>, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.telemetry.encode())
}
