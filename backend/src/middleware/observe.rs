//! Counts and times every request by route pattern (`/api/anomalies/{id}/ack`,
//! not the id), so `/metrics` stays bounded whatever paths are asked for.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::AppState;
use crate::telemetry::{RouteLabel, RouteLabels};

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let telemetry = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.telemetry.clone());
    let res = next.call(req).await?;
    if let Some(t) = telemetry {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "static".into());
        let status = res.status().as_u16();
        t.http_requests
            .get_or_create(&RouteLabels {
                route: route.clone(),
                status,
            })
            .inc();
        t.http_request_seconds
            .get_or_create(&RouteLabel { route })
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(res)
}
