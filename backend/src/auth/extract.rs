//! `Authorized<P>`: an extractor that admits a request when its caller may
//! do `P`'s action. On a server with no tokens everyone may do everything;
//! otherwise a missing or unknown token is 401 and a token whose role does
//! not allow the action is 403.

use std::future::{Ready, ready};
use std::marker::PhantomData;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use protocol::ErrorCode;

use super::bearer::{Presented, presented};
use super::caller::Caller;
use super::roles::Action;
use super::tokens::TokenTable;
use crate::error::ApiError;

/// An action a route needs, as a type.
pub trait Permission {
    const ACTION: Action;
}

/// Reads: usage, anomalies, server metrics, the WebSocket.
pub struct Read;
/// Acknowledge, dismiss, reopen.
pub struct Decide;
/// Sending usage reports.
pub struct Ingest;
/// Changing what the server keeps.
pub struct Administer;

impl Permission for Read {
    const ACTION: Action = Action::Read;
}
impl Permission for Decide {
    const ACTION: Action = Action::Decide;
}
impl Permission for Ingest {
    const ACTION: Action = Action::Ingest;
}
impl Permission for Administer {
    const ACTION: Action = Action::Administer;
}

pub struct Authorized<P> {
    pub caller: Caller,
    _permission: PhantomData<P>,
}

impl<P: Permission> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.app_data::<web::Data<TokenTable>>() {
            Some(tokens) => authorize(tokens, presented(req), P::ACTION),
            None => Err(ApiError::new(
                ErrorCode::Internal,
                "the token table is not mounted",
                None,
            )),
        };
        ready(result.map(|caller| Authorized {
            caller,
            _permission: PhantomData,
        }))
    }
}

/// Who the presented token belongs to, if it may do `action`.
pub fn authorize(
    tokens: &TokenTable,
    presented: Presented,
    action: Action,
) -> Result<Caller, ApiError> {
    if tokens.is_open() {
        return Ok(Caller::open());
    }
    let caller = match presented {
        Presented::Token(token) => tokens.lookup(&token).cloned().ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthorized,
                "the bearer token is not valid",
                Some("Authorization"),
            )
        })?,
        Presented::None => {
            return Err(ApiError::new(
                ErrorCode::Unauthorized,
                "this server needs an `Authorization: Bearer <token>` header",
                Some("Authorization"),
            ));
        }
        Presented::OtherScheme => {
            return Err(ApiError::new(
                ErrorCode::Unauthorized,
                "only `Authorization: Bearer <token>` is accepted",
                Some("Authorization"),
            ));
        }
    };
    if !caller.may(action) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "a {} token may not do this ({action:?})",
                caller.role.as_str()
            ),
            Some("Authorization"),
        ));
    }
    Ok(caller)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Secret;

    #[test]
    fn open_servers_admit_everyone_and_others_check_role() {
        let open = TokenTable::default();
        assert_eq!(
            authorize(&open, Presented::None, Action::Ingest).unwrap(),
            Caller::open()
        );
        let tokens = TokenTable::load(Some(&Secret::new("s3cret")), None).unwrap();
        let code = |p: Presented| authorize(&tokens, p, Action::Read).unwrap_err().code;
        assert_eq!(code(Presented::None), ErrorCode::Unauthorized);
        assert_eq!(code(Presented::OtherScheme), ErrorCode::Unauthorized);
        assert_eq!(
            code(Presented::Token("s3cre".into())),
            ErrorCode::Unauthorized
        );
        assert!(
            authorize(
                &tokens,
                Presented::Token("s3cret".into()),
                Action::Administer
            )
            .is_ok()
        );
    }
}
