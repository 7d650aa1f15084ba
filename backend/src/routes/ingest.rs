//! `POST /api/ingest`: a batch of reports from a real source.

use actix_web::{HttpRequest, post, web};
use chrono::Utc;
use protocol::limits::MAX_INGEST_BATCH;
use protocol::validate::validate_update;
use protocol::{ErrorCode, IngestRequest, IngestResponse};

use crate::actors::aggregator::Ingest;
use crate::auth::Authorized;
use crate::error::ApiError;
use crate::routes::body;
use crate::state::AppState;
use crate::telemetry::Source;

/// Accept a batch whole, or refuse it whole naming the first bad field.
#[utoipa::path(
    tag = "ingest",
    request_body(content = IngestRequest, description = "Up to 20000 raw reports"),
    responses(
        (status = 200, description = "All accepted", body = IngestResponse),
        (status = 400, description = "A report is invalid; `field` says which", body = protocol::ErrorResponse),
        (status = 401, description = "Token required", body = protocol::ErrorResponse),
        (status = 413, description = "Body or batch too large", body = protocol::ErrorResponse),
        (status = 503, description = "Shutting down", body = protocol::ErrorResponse),
    ),
    security(("bearer" = []))
)]
#[post("/api/ingest")]
pub async fn ingest(
    _auth: Authorized,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<IngestResponse>, ApiError> {
    let bytes = body::read(&req, payload, state.config.max_body_bytes).await?;
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
    let now = Utc::now();
    for (i, update) in request.updates.iter().enumerate() {
        validate_update(update, now)
            .map_err(|e| ApiError::from(e.within(&format!("updates[{i}]"))))?;
    }
    let accepted = state
        .aggregator
        .send(Ingest {
            updates: request.updates,
            source: Source::Http,
        })
        .await
        .map_err(|_| ApiError::unavailable("the aggregator is not running (shutting down?)"))?;
    Ok(web::Json(IngestResponse {
        accepted: accepted as u32,
    }))
}
