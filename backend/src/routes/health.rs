//! `GET /healthz` and `GET /metrics`: is it up, and how is it doing.

use actix_web::{HttpResponse, get, web};
use protocol::HealthResponse;

use crate::state::AppState;

/// Liveness and a few counters.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The server is up", body = HealthResponse))
)]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> web::Json<HealthResponse> {
    web::Json(HealthResponse {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: state.started.elapsed().as_secs(),
        simulator: !state.config.no_simulator && state.config.rate > 0.0,
        cursor: state.store.read().log.head(),
        sessions: state.telemetry.ws_sessions.get().max(0) as u64,
    })
}

/// The server's own metrics in the Prometheus (OpenMetrics) text format.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text", body = String))
)]
#[get("/metrics")]
pub async fn prometheus(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.telemetry.encode())
}
