//! Reading the bearer token a request presents: `Authorization: Bearer …`
//! (the scheme in any case, RFC 7235), or on a WebSocket upgrade the
//! subprotocol a browser offers instead (see `protocol::ws`).

use actix_web::HttpRequest;
use actix_web::http::header;

/// What a request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    None,
    Token(String),
    /// An `Authorization` header of another scheme, or not text.
    OtherScheme,
}

/// The token in an `Authorization` value, or `None` if it is not a bearer one.
pub fn from_authorization(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

pub fn presented(req: &HttpRequest) -> Presented {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        return match value.to_str().ok().and_then(from_authorization) {
            Some(token) => Presented::Token(token.to_string()),
            None => Presented::OtherScheme,
        };
    }
    req.headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(protocol::ws::token_from_subprotocols)
        .map_or(Presented::None, Presented::Token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_scheme_is_case_insensitive() {
        assert_eq!(from_authorization("Bearer abc"), Some("abc"));
        assert_eq!(from_authorization("bearer abc"), Some("abc"));
        assert_eq!(from_authorization("BEARER   abc  "), Some("abc"));
        assert_eq!(from_authorization("Basic YWJj"), None);
        assert_eq!(from_authorization("Bearer "), None);
        assert_eq!(from_authorization("Bearerabc"), None);
    }

    #[test]
    fn a_websocket_may_offer_its_token_as_a_subprotocol() {
        let offered = format!("finops.v1, {}", protocol::ws::bearer_subprotocol("tok"));
        let req = TestRequest::default()
            .insert_header((header::SEC_WEBSOCKET_PROTOCOL, offered))
            .to_http_request();
        assert_eq!(presented(&req), Presented::Token("tok".into()));
        let basic = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Basic YWJj"))
            .to_http_request();
        assert_eq!(presented(&basic), Presented::OtherScheme);
        assert_eq!(
            presented(&TestRequest::default().to_http_request()),
            Presented::None
        );
    }
}
