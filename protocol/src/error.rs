//! The error body every endpoint returns: `{ "error": { code, message, field } }`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Machine-readable reason; the HTTP status follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a query parameter or path segment is malformed or out of range.
    InvalidParameter,
    /// 400: the request body is not valid JSON of the expected shape.
    InvalidBody,
    /// 401: a bearer token is required and was missing or wrong.
    Unauthorized,
    /// 403: the token is valid but its role or tenants do not allow this, or
    /// the request came from a web page of another origin.
    Forbidden,
    /// 404: no such resource.
    NotFound,
    /// 405: the path exists but not with this method; `Allow` lists those it has.
    MethodNotAllowed,
    /// 410: the cursor is older than the update log keeps; reload a snapshot.
    CursorExpired,
    /// 413: the request body is larger than the server accepts.
    PayloadTooLarge,
    /// 415: the body is not of a content type this endpoint accepts.
    UnsupportedMediaType,
    /// 503: the server is shutting down or overloaded.
    Unavailable,
    /// 503: the durable store cannot take or give data (disk full, not
    /// writable, corrupt); nothing was accepted.
    StorageUnavailable,
    /// 500: a bug; the message says what failed.
    Internal,
    /// A code this client version does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// HTTP status for this code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidParameter | ErrorCode::InvalidBody => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::CursorExpired => 410,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::Unavailable | ErrorCode::StorageUnavailable => 503,
            ErrorCode::Internal | ErrorCode::Unknown => 500,
        }
    }
}

/// What went wrong, for people and programs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// The offending parameter or body path, e.g. `from` or `updates[3].timestamp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorResponse {
    pub error: ApiErrorDetail,
}

impl ErrorResponse {
    pub fn new(code: ErrorCode, message: impl Into<String>, field: Option<String>) -> Self {
        ErrorResponse {
            error: ApiErrorDetail {
                code,
                message: message.into(),
                field,
            },
        }
    }
}

/// A validation failure tied to one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Places the field under a parent path: `timestamp` → `updates[3].timestamp`.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_shape_is_pinned() {
        let body = ErrorResponse::new(
            ErrorCode::InvalidParameter,
            "from must be before to",
            Some("from".into()),
        );
        let value = serde_json::to_value(&body).unwrap();
        assert_eq!(
            value,
            json!({"error": {"code": "invalid_parameter", "message": "from must be before to", "field": "from"}})
        );
        assert_eq!(
            serde_json::from_value::<ErrorResponse>(value).unwrap(),
            body
        );
        let no_field = ErrorResponse::new(ErrorCode::NotFound, "no such anomaly", None);
        assert_eq!(
            serde_json::to_value(&no_field).unwrap(),
            json!({"error": {"code": "not_found", "message": "no such anomaly"}})
        );
    }

    #[test]
    fn unknown_codes_still_parse() {
        let body: ErrorResponse =
            serde_json::from_value(json!({"error": {"code": "teapot", "message": "x"}})).unwrap();
        assert_eq!(body.error.code, ErrorCode::Unknown);
    }

    #[test]
    fn statuses() {
        assert_eq!(ErrorCode::InvalidParameter.status(), 400);
        assert_eq!(ErrorCode::InvalidBody.status(), 400);
        assert_eq!(ErrorCode::Unauthorized.status(), 401);
        assert_eq!(ErrorCode::Forbidden.status(), 403);
        assert_eq!(ErrorCode::NotFound.status(), 404);
        assert_eq!(ErrorCode::MethodNotAllowed.status(), 405);
        assert_eq!(ErrorCode::UnsupportedMediaType.status(), 415);
        assert_eq!(ErrorCode::CursorExpired.status(), 410);
        assert_eq!(ErrorCode::PayloadTooLarge.status(), 413);
        assert_eq!(ErrorCode::Unavailable.status(), 503);
        assert_eq!(ErrorCode::StorageUnavailable.status(), 503);
    }

    #[test]
    fn field_paths_nest() {
        let e = FieldError::new("timestamp", "is in the future").within("updates[3]");
        assert_eq!(e.field, "updates[3].timestamp");
        assert_eq!(e.to_string(), "updates[3].timestamp is in the future");
    }
}
