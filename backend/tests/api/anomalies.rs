//! `GET /api/anomalies` and acknowledge / dismiss / reopen.

use protocol::{Anomaly, AnomalyStatus};
use serde_json::json;

use crate::helpers::{self, TestApp, customer_entity, error_code, error_field, spawn};

fn anomaly(id: &str, minutes_ago: i64) -> Anomaly {
    helpers::anomaly(id, customer_entity("acme", "acme-17"), minutes_ago)
}

/// Records anomalies the way the detector actor does.
fn seed(app: &TestApp) {
    let mut book = app.state.book.write();
    book.upsert(anomaly("anm-000001", 30));
    book.upsert(anomaly("anm-000002", 10));
}

#[actix_web::test]
async fn list_acknowledge_dismiss_and_reopen() {
    let app = spawn(&[]).await;
    seed(&app);

    let (status, body) = app.get_json("/api/anomalies").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = body["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["anm-000002", "anm-000001"], "newest first");

    let (status, acked) = app
        .post_json(
            "/api/anomalies/anm-000001/ack",
            &json!({"reason": "known batch job"}),
        )
        .await;
    assert_eq!(status, 200, "{acked}");
    assert_eq!(acked["status"], "acknowledged");
    assert_eq!(acked["statusReason"], "known batch job");
    assert!(acked["statusChangedAt"].is_string());

    // No body is fine too; a body of another type is not.
    let typed = app
        .client
        .post(app.url("/api/anomalies/anm-000002/dismiss"))
        .header("content-type", "text/plain")
        .body("spam")
        .send()
        .await
        .unwrap();
    assert_eq!(typed.status().as_u16(), 415);
    let untyped = app
        .client
        .post(app.url("/api/anomalies/anm-000002/dismiss"))
        .send()
        .await
        .unwrap();
    assert_eq!(untyped.status().as_u16(), 200);
    let response = app
        .client
        .post(app.url("/api/anomalies/anm-000002/dismiss"))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let (_, open) = app.get_json("/api/anomalies?status=open").await;
    assert_eq!(open["anomalies"].as_array().unwrap().len(), 0);
    let (_, acked_list) = app.get_json("/api/anomalies?status=acknowledged").await;
    assert_eq!(acked_list["anomalies"][0]["id"], "anm-000001");

    let (status, reopened) = app
        .post_json("/api/anomalies/anm-000001/reopen", &json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(reopened["status"], "open");
    let (_, open) = app.get_json("/api/anomalies?status=open").await;
    assert_eq!(open["anomalies"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn bad_actions_are_refused_clearly() {
    let app = spawn(&[]).await;
    seed(&app);
    let (status, body) = app
        .post_json("/api/anomalies/anm-999999/ack", &json!({}))
        .await;
    assert_eq!(status, 404);
    assert_eq!(error_code(&body), "not_found");
    assert_eq!(error_field(&body), Some("id"));

    let (status, body) = app
        .post_json(
            "/api/anomalies/anm-000001/dismiss",
            &json!({"reason": "x".repeat(501)}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_field(&body), Some("reason"));
    let (status, body) = app
        .post_json("/api/anomalies/anm-000001/ack", &json!({"reason": 5}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_field(&body), Some("reason"));
    let (status, body) = app.get_json("/api/anomalies?status=closed").await;
    assert_eq!(status, 400);
    assert_eq!(error_field(&body), Some("status"));
    let (status, body) = app.get_json("/api/anomalies?limit=501").await;
    assert_eq!(status, 400);
    assert_eq!(error_field(&body), Some("limit"));
    // Nothing changed.
    assert_eq!(
        app.state.book.read().get("anm-000001").unwrap().status,
        AnomalyStatus::Open
    );
}

#[actix_web::test]
async fn actions_need_the_token_when_one_is_set() {
    let app = spawn(&["--api-token", "s3cret"]).await;
    seed(&app);
    let (status, _) = app
        .post_json("/api/anomalies/anm-000001/ack", &json!({}))
        .await;
    assert_eq!(status, 401);
    let response = app
        .client
        .post(app.url("/api/anomalies/anm-000001/ack"))
        .bearer_auth("s3cret")
        .json(&json!(null))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}
