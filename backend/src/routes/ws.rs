//! `GET /ws`: checks the caller, upgrades to a WebSocket and starts the
//! session task with the caller's tenant scope.

use actix_web::http::header::{HeaderValue, SEC_WEBSOCKET_PROTOCOL};
use actix_web::{HttpRequest, HttpResponse, web};
use protocol::ws::SUBPROTOCOL;

use crate::auth::{Authorized, Read};
use crate::state::AppState;
use crate::ws::session;

/// Client messages are small; anything bigger is a misbehaving client.
pub const MAX_CLIENT_FRAME: usize = 64 * 1024;

pub async fn ws(
    auth: Authorized<Read>,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let (mut response, session, stream) = actix_ws::handle(&req, body)?;
    // A browser that offered subprotocols (its token rides in one) needs the
    // server to pick one, or it drops the connection. Never echo the token.
    let offered = req
        .headers()
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim() == SUBPROTOCOL));
    if offered {
        response.headers_mut().insert(
            SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(SUBPROTOCOL),
        );
    }
    let stream = stream
        .max_frame_size(MAX_CLIENT_FRAME)
        .aggregate_continuations()
        .max_continuation_size(MAX_CLIENT_FRAME);
    let task = session::run(session, stream, state.get_ref().clone(), auth.caller);
    actix_web::rt::spawn(state.sessions.track_future(task));
    Ok(response)
}
