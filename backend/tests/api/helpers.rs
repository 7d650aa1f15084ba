use std::time::Duration;

use backend::config::Config;
use backend::startup::{Application, Stopper};
use backend::state::AppState;
use chrono::{DateTime, Utc};
use clap::Parser;
use protocol::{
    Anomaly, AnomalyMetric, AnomalyStatus, Cause, EntityKind, EntityRef, MetricUpdate, Metrics,
    MetricsResponse, Severity, TrendPoint,
};
use serde_json::Value;

pub struct TestApp {
    pub base: String,
    pub port: u16,
    /// The ingest port, when the server was started with `--ingest-port`.
    pub ingest_port: Option<u16>,
    pub client: reqwest::Client,
    pub state: AppState,
    pub stopper: Stopper,
}

/// Starts a server with the simulator off plus `extra` flags.
pub async fn spawn(extra: &[&str]) -> TestApp {
    let mut args = vec!["--no-simulator"];
    args.extend_from_slice(extra);
    spawn_with(&args).await
}

/// Starts a server with `extra` flags on a free port (the simulator runs
/// unless they say `--no-simulator`).
pub async fn spawn_with(extra: &[&str]) -> TestApp {
    let mut args = vec!["backend", "--port", "0", "--workers", "2"];
    // Memory only unless the test gives the server a data directory.
    if !extra.contains(&"--data-dir") {
        args.push("--ephemeral");
    }
    if !extra.contains(&"--web-dir") {
        args.extend_from_slice(&["--web-dir", "/nonexistent-web-dir"]);
    }
    args.extend_from_slice(extra);

    let config = Config::try_parse_from(args).expect("test flags parse");
    let app = Application::build(config).await.expect("server starts");
    let port = app.port();
    let ingest_port = app.ingest_port();
    let state = app.state().clone();
    let stopper = app.stopper();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        port,
        ingest_port,
        client: reqwest::Client::new(),
        state,
        stopper,
    }
}

pub fn report(
    customer: &str,
    model: &str,
    at: DateTime<Utc>,
    calls: u64,
    cost: f64,
) -> MetricUpdate {
    MetricUpdate {
        seq: 0,
        timestamp: at,
        tenant_id: customer.split('-').next().unwrap_or("acme").to_string(),
        customer_id: customer.to_string(),
        model: model.to_string(),
        samples: 1,
        metrics: Metrics {
            total_calls: calls,
            total_tokens: calls * 1000,
            input_tokens: calls * 800,
            output_tokens: calls * 200,
            total_cost: cost,
            avg_latency_ms: 500.0,
            ..Default::default()
        },
    }
}

pub fn customer_entity(tenant: &str, customer: &str) -> EntityRef {
    EntityRef {
        kind: EntityKind::Customer,
        id: customer.into(),
        tenant_id: Some(tenant.into()),
    }
}

/// An open, critical cost anomaly of `entity` that started `minutes_ago`.
pub fn anomaly(id: &str, entity: EntityRef, minutes_ago: i64) -> Anomaly {
    let started = Utc::now() - chrono::Duration::minutes(minutes_ago);
    Anomaly {
        id: id.into(),
        entity,
        metric: AnomalyMetric::CostRate,
        severity: Severity::Critical,
        score: 9.0,
        started_at: started,
        updated_at: started,
        ended_at: None,
        observed: 500.0,
        expected: 90.0,
        peak: 510.0,
        trend: vec![TrendPoint {
            t: started,
            observed: 500.0,
            expected: 90.0,
        }],
        cause: Cause {
            excess_usd_per_hour: 410.0,
            summary: "82% of the +$410/h over expected came from customer acme-17 on claude-opus-4"
                .into(),
            contributors: vec![],
        },
        status: AnomalyStatus::Open,
        status_reason: None,
        status_changed_by: None,
        status_changed_at: None,
    }
}

/// A tokens file for `--tokens-file`, deleted when dropped.
pub fn tokens_file(toml: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    std::io::Write::write_all(&mut file, toml.as_bytes()).expect("written");
    file
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET` with a bearer token: status and JSON body (`Null` if not JSON).
    pub async fn get_as(&self, path: &str, token: &str) -> (u16, Value) {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `POST` of a JSON body with a bearer token.
    pub async fn post_json_as(&self, path: &str, body: &Value, token: &str) -> (u16, Value) {
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    pub async fn ingest(&self, updates: &[MetricUpdate]) -> (u16, Value) {
        self.post_json("/api/ingest", &serde_json::json!({ "updates": updates }))
            .await
    }

    /// The newest cursor the server has sealed.
    pub fn head(&self) -> u64 {
        self.state.rollups.read().log.head()
    }

    /// Waits until `reports` raw reports have been sealed into the rollups.
    pub async fn wait_for_reports(&self, reports: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.state.rollups.read().reports < reports {
            assert!(
                tokio::time::Instant::now() < deadline,
                "reports were not sealed in 10 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls `/api/metrics` from `cursor` until nothing more is waiting.
    pub async fn drain_feed(&self, mut cursor: u64, limit: usize) -> (Vec<MetricUpdate>, u64) {
        let mut all = Vec::new();
        for _ in 0..10_000 {
            let (status, body) = self
                .get_json(&format!("/api/metrics?cursor={cursor}&limit={limit}"))
                .await;
            assert_eq!(status, 200, "{body}");
            let page: MetricsResponse = serde_json::from_value(body).expect("MetricsResponse");
            cursor = page.cursor;
            all.extend(page.metrics);
            if !page.has_more {
                return (all, cursor);
            }
        }
        panic!("feed never caught up");
    }
}

pub fn error_field(body: &Value) -> Option<&str> {
    body["error"]["field"].as_str()
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}
