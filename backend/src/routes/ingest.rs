//! `POST /api/ingest`: a batch of reports from a real source.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, web};
use chrono::Utc;
use protocol::limits::MAX_INGEST_BATCH;
use protocol::validate::validate_update;
use protocol::{ErrorCode, IngestRequest, IngestResponse};

use crate::actors::aggregator::Ingest as IngestBatch;
use crate::auth::{Authorized, Ingest};
use crate::error::ApiError;
use crate::routes::body;
use crate::state::AppState;
use crate::telemetry::Source;

/// The longest an ingest request waits for its frame's commit.
const DURABLE_WITHIN: Duration = Duration::from_secs(10);

/// Accept a batch whole, or refuse it whole naming the first bad field. A
/// 200 means the batch is in the durable store (it survives `kill -9`).
#[utoipa::path(
    post,
    path = protocol::paths::INGEST,
    tag = "ingest",
    request_body(content = IngestRequest, content_type = "application/json", description = "Up to 20000 raw reports"),
    responses(
        (status = 200, description = "All accepted", body = IngestResponse),
        (status = 400, description = "A report is invalid; `field` says which", body = protocol::ErrorResponse),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "The token may not ingest, or not for this tenant; or the request came from another web origin", body = protocol::ErrorResponse),
        (status = 413, description = "Body or batch too large", body = protocol::ErrorResponse),
        (status = 415, description = "The body is not `application/json`", body = protocol::ErrorResponse),
        (status = 503, description = "Shutting down, or the durable store cannot take the batch (`storage_unavailable`): nothing was accepted", body = protocol::ErrorResponse),
    )
)]
pub async fn ingest(
    auth: Authorized<Ingest>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<IngestResponse>, ApiError> {
    body::require_json(&req)?;
    let bytes = body::read(&req, payload, state.config.server.max_body_bytes).await?;
    let request: IngestRequest = body::json(&bytes)?;
    if request.updates.len() > MAX_INGEST_BATCH {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "a batch holds at most {MAX_INGEST_BATCH} updates; this one has {}",
                request.updates.len()
            ),
            Some("updates"),
        ));
    }
    // A failing store takes nothing: better a 503 the sender retries than
    // a report counted live and never kept.
    if let Some(storage) = &state.storage {
        storage.healthy().map_err(ApiError::storage)?;
    }
    let now = Utc::now();
    for (i, update) in request.updates.iter().enumerate() {
        validate_update(update, now)
            .map_err(|e| ApiError::from(e.within(&format!("updates[{i}]"))))?;
        if !auth.caller.sees_tenant(&update.tenant_id) {
            return Err(ApiError::forbidden(
                format!(
                    "this token may not send reports for tenant `{}`",
                    update.tenant_id
                ),
                Some(&format!("updates[{i}].tenantId")),
            ));
        }
    }
    let receipt = state
        .aggregator
        .send(IngestBatch {
            updates: request.updates,
            source: Source::Http,
        })
        .await
        .map_err(|_| ApiError::unavailable("the aggregator is not running (shutting down?)"))?;
    // Group commit: answer once the frame holding this batch is committed,
    // so a 200 survives a crash of the server.
    if let Some(storage) = &state.storage {
        let waited = Instant::now();
        storage
            .durable(receipt.frame, DURABLE_WITHIN)
            .await
            .map_err(ApiError::storage)?;
        state
            .telemetry
            .ingest_durable_seconds
            .observe(waited.elapsed().as_secs_f64());
    }
    Ok(web::Json(IngestResponse {
        accepted: receipt.accepted as u32,
    }))
}
