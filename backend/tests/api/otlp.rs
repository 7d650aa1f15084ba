//! The OpenTelemetry receiver with real requests: protobuf and JSON exports
//! (gzip or not) at both paths, partial successes, hostile bodies, tokens
//! and the counters in `/metrics`. The Python SDK end to end is in
//! `backend/tests/otlp/`.

use std::io::Write;

use chrono::Utc;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use protocol::StatsResponse;
use serde_json::Value;

use crate::access::{ACME_COLLECTOR, ACME_VIEWER, tokens_toml};
use crate::helpers::{TestApp, error_code, spawn, tokens_file};

const PROTOBUF: &str = "application/x-protobuf";

fn kv(key: &str, value: Av) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn text(v: &str) -> Av {
    Av::StringValue(v.into())
}

/// A chat span of `model` by `customer`: `input`/`output` tokens, 800 ms.
fn chat(model: &str, customer: &str, input: i64, output: i64) -> Span {
    let end = Utc::now().timestamp_nanos_opt().unwrap() as u64;
    Span {
        trace_id: vec![7; 16],
        span_id: vec![9; 8],
        name: format!("chat {model}"),
        kind: 3,
        start_time_unix_nano: end - 800_000_000,
        end_time_unix_nano: end,
        attributes: vec![
            kv("gen_ai.operation.name", text("chat")),
            kv("gen_ai.provider.name", text("openai")),
            kv("gen_ai.request.model", text(model)),
            kv("gen_ai.usage.input_tokens", Av::IntValue(input)),
            kv("gen_ai.usage.output_tokens", Av::IntValue(output)),
            kv("enduser.id", text(customer)),
        ],
        ..Default::default()
    }
}

fn export(tenant: Option<&str>, spans: Vec<Span>) -> ExportTraceServiceRequest {
    let mut attributes = vec![kv("service.name", text("support-bot"))];
    if let Some(t) = tenant {
        attributes.push(kv("tenant.id", text(t)));
    }
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes,
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Posts raw bytes to `path`: status, content type and body.
async fn post(
    app: &TestApp,
    path: &str,
    content_type: &str,
    encoding: Option<&str>,
    body: Vec<u8>,
    token: Option<&str>,
) -> (u16, String, Vec<u8>) {
    let mut request = app
        .client
        .post(app.url(path))
        .header("content-type", content_type)
        .body(body);
    if let Some(e) = encoding {
        request = request.header("content-encoding", e);
    }
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let ct = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, response.bytes().await.unwrap().to_vec())
}

async fn stats(app: &TestApp) -> StatsResponse {
    let (status, body) = app.get_json("/api/stats?window=15m").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn prometheus(app: &TestApp) -> String {
    app.get("/metrics").await.text().await.unwrap()
}

#[actix_web::test]
async fn a_protobuf_export_becomes_exact_usage_and_a_full_success() {
    let app = spawn(&[]).await;
    let mut plain_http = chat("gpt-4o", "acme-1", 0, 0);
    plain_http.attributes = vec![kv("http.method", text("GET"))];
    let body = export(
        Some("acme"),
        vec![
            chat("gpt-4o-2024-08-06", "acme-1", 1_000, 200),
            chat("gpt-4o-mini", "acme-2", 2_000, 500),
            chat("gpt-4o", "acme-1", 3_000, 100),
            plain_http,
        ],
    )
    .encode_to_vec();
    let (status, ct, bytes) = post(&app, "/v1/traces", PROTOBUF, None, body, None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(ct, PROTOBUF);
    let answer = ExportTraceServiceResponse::decode(&bytes[..]).unwrap();
    assert_eq!(answer.partial_success, None);

    app.wait_for_reports(3).await;
    let s = stats(&app).await;
    assert_eq!(s.totals.total_calls, 3);
    assert_eq!(s.totals.input_tokens, 6_000);
    assert_eq!(s.totals.output_tokens, 800);
    let expected = (4_000.0 * 2.5 + 300.0 * 10.0 + 2_000.0 * 0.15 + 500.0 * 0.6) / 1e6;
    assert!(
        (s.totals.total_cost - expected).abs() < 1e-12,
        "{}",
        s.totals.total_cost
    );
    let models: Vec<&str> = s.by_model.iter().map(|m| m.model.as_str()).collect();
    assert_eq!(
        models,
        ["gpt-4o", "gpt-4o-mini"],
        "the snapshot joined its family"
    );
    assert!((s.totals.avg_latency_ms - 800.0).abs() < 1e-6);
    let text = prometheus(&app).await;
    assert!(
        text.contains("finops_reports_ingested_total{source=\"otlp\"} 3"),
        "{text}"
    );
    assert!(text.contains("finops_otlp_spans_total{outcome=\"accepted\"} 3"));
    assert!(text.contains("finops_otlp_spans_total{outcome=\"ignored\"} 1"));
    app.stopper.stop().await;
}

#[actix_web::test]
async fn json_exports_with_hex_ids_and_gzip_work_at_both_paths() {
    let app = spawn(&[]).await;
    let request = export(Some("globex"), vec![chat("gpt-4o", "globex-1", 100, 10)]);
    // The crate's JSON mapping writes hex ids and is what OTLP/JSON is.
    let json = serde_json::to_vec(&request).unwrap();
    let as_value: Value = serde_json::from_slice(&json).unwrap();
    let span = &as_value["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(span["traceId"], "07070707070707070707070707070707");
    let (status, ct, bytes) = post(
        &app,
        "/v1/traces",
        "application/json",
        None,
        json.clone(),
        None,
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, "application/json"));
    assert_eq!(
        serde_json::from_slice::<Value>(&bytes).unwrap(),
        serde_json::json!({})
    );
    let (status, _, _) = post(
        &app,
        "/api/otlp/v1/traces",
        "application/json",
        Some("gzip"),
        gzip(&json),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, _) = post(
        &app,
        "/v1/traces",
        PROTOBUF,
        Some("gzip"),
        gzip(&request.encode_to_vec()),
        None,
    )
    .await;
    assert_eq!(status, 200);
    app.wait_for_reports(3).await;
    let s = stats(&app).await;
    assert_eq!(s.totals.total_calls, 3);
    assert_eq!(s.by_tenant[0].tenant_id, "globex");
    app.stopper.stop().await;
}

#[actix_web::test]
async fn a_partly_usable_export_is_taken_in_part_and_says_why() {
    let app = spawn(&[]).await;
    let mut negative = chat("gpt-4o", "acme-1", 0, 0);
    negative
        .attributes
        .push(kv("gen_ai.usage.input_tokens", Av::IntValue(-5)));
    negative.attributes.retain(|a| {
        a.key != "gen_ai.usage.input_tokens"
            || a.value
                != Some(AnyValue {
                    value: Some(Av::IntValue(0)),
                })
    });
    let mut huge = chat("gpt-4o", "acme-1", 1, 1);
    huge.attributes.retain(|a| a.key != "gen_ai.request.model");
    huge.attributes
        .push(kv("gen_ai.request.model", text(&"m".repeat(1_000_000))));
    let body = export(
        Some("acme"),
        vec![
            negative,
            chat("unreleased-model-9", "acme-3", 10, 10),
            huge,
            chat("gpt-4o", "acme-1", 10, 10),
        ],
    );
    let (status, _, bytes) = post(
        &app,
        "/v1/traces",
        PROTOBUF,
        None,
        body.encode_to_vec(),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let partial = ExportTraceServiceResponse::decode(&bytes[..])
        .unwrap()
        .partial_success
        .expect("a partial success");
    assert_eq!(partial.rejected_spans, 2);
    assert!(
        partial.error_message.contains("spans[0]"),
        "{}",
        partial.error_message
    );
    assert!(
        partial
            .error_message
            .contains("gen_ai.usage.input_tokens must be a whole number")
    );
    assert!(partial.error_message.contains("at most 128 characters"));
    // The same in JSON: rejectedSpans as a string (proto3's int64 mapping).
    let (_, _, json) = post(
        &app,
        "/v1/traces",
        "application/json",
        None,
        serde_json::to_vec(&body).unwrap(),
        None,
    )
    .await;
    let json: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["partialSuccess"]["rejectedSpans"], "2");

    app.wait_for_reports(4).await;
    let s = stats(&app).await;
    assert_eq!(s.totals.total_calls, 4);
    // The unknown model is counted, unpriced, never shown as free.
    let unknown = s
        .by_model
        .iter()
        .find(|m| m.model == "unreleased-model-9")
        .unwrap();
    assert_eq!(unknown.metrics.unpriced_calls, 2, "sent twice");
    assert_eq!(unknown.metrics.total_cost, 0.0);
    assert_eq!(s.totals.unpriced_calls, 2);
    let text = prometheus(&app).await;
    assert!(
        text.contains("finops_unpriced_calls_total{source=\"otlp\"} 2"),
        "{text}"
    );
    assert!(text.contains("finops_otlp_spans_total{outcome=\"rejected\"} 4"));
    app.stopper.stop().await;
}

#[actix_web::test]
async fn hostile_bodies_are_refused_with_the_right_status_and_nothing_is_lost() {
    let app = spawn(&[]).await;
    let good = export(Some("acme"), vec![chat("gpt-4o", "acme-1", 10, 10)]).encode_to_vec();
    assert_eq!(
        post(&app, "/v1/traces", PROTOBUF, None, good.clone(), None)
            .await
            .0,
        200
    );

    // Garbage protobuf: 400 with a google.rpc.Status naming the problem.
    let (status, ct, bytes) = post(&app, "/v1/traces", PROTOBUF, None, vec![0xff; 64], None).await;
    assert_eq!((status, ct.as_str()), (400, PROTOBUF));
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("not an OTLP ExportTraceServiceRequest"),
        "{text}"
    );
    // Truncated gzip.
    let zipped = gzip(&good);
    let cut = zipped[..zipped.len() / 2].to_vec();
    assert_eq!(
        post(&app, "/v1/traces", PROTOBUF, Some("gzip"), cut, None)
            .await
            .0,
        400
    );
    // Garbage JSON: the API's JSON error.
    let (status, _, bytes) = post(
        &app,
        "/v1/traces",
        "application/json",
        None,
        b"{\"resourceSpans\":".to_vec(),
        None,
    )
    .await;
    assert_eq!(status, 400);
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(error_code(&body), "invalid_body");
    // Wrong content type: JSON error. Unknown encoding of a protobuf body: a Status.
    for (ct, enc, back) in [
        ("text/plain", None, "application/json"),
        ("application/grpc", None, "application/json"),
        (PROTOBUF, Some("br"), PROTOBUF),
    ] {
        let (status, ct_back, _) = post(&app, "/v1/traces", ct, enc, good.clone(), None).await;
        assert_eq!((status, ct_back.as_str()), (415, back), "{ct} {enc:?}");
    }
    // 20 MB: refused before it is read, and a 20 MB gzip bomb after 8 MiB.
    let (status, _, _) = post(
        &app,
        "/v1/traces",
        PROTOBUF,
        None,
        vec![0; 20_000_000],
        None,
    )
    .await;
    assert_eq!(status, 413);
    let bomb = gzip(&vec![0u8; 20_000_000]);
    assert!(bomb.len() < 1_000_000);
    assert_eq!(
        post(&app, "/v1/traces", PROTOBUF, Some("gzip"), bomb, None)
            .await
            .0,
        413
    );

    // Only the good export counted, and the server still takes more.
    assert_eq!(
        post(&app, "/v1/traces", PROTOBUF, None, good, None).await.0,
        200
    );
    app.wait_for_reports(2).await;
    assert_eq!(stats(&app).await.totals.total_calls, 2);
    app.stopper.stop().await;
}

#[actix_web::test]
async fn otlp_takes_the_same_tokens_as_ingest() {
    let file = tokens_file(&tokens_toml());
    let app = spawn(&["--tokens-file", &file.path().to_string_lossy()]).await;
    let no_tenant = export(None, vec![chat("gpt-4o", "svc-1", 10, 10)]).encode_to_vec();
    assert_eq!(
        post(&app, "/v1/traces", PROTOBUF, None, no_tenant.clone(), None)
            .await
            .0,
        401
    );
    assert_eq!(
        post(
            &app,
            "/v1/traces",
            PROTOBUF,
            None,
            no_tenant.clone(),
            Some(ACME_VIEWER)
        )
        .await
        .0,
        403
    );
    // A token scoped to acme: spans naming no tenant go to acme …
    let (status, _, _) = post(
        &app,
        "/v1/traces",
        PROTOBUF,
        None,
        no_tenant,
        Some(ACME_COLLECTOR),
    )
    .await;
    assert_eq!(status, 200);
    // … and spans naming another tenant are refused whole.
    let globex = export(Some("globex"), vec![chat("gpt-4o", "g-1", 10, 10)]).encode_to_vec();
    let (status, _, bytes) = post(
        &app,
        "/v1/traces",
        PROTOBUF,
        None,
        globex,
        Some(ACME_COLLECTOR),
    )
    .await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&bytes).contains("tenant `globex`"));
    app.wait_for_reports(1).await;
    let (_, body) = app.get_as("/api/stats?window=15m", ACME_VIEWER).await;
    let s: StatsResponse = serde_json::from_value(body).unwrap();
    assert_eq!(s.totals.total_calls, 1);
    assert_eq!(s.by_tenant[0].tenant_id, "acme");
    app.stopper.stop().await;
}
