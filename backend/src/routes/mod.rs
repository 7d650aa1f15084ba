//! The HTTP routes, one file per resource, mounted from the paths in
//! `protocol::paths`. Each path is one actix resource, so a method it does
//! not answer gets 405 with `Allow` (and the JSON error body).

pub mod anomalies;
pub mod body;
pub mod budgets;
pub mod filter;
pub mod health;
pub mod history;
pub mod ingest;
pub mod metrics;
pub mod openapi;
pub mod otlp;
pub mod params;
pub mod stats;
pub mod view;
pub mod web;
pub mod ws;

use actix_web::web as aw;
use protocol::AnomalyAction;
use protocol::paths;

use crate::error;

/// Every API route, the WebSocket and the operational endpoints.
pub fn configure(cfg: &mut aw::ServiceConfig) {
    cfg.service(aw::resource(paths::METRICS).get(metrics::feed))
        .service(aw::resource(paths::HISTORY).get(history::history))
        .service(aw::resource(paths::STATS).get(stats::stats))
        .service(aw::resource(paths::ANOMALIES).get(anomalies::list));
    for action in AnomalyAction::ALL {
        cfg.service(
            aw::resource(action.path_pattern())
                .app_data(aw::Data::new(action))
                .post(anomalies::decide),
        );
    }
    cfg.service(
        aw::resource(paths::BUDGETS)
            .get(budgets::list)
            .put(budgets::put)
            .delete(budgets::delete),
    );
    cfg.service(aw::resource(paths::VIEW).get(view::view));
    cfg.service(aw::resource(paths::INGEST).post(ingest::ingest))
        .service(aw::resource(paths::OTLP_TRACES).post(otlp::traces))
        .service(aw::resource(paths::OTLP_TRACES_API).post(otlp::traces))
        .service(aw::resource(paths::OPENAPI).get(openapi::openapi_json))
        .service(aw::resource(paths::HEALTHZ).get(health::healthz))
        .service(aw::resource(paths::PROMETHEUS).get(health::prometheus))
        .service(aw::resource(paths::WS).get(ws::ws))
        // Unknown API paths get a JSON 404, not the web client.
        .service(aw::scope(paths::API).default_service(aw::to(error::api_not_found)));
}

/// What the ingest port serves (`--ingest-port`): the two ingest routes and
/// `/healthz` for its health checks; anything else gets a JSON 404, so no
/// dashboard, WebSocket or read is ever served from its worker.
pub fn configure_ingest(cfg: &mut aw::ServiceConfig) {
    cfg.service(aw::resource(paths::INGEST).post(ingest::ingest))
        .service(aw::resource(paths::OTLP_TRACES).post(otlp::traces))
        .service(aw::resource(paths::OTLP_TRACES_API).post(otlp::traces))
        .service(aw::resource(paths::HEALTHZ).get(health::healthz))
        .default_service(aw::to(error::api_not_found));
}
