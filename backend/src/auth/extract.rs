//! `Authorized`: an extractor that admits a request when no API token is
//! configured, or when it carries `Authorization: Bearer <token>`.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use protocol::ErrorCode;

use crate::error::ApiError;
use crate::state::AppState;

pub struct Authorized;

impl FromRequest for Authorized {
    type Error = ApiError;
    type Future = Ready<Result<Authorized, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let expected = req
            .app_data::<web::Data<AppState>>()
            .and_then(|s| s.config.api_token().map(str::to_string));

        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        ready(check(expected.as_deref(), presented))
    }
}

fn check(expected: Option<&str>, presented: Option<&str>) -> Result<Authorized, ApiError> {
    match (expected, presented) {
        (None, _) => Ok(Authorized),
        (Some(expected), Some(presented))
            if constant_time_eq(expected.as_bytes(), presented.as_bytes()) =>
        {
            Ok(Authorized)
        }
        (Some(_), None) => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "this endpoint needs an `Authorization: Bearer <token>` header",
            Some("Authorization"),
        )),
        (Some(_), Some(_)) => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "the bearer token is not valid",
            Some("Authorization"),
        )),
    }
}

/// Compares without stopping at the first difference, so response timing
/// does not reveal how much of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_only_the_right_token() {
        assert!(check(None, None).is_ok());
        assert!(check(None, Some("anything")).is_ok());
        assert!(check(Some("s3cret"), Some("s3cret")).is_ok());
        assert_eq!(
            check(Some("s3cret"), None).err().unwrap().code,
            ErrorCode::Unauthorized
        );
        assert!(check(Some("s3cret"), Some("s3cre")).is_err());
        assert!(check(Some("s3cret"), Some("s3creT")).is_err());
    }
}
