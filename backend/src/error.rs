//! `ApiError`: every failure a handler returns, rendered as the JSON error body
//! `{ "error": { code, message, field } }` with the matching status.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::WWW_AUTHENTICATE;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use protocol::{ErrorCode, ErrorResponse, FieldError};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>, field: Option<&str>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: field.map(str::to_string),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidParameter, message, Some(field))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::NotFound, message, None)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Unavailable, message, None)
    }

    pub fn storage(e: crate::storage::StorageError) -> Self {
        ApiError::new(ErrorCode::StorageUnavailable, e.0, None)
    }

    pub fn forbidden(message: impl Into<String>, field: Option<&str>) -> Self {
        ApiError::new(ErrorCode::Forbidden, message, field)
    }

    /// The code for an HTTP status a framework answered with on its own.
    pub fn code_for_status(status: StatusCode) -> ErrorCode {
        match status.as_u16() {
            400 => ErrorCode::InvalidParameter,
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            408 | 503 => ErrorCode::Unavailable,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            _ => ErrorCode::Internal,
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        let message = e.to_string();
        ApiError {
            code: ErrorCode::InvalidParameter,
            message,
            field: Some(e.field),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if self.code == ErrorCode::Unauthorized {
            // RFC 6750: say which scheme the server wants.
            response.insert_header((WWW_AUTHENTICATE, r#"Bearer realm="finops""#));
        }
        response.json(ErrorResponse::new(
            self.code,
            self.message.clone(),
            self.field.clone(),
        ))
    }
}

/// Query strings that do not even parse into the parameter struct.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::new(
        ErrorCode::InvalidParameter,
        format!("query string is malformed: {err}"),
        None,
    )
    .into()
}

/// Path segments that do not parse.
pub fn path_error(err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(
        ErrorCode::InvalidParameter,
        format!("path is malformed: {err}"),
        None,
    )
    .into()
}

/// Unknown `/api/...` routes.
pub async fn api_not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "no endpoint {} {}",
        req.method(),
        req.path()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    #[actix_web::test]
    async fn renders_the_json_body_with_the_right_status() {
        let e: ApiError = FieldError::new("from", "must be before to").into();
        let response = e.error_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body = to_bytes(response.into_body()).await.unwrap();
        let parsed: ErrorResponse = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed.error.code, ErrorCode::InvalidParameter);
        assert_eq!(parsed.error.field.as_deref(), Some("from"));
        assert_eq!(parsed.error.message, "from must be before to");
        assert_eq!(
            ApiError::not_found("x").status_code(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ApiError::new(ErrorCode::PayloadTooLarge, "big", None).status_code(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }
}
