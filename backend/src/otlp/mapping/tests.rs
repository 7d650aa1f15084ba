use chrono::Utc;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};

use super::*;
use crate::otlp::attributes::tests::{kv, s};

fn rules() -> Rules {
    let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    Rules {
        tenant_keys: list(&["tenant.id", "service.namespace"]),
        customer_keys: list(&["enduser.id", "user.id", "service.name"]),
        cost_keys: list(&["gen_ai.usage.cost", "response_cost"]),
        cache_apart: list(&["anthropic", "aws.bedrock"]),
    }
}

fn int(v: i64) -> Value {
    Value::IntValue(v)
}

fn span(attributes: Vec<KeyValue>) -> Span {
    let end = Utc::now().timestamp_nanos_opt().unwrap() as u64;
    Span {
        name: "chat".into(),
        start_time_unix_nano: end - 1_250_000_000,
        end_time_unix_nano: end,
        attributes,
        ..Default::default()
    }
}

fn request(resource: Vec<KeyValue>, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: resource,
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

fn map(resource: Vec<KeyValue>, spans: Vec<Span>) -> Mapped {
    map_with(resource, spans, None)
}

fn map_with(resource: Vec<KeyValue>, spans: Vec<Span>, fallback: Option<&str>) -> Mapped {
    map_request(
        &request(resource, spans),
        &rules(),
        fallback,
        &Pricer::builtin(),
        Utc::now(),
    )
}

fn acme() -> Vec<KeyValue> {
    vec![
        kv("tenant.id", s("acme")),
        kv("service.name", s("support-bot")),
    ]
}

fn only(m: &Mapped) -> &MetricUpdate {
    assert_eq!(m.reports.len(), 1, "{:?}", m.messages);
    &m.reports[0]
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

#[test]
fn a_current_semconv_span_becomes_one_priced_call() {
    let m = map(
        acme(),
        vec![span(vec![
            kv("gen_ai.provider.name", s("openai")),
            kv("gen_ai.request.model", s("gpt-4o")),
            kv("gen_ai.response.model", s("gpt-4o-2024-08-06")),
            kv("gen_ai.usage.input_tokens", int(1_000)),
            kv("gen_ai.usage.output_tokens", int(200)),
            kv("enduser.id", s("acme-42")),
        ])],
    );
    let r = only(&m);
    assert_eq!(
        (r.tenant_id.as_str(), r.customer_id.as_str()),
        ("acme", "acme-42")
    );
    // The dated snapshot is recorded under its family.
    assert_eq!(r.model, "gpt-4o");
    assert_eq!(r.metrics.total_calls, 1);
    assert_eq!(r.metrics.total_tokens, 1_200);
    close(r.metrics.total_cost, (1_000.0 * 2.5 + 200.0 * 10.0) / 1e6);
    assert!((r.metrics.avg_latency_ms - 1_250.0).abs() < 1e-6);
    assert_eq!(r.metrics.unpriced_calls, 0);
    assert_eq!((m.ignored, m.rejected, m.unpriced), (0, 0, 0));
}

#[test]
fn older_attribute_names_still_count() {
    let m = map(
        acme(),
        vec![span(vec![
            kv("gen_ai.system", s("openai")),
            kv("gen_ai.request.model", s("gpt-4o-mini")),
            kv("gen_ai.usage.prompt_tokens", int(400)),
            kv("gen_ai.usage.completion_tokens", Value::DoubleValue(100.0)),
            kv("user.id", s("u-7")),
        ])],
    );
    let r = only(&m);
    assert_eq!(
        (r.model.as_str(), r.customer_id.as_str()),
        ("gpt-4o-mini", "u-7")
    );
    assert_eq!(
        (r.metrics.input_tokens, r.metrics.output_tokens),
        (400, 100)
    );
    close(r.metrics.total_cost, (400.0 * 0.15 + 100.0 * 0.6) / 1e6);
}

#[test]
fn openai_counts_cached_tokens_inside_input_tokens() {
    let m = map(
        acme(),
        vec![span(vec![
            kv("gen_ai.provider.name", s("openai")),
            kv("gen_ai.response.model", s("gpt-4o")),
            kv("gen_ai.usage.input_tokens", int(10_000)),
            kv("gen_ai.usage.cache_read.input_tokens", int(8_000)),
            kv("gen_ai.usage.output_tokens", int(500)),
        ])],
    );
    let r = only(&m);
    assert_eq!(r.metrics.input_tokens, 10_000);
    assert_eq!(r.metrics.cache_read_tokens, 8_000);
    // 2,000 uncached at $2.50, 8,000 cached at $1.25, 500 out at $10.
    close(
        r.metrics.total_cost,
        (2_000.0 * 2.5 + 8_000.0 * 1.25 + 500.0 * 10.0) / 1e6,
    );
}

#[test]
fn anthropic_reports_cached_tokens_apart_from_input_tokens() {
    let m = map(
        acme(),
        vec![span(vec![
            kv("gen_ai.provider.name", s("anthropic")),
            kv("gen_ai.response.model", s("claude-sonnet-4-20250514")),
            // Anthropic's usage: 2,000 fresh input, 8,000 read, 1,000 written.
            kv("gen_ai.usage.input_tokens", int(2_000)),
            kv("gen_ai.usage.cache_read_input_tokens", int(8_000)),
            kv("gen_ai.usage.cache_creation_input_tokens", int(1_000)),
            kv("gen_ai.usage.output_tokens", int(500)),
        ])],
    );
    let r = only(&m);
    assert_eq!(r.model, "claude-sonnet-4");
    assert_eq!(r.metrics.input_tokens, 11_000);
    assert_eq!(r.metrics.total_tokens, 11_500);
    assert_eq!(
        (r.metrics.cache_read_tokens, r.metrics.cache_write_tokens),
        (8_000, 1_000)
    );
    close(
        r.metrics.total_cost,
        (2_000.0 * 3.0 + 8_000.0 * 0.3 + 1_000.0 * 3.75 + 500.0 * 15.0) / 1e6,
    );
}

#[test]
fn reasoning_tokens_are_part_of_the_output() {
    let m = map(
        acme(),
        vec![span(vec![
            kv("gen_ai.response.model", s("o3-mini")),
            kv("gen_ai.usage.input_tokens", int(100)),
            kv("gen_ai.usage.output_tokens", int(900)),
            kv("gen_ai.usage.reasoning.output_tokens", int(700)),
        ])],
    );
    let r = only(&m);
    assert_eq!(
        (r.metrics.output_tokens, r.metrics.reasoning_tokens),
        (900, 700)
    );
    close(r.metrics.total_cost, (100.0 * 1.1 + 900.0 * 4.4) / 1e6);
}

#[test]
fn a_cost_attribute_wins_over_the_table_unless_it_is_another_currency() {
    let priced = |extra: Vec<KeyValue>| {
        let mut attrs = vec![
            kv("gen_ai.response.model", s("gpt-4o")),
            kv("gen_ai.usage.input_tokens", int(1_000)),
        ];
        attrs.extend(extra);
        only(&map(acme(), vec![span(attrs)])).metrics.total_cost
    };
    close(
        priced(vec![kv("gen_ai.usage.cost", Value::DoubleValue(0.5))]),
        0.5,
    );
    close(priced(vec![kv("response_cost", s("0.25"))]), 0.25);
    let euros = vec![
        kv("gen_ai.usage.cost", Value::DoubleValue(9.0)),
        kv("gen_ai.usage.cost.currency", s("EUR")),
    ];
    close(priced(euros), 1_000.0 * 2.5 / 1e6);
}

#[test]
fn an_unknown_model_is_counted_but_unpriced() {
    let m = map(
        acme(),
        vec![span(vec![
            kv("gen_ai.request.model", s("acme-finetune-7b")),
            kv("gen_ai.usage.input_tokens", int(50)),
        ])],
    );
    let r = only(&m);
    assert_eq!(r.model, "acme-finetune-7b");
    assert_eq!((r.metrics.total_calls, r.metrics.unpriced_calls), (1, 1));
    assert_eq!(r.metrics.total_cost, 0.0);
    assert_eq!(m.unpriced, 1);
    // With its own cost it is priced.
    let m = map(
        acme(),
        vec![span(vec![
            kv("gen_ai.request.model", s("acme-finetune-7b")),
            kv("gen_ai.usage.cost", Value::DoubleValue(0.01)),
        ])],
    );
    assert_eq!(only(&m).metrics.unpriced_calls, 0);
}

#[test]
fn tenants_and_customers_come_from_the_configured_keys_in_order() {
    let resource = vec![
        kv("service.namespace", s("globex")),
        kv("service.name", s("search")),
    ];
    let one = || vec![span(vec![kv("gen_ai.request.model", s("gpt-4o"))])];
    let r = only(&map(resource.clone(), one())).clone();
    assert_eq!(
        (r.tenant_id.as_str(), r.customer_id.as_str()),
        ("globex", "search")
    );
    // No tenant attribute: the token's tenant, or a rejection that says what to set.
    let bare = vec![kv("service.name", s("search"))];
    let r = only(&map_with(bare.clone(), one(), Some("initech"))).clone();
    assert_eq!(r.tenant_id, "initech");
    let m = map(bare, one());
    assert_eq!(m.rejected, 1);
    assert!(m.messages[0].contains("no tenant"), "{}", m.messages[0]);
    let m = map(vec![kv("tenant.id", s("acme"))], one());
    assert!(m.messages[0].contains("no customer: set the attribute enduser.id or user.id"));
}

#[test]
fn spans_without_a_model_are_ignored_not_rejected() {
    let m = map(
        acme(),
        vec![
            span(vec![kv("http.method", s("GET"))]),
            span(vec![kv("gen_ai.operation.name", s("invoke_agent"))]),
            span(vec![kv("gen_ai.request.model", s("gpt-4o"))]),
        ],
    );
    assert_eq!((m.reports.len(), m.ignored, m.rejected), (1, 2, 0));
}

#[test]
fn bad_spans_are_rejected_one_by_one_with_a_reason() {
    let model = || kv("gen_ai.request.model", s("gpt-4o"));
    let mut no_end = span(vec![model()]);
    no_end.end_time_unix_nano = 0;
    let mut backwards = span(vec![model()]);
    backwards.start_time_unix_nano = backwards.end_time_unix_nano + 1;
    let mut ancient = span(vec![model()]);
    ancient.start_time_unix_nano = 1_000;
    ancient.end_time_unix_nano = 2_000;
    let m = map(
        acme(),
        vec![
            span(vec![model(), kv("gen_ai.usage.input_tokens", int(-5))]),
            span(vec![kv("gen_ai.request.model", s(&"m".repeat(1_000_000)))]),
            span(vec![
                model(),
                kv("gen_ai.usage.cost", Value::DoubleValue(-1.0)),
            ]),
            no_end,
            backwards,
            ancient,
            span(vec![model()]),
        ],
    );
    assert_eq!((m.reports.len(), m.rejected), (1, 6));
    assert!(m.messages[0].contains("spans[0]"), "{}", m.messages[0]);
    assert!(m.messages[0].contains("gen_ai.usage.input_tokens must be a whole number ≥ 0"));
    assert!(
        m.messages[1].contains("at most 128 characters"),
        "{}",
        m.messages[1]
    );
    assert!(m.messages[2].contains("gen_ai.usage.cost must be between 0"));
    assert!(m.messages[3].contains("no endTimeUnixNano"));
    assert!(m.messages[4].contains("before startTimeUnixNano"));
    let text = m.error_message();
    assert!(text.ends_with("; and 1 more"), "{text}");
    assert!(
        text.len() < 2_000,
        "the message stays short: {}",
        text.len()
    );
}
