//! `GET /api/openapi.json`: the OpenAPI 3 description of every REST endpoint,
//! generated from the handlers and the protocol types so it cannot drift,
//! and built once at start-up with the security the server is configured with.

use actix_web::{HttpResponse, web};
use protocol::AnomalyAction;
use protocol::paths;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};

use super::{anomalies, budgets, health, history, ingest, metrics, otlp, stats, view};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "FinOps Live API",
        description = "Live AI spend: the update feed, history, stats, anomalies and ingest. \
                       The WebSocket stream at GET /ws carries the same updates; see protocol::ws. \
                       Writes accept only application/json and are refused (403) when a web page \
                       of another origin sends them.",
    ),
    paths(
        metrics::feed,
        history::history,
        stats::stats,
        anomalies::list,
        anomalies::decide,
        ingest::ingest,
        budgets::list,
        budgets::put,
        budgets::delete,
        view::view,
        otlp::traces,
        health::healthz,
        health::prometheus,
        openapi_json,
    )
)]
struct ApiDoc;

/// The name of the bearer scheme in the document.
const BEARER: &str = "bearer";

fn summary(action: AnomalyAction) -> &'static str {
    match action {
        AnomalyAction::Acknowledge => "Acknowledge an anomaly: someone is on it.",
        AnomalyAction::Dismiss => "Dismiss an anomaly: not a problem.",
        AnomalyAction::Reopen => "Reopen an acknowledged or dismissed anomaly.",
    }
}

/// `decide` is one handler mounted on three routes; the document gets one
/// entry per route, each with its own operation id and summary.
fn one_entry_per_action(doc: &mut utoipa::openapi::OpenApi) {
    let Some(template) = doc.paths.paths.remove(paths::ANOMALY_ACK) else {
        return;
    };
    for action in AnomalyAction::ALL {
        let mut item = template.clone();
        if let Some(op) = item.post.as_mut() {
            op.operation_id = Some(format!("{}_anomaly", action.as_str()));
            op.summary = Some(summary(action).to_string());
        }
        doc.paths
            .paths
            .insert(action.path_pattern().to_string(), item);
    }
}

/// The OTLP receiver answers at the standard path and under `/api`.
fn otlp_under_api(doc: &mut utoipa::openapi::OpenApi) {
    let Some(mut item) = doc.paths.paths.get(paths::OTLP_TRACES).cloned() else {
        return;
    };
    if let Some(op) = item.post.as_mut() {
        op.operation_id = Some("traces_under_api".into());
        op.summary = Some(format!(
            "The same as `POST {}`, for proxies that forward only /api.",
            paths::OTLP_TRACES
        ));
    }
    doc.paths
        .paths
        .insert(paths::OTLP_TRACES_API.to_string(), item);
}

/// The document as JSON. With tokens configured, every operation but the
/// public ones (`/healthz`, this document) needs the bearer token.
pub fn document(tokens_configured: bool) -> String {
    let mut doc = ApiDoc::openapi();
    one_entry_per_action(&mut doc);
    otlp_under_api(&mut doc);
    if tokens_configured {
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                BEARER,
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        doc.security = Some(vec![SecurityRequirement::new::<_, _, &str>(BEARER, [])]);
    }
    serde_json::to_string(&doc).unwrap_or_else(|_| "{}".into())
}

/// This document.
#[utoipa::path(
    get,
    path = paths::OPENAPI,
    tag = "operations",
    security(()),
    responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn every_action_route_has_its_own_entry() {
        let doc: Value = serde_json::from_str(&document(false)).unwrap();
        let mut ids = Vec::new();
        for action in AnomalyAction::ALL {
            let op = &doc["paths"][action.path_pattern()]["post"];
            assert!(op.is_object(), "{}", action.path_pattern());
            ids.push(op["operationId"].as_str().unwrap().to_string());
        }
        ids.dedup();
        assert_eq!(ids.len(), 3);
        assert!(doc["components"]["securitySchemes"].is_null());
        assert!(doc["security"].is_null());
    }

    #[test]
    fn the_document_lists_exactly_the_rest_paths() {
        let doc: Value = serde_json::from_str(&document(false)).unwrap();
        let mut listed: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = paths::REST.to_vec();
        listed.sort_unstable();
        expected.sort_unstable();
        assert_eq!(listed, expected);
    }

    #[test]
    fn security_is_declared_only_when_tokens_are_configured() {
        let doc: Value = serde_json::from_str(&document(true)).unwrap();
        assert_eq!(
            doc["components"]["securitySchemes"][BEARER]["scheme"],
            "bearer"
        );
        assert_eq!(doc["security"][0][BEARER], Value::Array(vec![]));
        // The public operations say so.
        assert_eq!(
            doc["paths"][paths::HEALTHZ]["get"]["security"][0],
            serde_json::json!({})
        );
    }
}
