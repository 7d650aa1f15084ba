//! HTTP routes, one file per resource. Handlers parse and validate, call
//! plain functions, and shape the response; nothing else.

pub mod anomalies;
pub mod body;
pub mod health;
pub mod history;
pub mod ingest;
pub mod metrics;
pub mod openapi;
pub mod params;
pub mod stats;
pub mod web;
pub mod ws;

use actix_web::web as aw;

use crate::error;

/// Every API route, the WebSocket and the operational endpoints.
pub fn configure(cfg: &mut aw::ServiceConfig) {
    cfg.service(metrics::feed)
        .service(history::history)
        .service(stats::stats)
        .service(anomalies::list)
        .service(anomalies::ack)
        .service(anomalies::dismiss)
        .service(anomalies::reopen)
        .service(ingest::ingest)
        .service(openapi::openapi_json)
        .service(health::healthz)
        .service(health::prometheus)
        .service(ws::ws)
        // Unknown API paths get a JSON 404, not the web client.
        .service(aw::scope("/api").default_service(aw::to(error::api_not_found)));
}
