//! `GET /api/openapi.json`: the OpenAPI 3 description of every REST endpoint,
//! generated from the handlers and the protocol types so it cannot drift.

use actix_web::{HttpResponse, get};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{anomalies, health, history, ingest, metrics, stats};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "FinOps Live API",
        description = "Live AI spend: the update feed, history, stats, anomalies and ingest. \
                       The WebSocket stream at GET /ws carries the same updates; see protocol::ws.",
    ),
    paths(
        metrics::feed,
        history::history,
        stats::stats,
        anomalies::list,
        anomalies::ack,
        anomalies::dismiss,
        anomalies::reopen,
        ingest::ingest,
        health::healthz,
        health::prometheus,
        openapi_json,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// This document.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json", body = Object))
)]
#[get("/api/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
