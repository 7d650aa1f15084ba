//! `POST /v1/traces` (also `/api/otlp/v1/traces`): OpenTelemetry trace
//! exports over OTLP/HTTP. GenAI spans become usage reports (see
//! `crate::otlp`); the answer is an `ExportTraceServiceResponse` in the
//! request's encoding, with a partial success when some spans were refused.
//! A 200 means the accepted spans are in the durable store.

use std::time::{Duration, Instant};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use prost::Message;
use protocol::ErrorCode;
use protocol::limits::MAX_INGEST_BATCH;

use crate::actors::aggregator::Ingest as IngestBatch;
use crate::auth::{Authorized, Ingest};
use crate::error::ApiError;
use crate::otlp::{Compression, DecodeError, Encoding, Mapped, decode, map_request};
use crate::routes::body;
use crate::state::AppState;
use crate::telemetry::{Source, SpanOutcome};

const DURABLE_WITHIN: Duration = Duration::from_secs(10);

/// `google.rpc.Status`, the error body OTLP/HTTP prescribes for protobuf requests.
#[derive(Clone, PartialEq, prost::Message)]
struct Status {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// The gRPC code matching an HTTP status, for the `Status` body.
fn grpc_code(status: StatusCode) -> i32 {
    match status.as_u16() {
        400 => 3,  // INVALID_ARGUMENT
        401 => 16, // UNAUTHENTICATED
        403 => 7,  // PERMISSION_DENIED
        413 => 8,  // RESOURCE_EXHAUSTED
        503 => 14, // UNAVAILABLE
        _ => 2,    // UNKNOWN
    }
}

/// An error in the request's encoding: `Status` for protobuf, the API's
/// JSON error body for JSON. Unavailability invites a retry in a few seconds.
fn failure(encoding: Encoding, error: ApiError) -> HttpResponse {
    use actix_web::ResponseError;
    let status = error.status_code();
    let mut response = match encoding {
        Encoding::Json => error.error_response(),
        Encoding::Protobuf => HttpResponse::build(status)
            .content_type(encoding.content_type())
            .body(
                Status {
                    code: grpc_code(status),
                    message: error.message,
                }
                .encode_to_vec(),
            ),
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    }
    response
}

fn unsupported_type(given: &str) -> ApiError {
    ApiError::new(
        ErrorCode::UnsupportedMediaType,
        format!(
            "OTLP/HTTP bodies are `application/x-protobuf` or `application/json`, not {}",
            if given.is_empty() {
                "no content type".to_string()
            } else {
                format!("`{given}`")
            }
        ),
        Some("Content-Type"),
    )
}

fn undecodable(e: DecodeError) -> ApiError {
    let code = match e {
        DecodeError::TooLarge(_) => ErrorCode::PayloadTooLarge,
        DecodeError::Encoding(_) => ErrorCode::UnsupportedMediaType,
        DecodeError::Invalid(_) => ErrorCode::InvalidBody,
    };
    ApiError::new(code, e.to_string(), None)
}

/// The success body: a partial success when some spans were refused.
fn answer(encoding: Encoding, mapped: &Mapped) -> HttpResponse {
    let partial = (mapped.rejected > 0).then(|| ExportTracePartialSuccess {
        rejected_spans: i64::try_from(mapped.rejected).unwrap_or(i64::MAX),
        error_message: mapped.error_message(),
    });
    let body = match encoding {
        Encoding::Protobuf => ExportTraceServiceResponse {
            partial_success: partial,
        }
        .encode_to_vec(),
        Encoding::Json => {
            let value = match partial {
                Some(p) => serde_json::json!({"partialSuccess": {
                    "rejectedSpans": p.rejected_spans.to_string(),
                    "errorMessage": p.error_message,
                }}),
                None => serde_json::json!({}),
            };
            value.to_string().into_bytes()
        }
    };
    HttpResponse::Ok()
        .content_type(encoding.content_type())
        .body(body)
}

/// Receive an OpenTelemetry trace export; GenAI spans count as usage.
#[utoipa::path(
    post,
    path = protocol::paths::OTLP_TRACES,
    tag = "ingest",
    request_body(
        description = "An OTLP `ExportTraceServiceRequest`, protobuf or its JSON mapping, optionally gzip- or deflate-encoded",
        content(
            (Vec<u8> = "application/x-protobuf"),
            (Object = "application/json"),
        ),
    ),
    responses(
        (status = 200, description = "An `ExportTraceServiceResponse` in the request's encoding; `partialSuccess` counts and explains refused spans",
         content((Vec<u8> = "application/x-protobuf"), (Object = "application/json"))),
        (status = 400, description = "Not a decodable request (garbage, truncated gzip); protobuf requests get a `google.rpc.Status`",
         content((Vec<u8> = "application/x-protobuf"), (protocol::ErrorResponse = "application/json"))),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "The token may not ingest, or not for a tenant the spans name", body = protocol::ErrorResponse),
        (status = 413, description = "Body (or its decompressed form) too large",
         content((Vec<u8> = "application/x-protobuf"), (protocol::ErrorResponse = "application/json"))),
        (status = 415, description = "Not `application/x-protobuf` or `application/json`, or an unknown content encoding", body = protocol::ErrorResponse),
        (status = 503, description = "Shutting down or the durable store cannot take the spans; retry (`Retry-After`)",
         content((Vec<u8> = "application/x-protobuf"), (protocol::ErrorResponse = "application/json"))),
    )
)]
pub async fn traces(
    auth: Authorized<Ingest>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let given = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(encoding) = Encoding::from_content_type(given) else {
        return Err(unsupported_type(given));
    };
    Ok(match export(&auth, &state, &req, payload, encoding).await {
        Ok(response) => response,
        Err(error) => failure(encoding, error),
    })
}

async fn export(
    auth: &Authorized<Ingest>,
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    encoding: Encoding,
) -> Result<HttpResponse, ApiError> {
    let compression = Compression::from_header(
        req.headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    )
    .map_err(undecodable)?;
    if let Some(storage) = &state.storage {
        storage.healthy().map_err(ApiError::storage)?;
    }
    let limit = state.config.server.max_body_bytes;
    let bytes = body::read(req, payload, limit).await?;
    let plain = decode::decompress(&bytes, compression, limit).map_err(undecodable)?;
    let request = decode::request(&plain, encoding).map_err(undecodable)?;
    let mut mapped = map_request(
        &request,
        &state.otlp_rules,
        auth.caller.only_tenant(),
        &state.pricer,
        Utc::now(),
    );
    if mapped.reports.len() > MAX_INGEST_BATCH {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "an export holds at most {MAX_INGEST_BATCH} GenAI spans; this one has {}",
                mapped.reports.len()
            ),
            None,
        ));
    }
    if let Some(r) = mapped
        .reports
        .iter()
        .find(|r| !auth.caller.sees_tenant(&r.tenant_id))
    {
        return Err(ApiError::forbidden(
            format!("this token may not send spans for tenant `{}`", r.tenant_id),
            None,
        ));
    }
    let t = &state.telemetry;
    t.spans(SpanOutcome::Ignored, mapped.ignored);
    t.spans(SpanOutcome::Rejected, mapped.rejected);
    if !mapped.reports.is_empty() {
        let updates = std::mem::take(&mut mapped.reports);
        let accepted = updates.len() as u64;
        let receipt = state
            .aggregator
            .send(IngestBatch {
                updates,
                source: Source::Otlp,
            })
            .await
            .map_err(|_| ApiError::unavailable("the aggregator is not running (shutting down?)"))?;
        if let Some(storage) = &state.storage {
            let waited = Instant::now();
            storage
                .durable(receipt.frame, DURABLE_WITHIN)
                .await
                .map_err(ApiError::storage)?;
            t.ingest_durable_seconds
                .observe(waited.elapsed().as_secs_f64());
        }
        t.spans(SpanOutcome::Accepted, accepted);
    }
    Ok(answer(encoding, &mapped))
}
