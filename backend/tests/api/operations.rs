//! Health, Prometheus metrics, the OpenAPI document, CORS, static files and
//! unknown routes.

use std::io::Write;

use serde_json::Value;

use crate::helpers::{error_code, spawn};

#[actix_web::test]
async fn healthz_reports_ok() {
    let app = spawn(&[]).await;
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["simulator"], false);
    assert_eq!(body["cursor"].as_u64(), Some(app.head()));
}

#[actix_web::test]
async fn every_run_has_its_own_id_so_anomaly_ids_never_repeat() {
    let first = spawn(&[]).await;
    let second = spawn(&[]).await;
    let (_, a) = first.get_json("/healthz").await;
    let (_, b) = second.get_json("/healthz").await;
    let (a, b) = (a["run"].as_str().unwrap(), b["run"].as_str().unwrap());
    assert!(a.len() >= 10, "{a}");
    assert_ne!(a, b);
    // Ids are `anm-<run>-NNNNNN` (the detector test shows the prefix in use).
    assert_eq!(first.state.run, a);
}

#[actix_web::test]
async fn prometheus_text_has_the_server_counters() {
    let app = spawn(&[]).await;
    app.get("/api/stats").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("openmetrics")
    );
    let text = response.text().await.unwrap();
    for name in [
        "finops_frames_sealed_total",
        "finops_ws_sessions ",
        "finops_http_requests_total{route=\"/api/stats\",status=\"200\"} 1",
        "finops_http_request_seconds_bucket",
        "finops_frame_seal_seconds_count",
    ] {
        assert!(text.contains(name), "missing {name} in\n{text}");
    }
}

#[actix_web::test]
async fn openapi_describes_every_rest_endpoint() {
    let app = spawn(&[]).await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/metrics", "get"),
        ("/api/metrics/history", "get"),
        ("/api/stats", "get"),
        ("/api/anomalies", "get"),
        ("/api/anomalies/{id}/ack", "post"),
        ("/api/anomalies/{id}/dismiss", "post"),
        ("/api/anomalies/{id}/reopen", "post"),
        ("/api/ingest", "post"),
        ("/healthz", "get"),
        ("/metrics", "get"),
        ("/api/openapi.json", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} missing");
    }
    // The wire types are described with their camelCase fields.
    let update = &doc["components"]["schemas"]["MetricUpdate"]["properties"];
    for field in [
        "seq",
        "timestamp",
        "tenantId",
        "customerId",
        "model",
        "samples",
        "metrics",
    ] {
        assert!(update[field].is_object(), "MetricUpdate.{field}");
    }
}

#[actix_web::test]
async fn unknown_api_paths_are_json_404() {
    let app = spawn(&[]).await;
    let (status, body) = app.get_json("/api/nope").await;
    assert_eq!(status, 404);
    assert_eq!(error_code(&body), "not_found");
}

#[actix_web::test]
async fn cors_allows_only_configured_origins() {
    let app = spawn(&["--cors-origin", "https://finance.example"]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/ingest"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let allowed = preflight("https://finance.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://finance.example"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // Same origin only by default.
    let default = spawn(&[]).await;
    let response = default
        .client
        .get(default.url("/api/stats"))
        .header("origin", "https://elsewhere.example")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[actix_web::test]
async fn serves_the_web_client_with_cache_headers_and_spa_fallback() {
    let dir = std::env::temp_dir().join(format!("finops-web-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::File::create(dir.join("index.html"))
        .unwrap()
        .write_all(b"<!doctype html><title>FinOps</title>")
        .unwrap();
    std::fs::write(dir.join("app-0123abcd.js"), "console.log(1)").unwrap();
    let dir_arg = dir.to_string_lossy().to_string();
    let app = spawn(&["--web-dir", &dir_arg]).await;

    let index = app.get("/").await;
    assert_eq!(index.status().as_u16(), 200);
    assert_eq!(index.headers()["cache-control"], "no-cache");
    assert!(index.text().await.unwrap().contains("FinOps"));

    let asset = app.get("/app-0123abcd.js").await;
    assert_eq!(asset.status().as_u16(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );

    let deep_link = app.get("/some/view?mode=wall").await;
    assert_eq!(deep_link.status().as_u16(), 200);
    assert!(deep_link.text().await.unwrap().contains("FinOps"));

    let (status, body): (u16, Value) = app.get_json("/api/unknown").await;
    assert_eq!(status, 404);
    assert_eq!(error_code(&body), "not_found");
    let _ = std::fs::remove_dir_all(dir);
}
