//! The same reports as OpenTelemetry GenAI spans, for driving `POST
//! /v1/traces`: one span per report (each report is one call), with the
//! attributes an instrumented app sends, encoded as OTLP protobuf.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use protocol::MetricUpdate;
use protocol::models::model_info;

fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn span(i: usize, u: &MetricUpdate) -> Span {
    let end = u.timestamp.timestamp_nanos_opt().unwrap_or(0).max(0) as u64;
    let took = (u.metrics.avg_latency_ms * 1e6) as u64;
    let text = |s: &str| Value::StringValue(s.to_string());
    let count = |n: u64| Value::IntValue(i64::try_from(n).unwrap_or(i64::MAX));
    let provider = model_info(&u.model).map_or("openai", |m| m.provider_id);
    Span {
        trace_id: (i as u128 + 1).to_be_bytes().to_vec(),
        span_id: (i as u64 + 1).to_be_bytes().to_vec(),
        name: format!("chat {}", u.model),
        kind: 3,
        start_time_unix_nano: end.saturating_sub(took),
        end_time_unix_nano: end,
        attributes: vec![
            kv("gen_ai.operation.name", text("chat")),
            kv("gen_ai.provider.name", text(provider)),
            kv("gen_ai.request.model", text(&u.model)),
            kv("gen_ai.response.model", text(&u.model)),
            kv("gen_ai.usage.input_tokens", count(u.metrics.input_tokens)),
            kv("gen_ai.usage.output_tokens", count(u.metrics.output_tokens)),
            kv("tenant.id", text(&u.tenant_id)),
            kv("enduser.id", text(&u.customer_id)),
        ],
        ..Default::default()
    }
}

/// The protobuf body of an export holding one span per report.
pub fn encode(updates: &[MetricUpdate]) -> Vec<u8> {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", Value::StringValue("load-test".into()))],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: updates
                    .iter()
                    .enumerate()
                    .map(|(i, u)| span(i, u))
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_span_per_report_with_its_usage() {
        let updates = crate::reports::batch(0, 3, 20, chrono::Utc::now());
        let body = encode(&updates);
        let back = ExportTraceServiceRequest::decode(&body[..]).unwrap();
        let spans = &back.resource_spans[0].scope_spans[0].spans;
        assert_eq!(spans.len(), 3);
        let input = spans[1]
            .attributes
            .iter()
            .find(|a| a.key == "gen_ai.usage.input_tokens")
            .and_then(|a| a.value.clone()?.value);
        assert_eq!(
            input,
            Some(Value::IntValue(updates[1].metrics.input_tokens as i64))
        );
        assert!(spans[0].end_time_unix_nano > spans[0].start_time_unix_nano);
    }
}
