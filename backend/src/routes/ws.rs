//! `GET /ws`: upgrades to a WebSocket and starts the session task.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::state::AppState;
use crate::ws::session;

/// Client messages are small; anything bigger is a misbehaving client.
const MAX_CLIENT_FRAME: usize = 64 * 1024;

#[get("/ws")]
pub async fn ws(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream
        .max_frame_size(MAX_CLIENT_FRAME)
        .aggregate_continuations()
        .max_continuation_size(MAX_CLIENT_FRAME);
    actix_web::rt::spawn(session::run(session, stream, state.get_ref().clone()));
    Ok(response)
}
