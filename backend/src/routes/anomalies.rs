//! `GET /api/anomalies` and the actions people take on one:
//! `POST /api/anomalies/{id}/ack`, `/dismiss`, `/reopen` — one handler, the
//! action given by the route it is mounted on.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, web};
use chrono::Utc;
use protocol::validate::{parse_count, validate_reason};
use protocol::{
    AnomaliesResponse, Anomaly, AnomalyAction, AnomalyActionRequest, ErrorCode, StatusFilter,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::anomaly::Decision;
use crate::auth::{Authorized, Decide, Read};
use crate::error::ApiError;
use crate::routes::body;
use crate::routes::filter::{FilterParams, RequestFilter};
use crate::state::AppState;

/// Largest action body (a reason of 500 characters fits many times over).
const ACTION_BODY_LIMIT: usize = 16 * 1024;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Which anomalies: one status, or all (default).
    #[param(value_type = Option<String>, pattern = "^(open|acknowledged|dismissed|all)$")]
    status: Option<String>,
    /// Most anomalies to return (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
}

fn status_filter(text: Option<&str>) -> Result<StatusFilter, ApiError> {
    let Some(text) = text else {
        return Ok(StatusFilter::All);
    };
    StatusFilter::parse(text).ok_or_else(|| {
        ApiError::invalid(
            "status",
            format!(
                "status `{text}` is not one of {}",
                StatusFilter::WORDS.join(", ")
            ),
        )
    })
}

/// Anomalies, newest first (a tenant-scoped token sees its tenants' only).
#[utoipa::path(
    get,
    path = protocol::paths::ANOMALIES,
    tag = "anomalies",
    params(ListParams, FilterParams),
    responses(
        (status = 200, description = "Anomalies with severity, trend and cause", body = AnomaliesResponse),
        (status = 400, description = "Bad filter", body = protocol::ErrorResponse),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "The token's role may not read", body = protocol::ErrorResponse),
    )
)]
pub async fn list(
    auth: Authorized<Read>,
    state: web::Data<AppState>,
    query: web::Query<ListParams>,
    RequestFilter(filter): RequestFilter,
) -> Result<web::Json<AnomaliesResponse>, ApiError> {
    let status = status_filter(query.status.as_deref())?;
    let limit = parse_count("limit", query.limit.as_deref(), 100, 500)?;
    let anomalies = state.book.read().list_where(
        match status {
            StatusFilter::All => None,
            StatusFilter::Only(s) => Some(s),
        },
        limit,
        |a| auth.caller.sees_anomaly_in(&filter, a),
    );
    Ok(web::Json(AnomaliesResponse { anomalies }))
}

/// The optional body: empty, `null`, `{}` or `{"reason": "…"}`.
fn reason_of(bytes: &[u8]) -> Result<Option<String>, ApiError> {
    let request: Option<AnomalyActionRequest> = if bytes.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        body::json(bytes)?
    };
    let reason = request.and_then(|r| r.reason);
    Ok(validate_reason(reason.as_deref())?)
}

/// Acknowledge, dismiss or reopen (whichever route this is mounted on).
/// The body is optional: none at all, or `null`, `{}` or `{"reason": "…"}`
/// sent as `application/json`. Returns the anomaly as stored.
#[utoipa::path(
    post,
    path = protocol::paths::ANOMALY_ACK,
    tag = "anomalies",
    params(("id" = String, Path, description = "Anomaly id, as listed by GET /api/anomalies")),
    request_body(content = Option<AnomalyActionRequest>, content_type = "application/json", description = "Optional reason (at most 500 characters)"),
    responses(
        (status = 200, description = "The anomaly as stored", body = Anomaly),
        (status = 400, description = "Bad body or reason", body = protocol::ErrorResponse),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "The token may not decide, or the request came from another web origin", body = protocol::ErrorResponse),
        (status = 404, description = "No anomaly with this id (that the token may see)", body = protocol::ErrorResponse),
        (status = 413, description = "Body too large", body = protocol::ErrorResponse),
        (status = 415, description = "The body is not `application/json`", body = protocol::ErrorResponse),
    )
)]
pub async fn decide(
    auth: Authorized<Decide>,
    action: web::Data<AnomalyAction>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<web::Json<Anomaly>, ApiError> {
    let bytes = body::read(&req, payload, ACTION_BODY_LIMIT).await?;
    // The body is optional: a request without one needs no content type,
    // but any body (or any content type) must be JSON.
    if !bytes.is_empty() || req.headers().contains_key(CONTENT_TYPE) {
        body::require_json(&req)?;
    }
    let reason = reason_of(&bytes)?;
    let not_found = || {
        ApiError::new(
            ErrorCode::NotFound,
            format!("no anomaly with id `{id}`"),
            Some("id"),
        )
    };
    // A scoped caller cannot tell another tenant's anomaly from a missing one.
    let visible = state
        .book
        .read()
        .get(&id)
        .is_some_and(|a| auth.caller.sees_anomaly(a));
    if !visible {
        return Err(not_found());
    }
    let decision = Decision {
        status: action.status(),
        reason,
        by: auth.caller.name.clone(),
    };
    let updated = state
        .announcer
        .decided(&id, decision, Utc::now())
        .ok_or_else(not_found)?;
    Ok(web::Json(updated))
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::AnomalyStatus;

    #[test]
    fn status_filters() {
        assert_eq!(status_filter(None).unwrap(), StatusFilter::All);
        assert_eq!(status_filter(Some("all")).unwrap(), StatusFilter::All);
        assert_eq!(
            status_filter(Some("open")).unwrap(),
            StatusFilter::Only(AnomalyStatus::Open)
        );
        assert_eq!(
            status_filter(Some("closed")).unwrap_err().field.as_deref(),
            Some("status")
        );
    }

    #[test]
    fn bodies_may_be_empty_null_or_carry_a_reason() {
        assert_eq!(reason_of(b"").unwrap(), None);
        assert_eq!(reason_of(b"  ").unwrap(), None);
        assert_eq!(reason_of(b"null").unwrap(), None);
        assert_eq!(reason_of(b"{}").unwrap(), None);
        assert_eq!(
            reason_of(br#"{"reason": " batch job "}"#)
                .unwrap()
                .as_deref(),
            Some("batch job")
        );
        assert_eq!(
            reason_of(br#"{"reason": 5}"#).unwrap_err().field.as_deref(),
            Some("reason")
        );
    }
}
