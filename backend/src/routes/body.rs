//! Reading and parsing JSON request bodies with size limits and errors that
//! name the offending field (`updates[3].metrics.totalCost`).

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use protocol::ErrorCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("request body is larger than the {limit} bytes this server accepts"),
        None,
    )
}

/// Refuses a body that does not say it is JSON (`application/json`, or
/// `application/<something>+json`). Browsers send other types (`text/plain`,
/// forms) from any web page without asking the server first; JSON they
/// only send after a CORS preflight this server answers for its own origin.
pub fn require_json(req: &HttpRequest) -> Result<(), ApiError> {
    let given = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = given
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        return Ok(());
    }
    let got = if given.is_empty() {
        "no content type".to_string()
    } else {
        format!("`{given}`")
    };
    Err(ApiError::new(
        ErrorCode::UnsupportedMediaType,
        format!("this endpoint accepts only `content-type: application/json` bodies, not {got}"),
        Some("Content-Type"),
    ))
}

/// Collects the body, refusing it as soon as it passes `limit` bytes.
pub async fn read(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidBody,
                format!("could not read the request body: {e}"),
                None,
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses JSON, naming the path of the first field that does not fit.
pub fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = (path != ".").then_some(path);
        let message = match &field {
            Some(path) => format!("{path}: {inner}"),
            None => format!("request body is not valid JSON of the expected shape: {inner}"),
        };
        ApiError::new(ErrorCode::InvalidBody, message, field.as_deref())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use protocol::IngestRequest;

    #[test]
    fn only_json_content_types_pass() {
        let with = |ct: &str| {
            let req = TestRequest::default()
                .insert_header((header::CONTENT_TYPE, ct))
                .to_http_request();
            require_json(&req)
        };
        assert!(with("application/json").is_ok());
        assert!(with("Application/JSON; charset=utf-8").is_ok());
        assert!(with("application/merge-patch+json").is_ok());
        for refused in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "application/jsonx",
        ] {
            let err = with(refused).unwrap_err();
            assert_eq!(err.code, ErrorCode::UnsupportedMediaType, "{refused}");
        }
        let none = require_json(&TestRequest::default().to_http_request()).unwrap_err();
        assert!(none.message.contains("no content type"));
    }

    #[test]
    fn errors_name_the_field_path() {
        let body = br#"{"updates":[{"timestamp":"2026-11-23T10:00:00Z","tenantId":"t","customerId":"c",
            "model":"m","metrics":{"totalCalls":"three","totalTokens":1,"totalCost":0,"avgLatencyMs":0}}]}"#;
        let err = json::<IngestRequest>(body).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidBody);
        assert_eq!(err.field.as_deref(), Some("updates[0].metrics.totalCalls"));
        let err = json::<IngestRequest>(b"not json").unwrap_err();
        assert_eq!(err.field, None);
        let err = json::<IngestRequest>(br#"{"updates":[{"timestamp":"yesterday"}]}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("updates[0].timestamp"));
    }
}
