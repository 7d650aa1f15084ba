//! Refuses, with 403, any request that could change something (every method
//! but GET, HEAD and OPTIONS, and the WebSocket upgrade) when it comes from a
//! web page of another origin than the server's own or an allowed one.
//! Without this, any page a user visits could acknowledge the team's
//! anomalies or inject spend through "simple" requests that need no CORS
//! preflight, or read every tenant's spend through a WebSocket.

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web;

use crate::auth::origin;
use crate::error::ApiError;
use crate::state::AppState;

fn can_change_anything(req: &ServiceRequest) -> bool {
    !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || req.path() == protocol::paths::WS
}

pub async fn refuse_foreign_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if can_change_anything(&req)
        && let Some(sent) = req.headers().get(header::ORIGIN)
    {
        let info = req.connection_info().clone();
        let own = format!("{}://{}", info.scheme(), info.host());
        let allowed = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.config.auth.cors_origins.clone())
            .unwrap_or_default();
        let sent = sent.to_str().unwrap_or("");
        if !origin::is_allowed(sent, &own, &allowed) {
            let error = ApiError::forbidden(
                format!(
                    "requests from the web page origin `{sent}` may not change anything here \
                     (allowed: this server's own origin and --cors-origin)"
                ),
                Some("Origin"),
            );
            return Ok(req
                .into_response(error.error_response())
                .map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}
