//! `tenant=`, `customer=` and `model=` (each repeatable) on the read
//! endpoints: what a request asks to see. Handlers combine it with the
//! caller's scope ([`Caller::view`]), so a filter narrows and never widens.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use protocol::Filter;

use crate::error::ApiError;

/// The filter parameters as OpenAPI documents them; requests are read by
/// [`parse`], since a derived struct cannot take a repeated key.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
pub struct FilterParams {
    /// Only these tenants (repeatable; within the token's scope).
    #[param(style = Form, explode, max_items = 100, min_length = 1, max_length = 128, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$")]
    tenant: Option<Vec<String>>,
    /// Only these customers (repeatable).
    #[param(style = Form, explode, max_items = 100, min_length = 1, max_length = 128, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$")]
    customer: Option<Vec<String>>,
    /// Only these models (repeatable).
    #[param(style = Form, explode, max_items = 100, min_length = 1, max_length = 128, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$")]
    model: Option<Vec<String>>,
}

/// The request's filter; empty when it names none.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter(pub Filter);

/// The filter in a raw query string; malformed names are a 400 naming the
/// parameter, names never seen simply match nothing.
pub fn parse(query: &str) -> Result<Filter, ApiError> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query)
        .map_err(|e| ApiError::invalid("query", format!("the query string is malformed: {e}")))?;
    Ok(Filter::from_pairs(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?)
}

impl FromRequest for RequestFilter {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req.query_string()).map(RequestFilter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_encoded_names_are_read() {
        let f = parse("tenant=acme&tenant=hooli%20corp&model=gpt-4o&window=1h").unwrap();
        assert_eq!(f.tenants, ["acme", "hooli corp"]);
        assert_eq!(f.models, ["gpt-4o"]);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn an_empty_name_is_a_400_naming_its_parameter() {
        let err = parse("customer=").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("customer"));
    }
}
