//! `GET /api/anomalies` and the actions people take on one:
//! `POST /api/anomalies/{id}/ack`, `/dismiss`, `/reopen`.

use actix_web::{HttpRequest, get, post, web};
use chrono::Utc;
use protocol::validate::{parse_count, validate_reason};
use protocol::{AnomaliesResponse, Anomaly, AnomalyActionRequest, AnomalyStatus};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authorized;
use crate::error::ApiError;
use crate::routes::body;
use crate::state::AppState;

/// Largest action body (a reason of 500 characters fits many times over).
const ACTION_BODY_LIMIT: usize = 16 * 1024;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// open, acknowledged, dismissed or all (default all).
    status: Option<String>,
    /// Most anomalies to return (1–500, default 100).
    limit: Option<String>,
}

fn status_filter(text: Option<&str>) -> Result<Option<AnomalyStatus>, ApiError> {
    match text.map(str::trim) {
        None | Some("all") => Ok(None),
        Some("open") => Ok(Some(AnomalyStatus::Open)),
        Some("acknowledged") => Ok(Some(AnomalyStatus::Acknowledged)),
        Some("dismissed") => Ok(Some(AnomalyStatus::Dismissed)),
        Some(other) => Err(ApiError::invalid(
            "status",
            format!("status `{other}` is not one of open, acknowledged, dismissed, all"),
        )),
    }
}

/// Anomalies, newest first.
#[utoipa::path(
    tag = "anomalies",
    params(ListParams),
    responses(
        (status = 200, description = "Anomalies with severity, trend and cause", body = AnomaliesResponse),
        (status = 400, description = "Bad filter", body = protocol::ErrorResponse),
    )
)]
#[get("/api/anomalies")]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListParams>,
) -> Result<web::Json<AnomaliesResponse>, ApiError> {
    let status = status_filter(query.status.as_deref())?;
    let limit = parse_count("limit", query.limit.as_deref(), 100, 500)?;
    Ok(web::Json(AnomaliesResponse {
        anomalies: state.book.read().list(status, limit),
    }))
}

async fn act(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    id: &str,
    status: AnomalyStatus,
) -> Result<web::Json<Anomaly>, ApiError> {
    let bytes = body::read(req, payload, ACTION_BODY_LIMIT).await?;
    let request: AnomalyActionRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        AnomalyActionRequest::default()
    } else {
        body::json(&bytes)?
    };
    let reason = validate_reason(request.reason.as_deref())?;
    let updated = state
        .book
        .write()
        .set_status(id, status, reason, Utc::now())
        .ok_or_else(|| {
            ApiError::new(
                protocol::ErrorCode::NotFound,
                format!("no anomaly with id `{id}`"),
                Some("id"),
            )
        })?;

    state.hub.publish_anomaly(&updated);
    let open = state.book.read().open_count();
    state.telemetry.anomalies_open.set(open as i64);
    Ok(web::Json(updated))
}

/// Acknowledge: someone is on it.
#[utoipa::path(
    tag = "anomalies",
    params(("id" = String, Path, description = "Anomaly id, e.g. anm-000017")),
    request_body(content = Option<AnomalyActionRequest>, description = "Optional reason"),
    responses(
        (status = 200, description = "The anomaly as stored", body = Anomaly),
        (status = 400, description = "Bad body", body = protocol::ErrorResponse),
        (status = 401, description = "Token required", body = protocol::ErrorResponse),
        (status = 404, description = "Unknown id", body = protocol::ErrorResponse),
    ),
    security(("bearer" = []))
)]
#[post("/api/anomalies/{id}/ack")]
pub async fn ack(
    _auth: Authorized,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<web::Json<Anomaly>, ApiError> {
    act(&state, &req, payload, &id, AnomalyStatus::Acknowledged).await
}

/// Dismiss: not a problem.
#[utoipa::path(
    tag = "anomalies",
    params(("id" = String, Path, description = "Anomaly id")),
    request_body(content = Option<AnomalyActionRequest>, description = "Optional reason"),
    responses(
        (status = 200, description = "The anomaly as stored", body = Anomaly),
        (status = 400, description = "Bad body", body = protocol::ErrorResponse),
        (status = 401, description = "Token required", body = protocol::ErrorResponse),
        (status = 404, description = "Unknown id", body = protocol::ErrorResponse),
    ),
    security(("bearer" = []))
)]
#[post("/api/anomalies/{id}/dismiss")]
pub async fn dismiss(
    _auth: Authorized,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<web::Json<Anomaly>, ApiError> {
    act(&state, &req, payload, &id, AnomalyStatus::Dismissed).await
}

/// Reopen an acknowledged or dismissed anomaly.
#[utoipa::path(
    tag = "anomalies",
    params(("id" = String, Path, description = "Anomaly id")),
    request_body(content = Option<AnomalyActionRequest>, description = "Optional reason"),
    responses(
        (status = 200, description = "The anomaly as stored", body = Anomaly),
        (status = 401, description = "Token required", body = protocol::ErrorResponse),
        (status = 404, description = "Unknown id", body = protocol::ErrorResponse),
    ),
    security(("bearer" = []))
)]
#[post("/api/anomalies/{id}/reopen")]
pub async fn reopen(
    _auth: Authorized,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<web::Json<Anomaly>, ApiError> {
    act(&state, &req, payload, &id, AnomalyStatus::Open).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_filters() {
        assert_eq!(status_filter(None).unwrap(), None);
        assert_eq!(status_filter(Some("all")).unwrap(), None);
        assert_eq!(
            status_filter(Some("open")).unwrap(),
            Some(AnomalyStatus::Open)
        );
        assert_eq!(
            status_filter(Some("dismissed")).unwrap(),
            Some(AnomalyStatus::Dismissed)
        );
        assert_eq!(
            status_filter(Some("closed")).unwrap_err().field.as_deref(),
            Some("status")
        );
    }
}
