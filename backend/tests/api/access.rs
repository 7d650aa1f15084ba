//! Tokens, roles and tenant scopes, tried with real requests: a viewer
//! scoped to one tenant sees that tenant alone everywhere, an ingest token
//! cannot read, a viewer cannot ingest, and nobody without a token gets in.

use chrono::Utc;
use protocol::{
    AnomaliesResponse, EntityKind, EntityRef, HistoryResponse, MetricsResponse, StatsResponse,
};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, anomaly, customer_entity, error_code, error_field, report, spawn, tokens_file,
};

pub const ADMIN: &str = "admin-token-0123456789abcdef";
pub const ACME_VIEWER: &str = "acme-viewer-0123456789abcdef";
pub const COLLECTOR: &str = "collector-0123456789abcdef";
pub const ACME_COLLECTOR: &str = "acme-collector-0123456789abcdef";

pub fn tokens_toml() -> String {
    format!(
        r#"
[[tokens]]
name = "ops"
token = "{ADMIN}"
role = "admin"

[[tokens]]
name = "acme-wall"
sha256 = "{}"
role = "viewer"
tenants = ["acme"]

[[tokens]]
name = "collector"
token = "{COLLECTOR}"
role = "ingest"
tenants = "*"

[[tokens]]
name = "acme-collector"
token = "{ACME_COLLECTOR}"
role = "ingest"
tenants = ["acme"]
"#,
        backend::auth::tokens::sha256_hex(ACME_VIEWER)
    )
}

/// A server with the four tokens, spend from acme ($1 a report) and globex
/// ($10 a report), and anomalies of acme, globex and one model.
async fn scoped_server() -> (TestApp, tempfile::NamedTempFile) {
    let file = tokens_file(&tokens_toml());
    let path = file.path().to_string_lossy().to_string();
    let app = spawn(&["--tokens-file", &path]).await;
    let now = Utc::now();
    let updates = vec![
        report("acme-1", "gpt-4o", now, 2, 1.0),
        report("acme-2", "claude-opus-4", now, 3, 1.0),
        report("globex-1", "gpt-4o", now, 5, 10.0),
        report("globex-2", "claude-opus-4", now, 7, 10.0),
    ];
    let (status, body) = app
        .post_json_as("/api/ingest", &json!({ "updates": updates }), ADMIN)
        .await;
    assert_eq!(status, 200, "{body}");
    app.wait_for_reports(4).await;
    let mut book = app.state.book.write();
    book.upsert(anomaly("anm-a", customer_entity("acme", "acme-1"), 3));
    book.upsert(anomaly("anm-g", customer_entity("globex", "globex-1"), 2));
    book.upsert(anomaly(
        "anm-m",
        EntityRef {
            kind: EntityKind::Model,
            id: "gpt-4o".into(),
            tenant_id: None,
        },
        1,
    ));
    book.upsert(anomaly(
        "anm-t",
        EntityRef {
            kind: EntityKind::Tenant,
            id: "acme".into(),
            tenant_id: None,
        },
        1,
    ));
    drop(book);
    (app, file)
}

#[actix_web::test]
async fn a_scoped_viewer_sees_only_its_tenant_in_every_read() {
    let (app, _file) = scoped_server().await;

    let (status, body) = app.get_as("/api/stats?window=5m", ACME_VIEWER).await;
    assert_eq!(status, 200, "{body}");
    let stats: StatsResponse = serde_json::from_value(body).unwrap();
    assert!((stats.totals.total_cost - 2.0).abs() < 1e-9, "{stats:?}");
    assert_eq!(stats.totals.total_calls, 5);
    assert_eq!(stats.by_tenant.len(), 1);
    assert_eq!(stats.by_tenant[0].tenant_id, "acme");
    assert!(stats.top_customers.iter().all(|c| c.tenant_id == "acme"));
    let model_cost: f64 = stats.by_model.iter().map(|m| m.metrics.total_cost).sum();
    assert!(
        (model_cost - 2.0).abs() < 1e-9,
        "cost by model is acme's alone"
    );
    assert_eq!(stats.ingested_updates, 2);
    assert_eq!(
        stats.open_anomalies, 2,
        "acme's customer and tenant anomalies"
    );

    // The admin sees everything.
    let (_, body) = app.get_as("/api/stats?window=5m", ADMIN).await;
    let all: StatsResponse = serde_json::from_value(body).unwrap();
    assert!((all.totals.total_cost - 22.0).abs() < 1e-9);
    assert_eq!(all.open_anomalies, 4);

    let (status, body) = app
        .get_as("/api/metrics/history?window=5m", ACME_VIEWER)
        .await;
    assert_eq!(status, 200, "{body}");
    let history: HistoryResponse = serde_json::from_value(body).unwrap();
    let cost: f64 = history.buckets.iter().map(|b| b.totals.total_cost).sum();
    assert!((cost - 2.0).abs() < 1e-9);
    assert!(
        history
            .buckets
            .iter()
            .flat_map(|b| &b.customers)
            .all(|c| c.tenant_id == "acme")
    );

    let since = (Utc::now() - chrono::Duration::minutes(1)).timestamp_millis();
    let (status, body) = app
        .get_as(&format!("/api/metrics?since={since}"), ACME_VIEWER)
        .await;
    assert_eq!(status, 200, "{body}");
    let feed: MetricsResponse = serde_json::from_value(body).unwrap();
    assert_eq!(feed.metrics.len(), 2);
    assert!(feed.metrics.iter().all(|u| u.tenant_id == "acme"));
    assert_eq!(
        feed.cursor,
        app.head(),
        "the cursor passes the updates it skipped"
    );

    let (status, body) = app.get_as("/api/anomalies", ACME_VIEWER).await;
    assert_eq!(status, 200, "{body}");
    let list: AnomaliesResponse = serde_json::from_value(body).unwrap();
    let mut ids: Vec<&str> = list.anomalies.iter().map(|a| a.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["anm-a", "anm-t"]);
}

#[actix_web::test]
async fn a_scoped_viewer_acts_only_on_its_tenants_anomalies() {
    let (app, _file) = scoped_server().await;
    let (status, body) = app
        .post_json_as("/api/anomalies/anm-g/ack", &json!({}), ACME_VIEWER)
        .await;
    assert_eq!(status, 404, "another tenant's anomaly is not there for it");
    assert_eq!(error_field(&body), Some("id"));
    let (status, _) = app
        .post_json_as("/api/anomalies/anm-m/dismiss", &json!({}), ACME_VIEWER)
        .await;
    assert_eq!(status, 404, "a model's anomaly spans tenants");
    let (status, body) = app
        .post_json_as(
            "/api/anomalies/anm-a/ack",
            &json!({"reason": "on it"}),
            ACME_VIEWER,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "acknowledged");
    assert_eq!(
        app.state.book.read().get("anm-g").unwrap().status,
        protocol::AnomalyStatus::Open
    );
}

#[actix_web::test]
async fn roles_limit_what_each_token_does() {
    let (app, _file) = scoped_server().await;
    let batch = |tenant: &str| json!({"updates": [report(&format!("{tenant}-9"), "gpt-4o", Utc::now(), 1, 0.5)]});

    // A viewer cannot ingest; an ingest token cannot read.
    let (status, body) = app
        .post_json_as("/api/ingest", &batch("acme"), ACME_VIEWER)
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(error_code(&body), "forbidden");
    let (status, _) = app.get_as("/api/stats", COLLECTOR).await;
    assert_eq!(status, 403);
    let (status, _) = app.get_as("/metrics", COLLECTOR).await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post_json_as("/api/anomalies/anm-a/ack", &json!({}), COLLECTOR)
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post_json_as("/api/ingest", &batch("globex"), COLLECTOR)
        .await;
    assert_eq!(status, 200);

    // A scoped ingest token writes its tenant only.
    let (status, _) = app
        .post_json_as("/api/ingest", &batch("acme"), ACME_COLLECTOR)
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post_json_as("/api/ingest", &batch("globex"), ACME_COLLECTOR)
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(error_field(&body), Some("updates[0].tenantId"));
}

#[actix_web::test]
async fn without_a_valid_token_only_health_and_the_document_answer() {
    let (app, _file) = scoped_server().await;
    for path in [
        "/api/stats",
        "/api/metrics/history?window=5m",
        "/api/metrics",
        "/api/anomalies",
        "/metrics",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 401, "{path}");
        assert_eq!(
            response.headers()["www-authenticate"],
            r#"Bearer realm="finops""#
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "unauthorized");
        let (status, _) = app.get_as(path, "not-a-token").await;
        assert_eq!(status, 401, "{path}");
    }
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    // RFC 7235: the scheme is case-insensitive.
    let lower = app
        .client
        .get(app.url("/api/stats"))
        .header("authorization", format!("bearer {ADMIN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(lower.status().as_u16(), 200);
    let basic = app
        .client
        .get(app.url("/api/stats"))
        .basic_auth("ops", Some(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status().as_u16(), 401);
}

#[actix_web::test]
async fn a_bad_tokens_file_stops_the_server_with_a_clear_message() {
    let file = tokens_file("[[tokens]]\nname = \"x\"\nrole = \"viewer\"\ntoken = \"t\"\n");
    let config = <backend::config::Config as clap::Parser>::try_parse_from([
        "backend",
        "--port",
        "0",
        "--no-simulator",
        "--tokens-file",
        &file.path().to_string_lossy(),
    ])
    .unwrap();
    let err = backend::startup::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("must say its tenants"), "{err}");
}
