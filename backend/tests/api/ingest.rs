//! `POST /api/ingest`: all-or-nothing batches, named errors, limits, auth.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::helpers::{error_code, error_field, report, spawn};

#[actix_web::test]
async fn a_good_batch_is_accepted_and_counted() {
    let app = spawn(&[]).await;
    let now = Utc::now();
    let updates: Vec<_> = (0..100)
        .map(|i| report(&format!("acme-{i}"), "gpt-4o", now, 1, 0.01))
        .collect();
    let (status, body) = app.ingest(&updates).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"accepted": 100}));
    app.wait_for_reports(100).await;
}

#[actix_web::test]
async fn one_bad_report_refuses_the_whole_batch_naming_it() {
    let app = spawn(&[]).await;
    let now = Utc::now();
    let good = serde_json::to_value(report("acme-1", "gpt-4o", now, 1, 0.01)).unwrap();
    let cases = [
        (
            json!({"metrics": {"totalCost": -1}}),
            "updates[1].metrics.totalCost",
        ),
        (
            json!({"metrics": {"totalCalls": 0}}),
            "updates[1].metrics.totalCalls",
        ),
        (
            json!({"timestamp": (now + Duration::hours(1)).to_rfc3339()}),
            "updates[1].timestamp",
        ),
        (
            json!({"timestamp": (now - Duration::hours(30)).to_rfc3339()}),
            "updates[1].timestamp",
        ),
        (json!({"tenantId": ""}), "updates[1].tenantId"),
    ];
    for (patch, field) in cases {
        let mut bad = good.clone();
        merge(&mut bad, &patch);
        let (status, body) = app
            .post_json("/api/ingest", &json!({"updates": [good, bad]}))
            .await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(error_field(&body), Some(field), "{body}");
    }
    // Shape errors name the path too.
    let mut wrong_type = good.clone();
    wrong_type["metrics"]["totalCalls"] = json!("three");
    let (status, body) = app
        .post_json("/api/ingest", &json!({"updates": [good, wrong_type]}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "invalid_body");
    assert_eq!(error_field(&body), Some("updates[1].metrics.totalCalls"));
    // Not JSON at all.
    let response = app
        .client
        .post(app.url("/api/ingest"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "invalid_body");
    // Nothing from the refused batches got in.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(app.state.rollups.read().reports, 0);
}

fn merge(target: &mut serde_json::Value, patch: &serde_json::Value) {
    if let (Some(t), Some(p)) = (target.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            if v.is_object() {
                merge(t.entry(k.clone()).or_insert(json!({})), v);
            } else {
                t.insert(k.clone(), v.clone());
            }
        }
    }
}

#[actix_web::test]
async fn oversized_bodies_and_batches_are_413() {
    let app = spawn(&["--max-body-bytes", "2000"]).await;
    let now = Utc::now();
    let updates: Vec<_> = (0..20)
        .map(|i| report(&format!("acme-{i}"), "gpt-4o", now, 1, 0.01))
        .collect();
    let (status, body) = app.ingest(&updates).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(error_code(&body), "payload_too_large");

    let app = spawn(&[]).await;
    let tiny = serde_json::to_value(report("a-1", "m", now, 1, 0.0)).unwrap();
    let many = vec![tiny; 20_001];
    let (status, body) = app
        .post_json("/api/ingest", &json!({"updates": many}))
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(error_field(&body), Some("updates"));
}

#[actix_web::test]
async fn a_configured_token_guards_every_endpoint() {
    let app = spawn(&["--api-token", "s3cret"]).await;
    let body = json!({"updates": [report("acme-1", "gpt-4o", Utc::now(), 1, 0.01)]});
    let (status, error) = app.post_json("/api/ingest", &body).await;
    assert_eq!(status, 401);
    assert_eq!(error_code(&error), "unauthorized");
    let wrong = app
        .client
        .post(app.url("/api/ingest"))
        .bearer_auth("guess")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let right = app
        .client
        .post(app.url("/api/ingest"))
        .bearer_auth("s3cret")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status().as_u16(), 200);
    // Reads need it too; health and the API document stay open.
    assert_eq!(app.get("/api/stats").await.status().as_u16(), 401);
    let read = app
        .client
        .get(app.url("/api/stats"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status().as_u16(), 200);
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    assert_eq!(app.get("/api/openapi.json").await.status().as_u16(), 200);
}
