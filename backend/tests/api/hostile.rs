//! The requests a hostile web page or client sends, exactly: cross-site
//! "simple" writes, a foreign-origin WebSocket, counts that overflow, wrong
//! methods, oversized frames and invisible characters. Each is refused with
//! the documented status and changes nothing.

use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use protocol::AnomalyStatus;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::helpers::{TestApp, anomaly, customer_entity, error_code, error_field, report, spawn};

const EVIL: &str = "http://evil.example";

fn seed(app: &TestApp) {
    app.state
        .book
        .write()
        .upsert(anomaly("anm-x", customer_entity("acme", "acme-17"), 5));
}

fn status_of(app: &TestApp) -> AnomalyStatus {
    app.state.book.read().get("anm-x").unwrap().status
}

async fn post(
    app: &TestApp,
    path: &str,
    origin: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let mut request = app.client.post(app.url(path)).body(body.to_string());
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn cross_site_simple_requests_change_nothing() {
    let app = spawn(&[]).await;
    seed(&app);
    let ingest_body =
        json!({"updates": [report("acme-1", "gpt-4o", Utc::now(), 1, 999.0)]}).to_string();
    for action in ["ack", "dismiss"] {
        let path = format!("/api/anomalies/anm-x/{action}");
        for (ct, body) in [
            (Some("text/plain"), r#"{"reason":"pwned"}"#),
            (Some("application/x-www-form-urlencoded"), "reason=pwned"),
            (None, ""),
        ] {
            let (status, err) = post(&app, &path, Some(EVIL), ct, body).await;
            assert_eq!(status, 403, "{action} {ct:?}: {err}");
            assert_eq!(error_field(&err), Some("Origin"));
            // The same request without an Origin (not a browser) still needs
            // JSON, unless it has no body at all (tried last, below).
            if ct.is_some() {
                let (status, err) = post(&app, &path, None, ct, body).await;
                assert_eq!(status, 415, "{action} {ct:?}: {err}");
                assert_eq!(error_code(&err), "unsupported_media_type");
            }
        }
        let (status, _) = post(&app, &path, None, Some("text/plain"), "").await;
        assert_eq!(status, 415, "an empty body of another type is refused too");
        // JSON from the foreign page is refused as well.
        let (status, _) = post(&app, &path, Some(EVIL), Some("application/json"), "{}").await;
        assert_eq!(status, 403);
        assert_eq!(
            status_of(&app),
            AnomalyStatus::Open,
            "unchanged after {action}"
        );
    }
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let (status, _) = post(&app, "/api/ingest", Some(EVIL), ct, &ingest_body).await;
        assert_eq!(status, 403);
        let (status, _) = post(&app, "/api/ingest", None, ct, &ingest_body).await;
        assert_eq!(status, 415);
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(app.state.rollups.read().reports, 0, "no fake spend got in");

    // A client that is not a browser may act without a body.
    let (status, _) = post(&app, "/api/anomalies/anm-x/dismiss", None, None, "").await;
    assert_eq!(status, 200);
    assert_eq!(status_of(&app), AnomalyStatus::Dismissed);
    // The server's own page may act, with JSON.
    let own = format!("http://127.0.0.1:{}", app.port);
    let (status, body) = post(
        &app,
        "/api/anomalies/anm-x/ack",
        Some(&own),
        Some("application/json"),
        "null",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(status_of(&app), AnomalyStatus::Acknowledged);
}

#[actix_web::test]
async fn an_allowed_origin_may_write() {
    let app = spawn(&["--cors-origin", "https://finance.example"]).await;
    seed(&app);
    let (status, _) = post(
        &app,
        "/api/anomalies/anm-x/dismiss",
        Some("https://finance.example"),
        Some("application/json"),
        "{}",
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &app,
        "/api/anomalies/anm-x/reopen",
        Some(EVIL),
        Some("application/json"),
        "{}",
    )
    .await;
    assert_eq!(status, 403, "--cors-origin allows only what it names");
}

async fn ws_with_origin(
    app: &TestApp,
    origin: &str,
) -> Result<u16, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("ws://127.0.0.1:{}/ws", app.port)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", origin.parse().unwrap());
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(_, response)| response.status().as_u16())
}

#[actix_web::test]
async fn a_foreign_page_cannot_open_the_websocket() {
    let app = spawn(&["--cors-origin", "https://finance.example"]).await;
    match ws_with_origin(&app, EVIL).await {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status().as_u16(), 403);
        }
        other => panic!("expected 403, got {other:?}"),
    }
    assert_eq!(
        ws_with_origin(&app, "https://finance.example")
            .await
            .unwrap(),
        101
    );
    let own = format!("http://127.0.0.1:{}", app.port);
    assert_eq!(ws_with_origin(&app, &own).await.unwrap(), 101);
}

#[actix_web::test]
async fn counts_that_javascript_cannot_hold_are_refused() {
    let app = spawn(&[]).await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut u = serde_json::to_value(report("acme-1", "gpt-4o", Utc::now(), 1, 0.1)).unwrap();
        f(&mut u);
        json!({"updates": [u]})
    };
    let cases: [(&str, Value); 4] = [
        (
            "updates[0].metrics.totalCalls",
            with(&|u| u["metrics"]["totalCalls"] = json!(u64::MAX)),
        ),
        (
            "updates[0].metrics.totalCalls",
            with(&|u| u["metrics"]["totalCalls"] = json!(1u64 << 53)),
        ),
        (
            "updates[0].metrics.totalTokens",
            with(&|u| u["metrics"]["totalTokens"] = json!(1u64 << 53)),
        ),
        (
            "updates[0].metrics.inputTokens",
            with(&|u| {
                u["metrics"]["inputTokens"] = json!(u64::MAX);
                u["metrics"]["outputTokens"] = json!(1);
                u["metrics"]["totalTokens"] = json!(0);
            }),
        ),
    ];
    for (field, body) in cases {
        let (status, err) = app.post_json("/api/ingest", &body).await;
        assert_eq!(status, 400, "{field}: {err}");
        assert_eq!(error_field(&err), Some(field));
    }
    // Names that render differently from what they are.
    let body = with(&|u| u["customerId"] = json!("acme-\u{202E}71"));
    let (status, err) = app.post_json("/api/ingest", &body).await;
    assert_eq!(status, 400);
    assert_eq!(error_field(&err), Some("updates[0].customerId"));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(app.state.rollups.read().reports, 0);
}

#[actix_web::test]
async fn wrong_methods_get_405_with_allow_and_a_json_body() {
    let app = spawn(&[]).await;
    for (method, path, allow) in [
        ("TRACE", "/api/stats", "GET"),
        ("DELETE", "/api/ingest", "POST"),
        ("GET", "/api/anomalies/anm-1/ack", "POST"),
        ("PUT", "/healthz", "GET"),
    ] {
        let response = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        let body: Value = response.json().await.expect("JSON body");
        assert_eq!(error_code(&body), "method_not_allowed", "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(allow));
    }
}

#[actix_web::test]
async fn static_file_errors_are_json_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
    let web_dir = dir.path().to_string_lossy().to_string();
    let app = spawn(&["--web-dir", &web_dir]).await;
    let response = app
        .client
        .request("TRACE".parse().unwrap(), app.url("/"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert!(status == 405 || status == 404, "{status}");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["code"].is_string(), "{body}");
}

#[actix_web::test]
async fn an_oversized_websocket_message_is_closed_as_too_big() {
    let app = spawn(&[]).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}/ws", app.port))
        .await
        .unwrap();
    let huge = "x".repeat(backend::routes::ws::MAX_CLIENT_FRAME + 1024);
    ws.send(Message::Text(huge.into())).await.unwrap();
    let code = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| f.code);
            }
        }
        None
    })
    .await
    .expect("closed within 5 s");
    assert_eq!(code, Some(CloseCode::Size));
}
