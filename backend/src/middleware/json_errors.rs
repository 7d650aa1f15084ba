//! Error responses the framework makes on its own (a method a route does
//! not have, a static file path it refuses) carry a plain-text or empty
//! body; this gives them the JSON error body every endpoint documents,
//! keeping their status and headers (`Allow` on a 405).

use actix_web::ResponseError;
use actix_web::body::{self, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;

use crate::error::ApiError;

/// Longest framework error body worth reading for its message.
const MAX_ERROR_BODY: usize = 4 * 1024;

/// JSON bodies, and the protobuf `Status` bodies of the OTLP receiver.
fn is_typed(res: &ServiceResponse<impl MessageBody>) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/json") || v.starts_with("application/x-protobuf")
        })
}

fn message(
    status: StatusCode,
    method: &str,
    path: &str,
    allow: Option<&str>,
    text: &str,
) -> String {
    match (status.as_u16(), allow) {
        (405, Some(allow)) => format!("{path} does not answer {method}; it answers {allow}"),
        (405, None) => format!("{path} does not answer {method}"),
        (404, _) => format!("nothing at {path}"),
        _ if !text.trim().is_empty() => text.trim().to_string(),
        _ => status
            .canonical_reason()
            .unwrap_or("request refused")
            .to_string(),
    }
}

pub async fn json_error_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let res = next.call(req).await?;
    let status = res.status();
    // 101 and every success pass untouched, as do bodies already JSON or protobuf.
    if !(status.is_client_error() || status.is_server_error()) || is_typed(&res) {
        return Ok(res.map_into_left_body());
    }
    let (req, res) = res.into_parts();
    let allow = res
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let keep: Vec<_> = res
        .headers()
        .iter()
        .filter(|(name, _)| {
            ![
                header::CONTENT_TYPE,
                header::CONTENT_LENGTH,
                header::CONTENT_ENCODING,
            ]
            .contains(*name)
        })
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let text = body::to_bytes_limited(res.into_body(), MAX_ERROR_BODY)
        .await
        .ok()
        .and_then(Result::ok)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let error = ApiError::new(
        ApiError::code_for_status(status),
        message(
            status,
            req.method().as_str(),
            req.path(),
            allow.as_deref(),
            &text,
        ),
        None,
    );
    let mut json = error.error_response();
    *json.status_mut() = status;
    for (name, value) in keep {
        json.headers_mut().insert(name, value);
    }
    Ok(ServiceResponse::new(req, json).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do() {
        let m = message(
            StatusCode::METHOD_NOT_ALLOWED,
            "TRACE",
            protocol::paths::STATS,
            Some("GET"),
            "",
        );
        assert_eq!(m, "/api/stats does not answer TRACE; it answers GET");
        let m = message(StatusCode::BAD_REQUEST, "GET", "/x", None, "  Bad path  ");
        assert_eq!(m, "Bad path");
        let m = message(StatusCode::BAD_REQUEST, "GET", "/x", None, "");
        assert_eq!(m, "Bad Request");
    }
}
