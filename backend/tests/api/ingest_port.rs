//! `--ingest-port`: a second listener that serves only ingest. What is sent
//! there is streamed and served on the main port; the dashboard, the
//! WebSocket and the reads are not served there; tokens apply the same;
//! it stops with the server.

use chrono::Utc;
use protocol::{ClientMessage, ServerMessage};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, report, spawn};
use crate::websocket::{connect, hello_cursor, next, send};

fn ingest_url(app: &TestApp, path: &str) -> String {
    let port = app.ingest_port.expect("started with --ingest-port");
    format!("http://127.0.0.1:{port}{path}")
}

async fn post_to_ingest_port(app: &TestApp, body: &Value, token: Option<&str>) -> (u16, Value) {
    let mut request = app.client.post(ingest_url(app, "/api/ingest")).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn a_batch_sent_to_the_ingest_port_reaches_the_main_ports_viewers() {
    let app = spawn(&["--ingest-port", "0"]).await;
    assert_ne!(app.ingest_port, Some(app.port));
    let mut ws = connect(&app).await;
    let cursor = hello_cursor(&mut ws).await;
    send(
        &mut ws,
        &ClientMessage::Subscribe {
            cursor: Some(cursor),
            tick_ms: None,
            filter: Default::default(),
        },
    )
    .await;
    assert!(matches!(
        next(&mut ws).await,
        ServerMessage::Subscribed { .. }
    ));

    let now = Utc::now();
    let updates: Vec<_> = (0..20)
        .map(|i| report(&format!("acme-{i}"), "gpt-4o", now, 1, 0.01))
        .collect();
    let (status, body) = post_to_ingest_port(&app, &json!({ "updates": updates }), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"accepted": 20}));

    let mut streamed = 0u64;
    while streamed < 20 {
        if let ServerMessage::Delta { updates, .. } = next(&mut ws).await {
            streamed += updates.iter().map(|u| u64::from(u.samples)).sum::<u64>();
        }
    }
    assert_eq!(
        streamed, 20,
        "every report once, over the main port's socket"
    );
    let (status, stats) = app.get_json("/api/stats?window=5m").await;
    assert_eq!(status, 200);
    assert_eq!(stats["totals"]["totalCalls"], json!(20), "{stats}");
}

#[actix_web::test]
async fn the_ingest_port_serves_nothing_but_ingest() {
    let app = spawn(&["--ingest-port", "0"]).await;
    for path in ["/", "/index.html", "/api/stats", "/api/metrics", "/ws"] {
        let response = app
            .client
            .get(ingest_url(&app, path))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status().as_u16(), 404, "GET {path}");
        let body: Value = response.json().await.expect("a JSON error body");
        assert_eq!(error_code(&body), "not_found", "GET {path}: {body}");
    }
    let port = app.ingest_port.expect("an ingest port");
    let upgrade = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/ws")).await;
    assert!(upgrade.is_err(), "no WebSocket on the ingest port");
    let health = app
        .client
        .get(ingest_url(&app, "/healthz"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(health.status().as_u16(), 200, "health checks work there");
    // Without the flag there is no second listener.
    assert_eq!(spawn(&[]).await.ingest_port, None);
}

#[actix_web::test]
async fn the_ingest_port_checks_tokens_and_limits_like_the_main_port() {
    let app = spawn(&["--ingest-port", "0", "--api-token", "s3cret"]).await;
    let body = json!({"updates": [report("acme-1", "gpt-4o", Utc::now(), 1, 0.01)]});
    let (status, error) = post_to_ingest_port(&app, &body, None).await;
    assert_eq!(status, 401);
    assert_eq!(error_code(&error), "unauthorized");
    let (status, _) = post_to_ingest_port(&app, &body, Some("wrong")).await;
    assert_eq!(status, 401);
    let (status, accepted) = post_to_ingest_port(&app, &body, Some("s3cret")).await;
    assert_eq!(status, 200, "{accepted}");
    let (status, invalid) =
        post_to_ingest_port(&app, &json!({"updates": [{}]}), Some("s3cret")).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&invalid), "invalid_body");
    app.wait_for_reports(1).await;
}

#[actix_web::test]
async fn the_ingest_port_stops_with_the_server() {
    let app = spawn(&["--ingest-port", "0"]).await;
    let url = ingest_url(&app, "/healthz");
    assert!(app.client.get(&url).send().await.is_ok());
    app.stopper.stop().await;
    let after = reqwest::Client::new().get(&url).send().await;
    assert!(after.is_err(), "nothing listens there once stopped");
}

#[actix_web::test]
async fn a_taken_ingest_port_fails_start_up() {
    use clap::Parser;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = taken.local_addr().expect("bound").port().to_string();
    let config = backend::config::Config::try_parse_from([
        "backend",
        "--port",
        "0",
        "--ephemeral",
        "--no-simulator",
        "--ingest-port",
        &port,
    ])
    .expect("flags parse");
    let started = backend::startup::Application::build(config).await;
    assert!(started.is_err(), "start-up says the ingest port is taken");
}
