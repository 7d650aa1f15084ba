//! `GET`, `PUT` and `DELETE /api/budgets`: monthly budgets, the month so far
//! and its forecast. Reading needs `viewer`; changing needs `admin`.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use protocol::{Budget, BudgetsResponse, TenantProjection};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Administer, Authorized, Read};
use crate::budget::projection::{month, project};
use crate::budget::watcher;
use crate::error::ApiError;
use crate::routes::body;
use crate::routes::filter::{FilterParams, RequestFilter};
use crate::state::AppState;

/// A budget's body is a few names and a number.
const BUDGET_BODY_LIMIT: usize = 4 * 1024;

/// The month so far for the filter (within the token's scope), each tenant
/// it shows, and the budgets of those tenants with spend, forecast, burn
/// and the day each is crossed.
#[utoipa::path(
    get,
    path = protocol::paths::BUDGETS,
    tag = "budgets",
    params(FilterParams),
    responses(
        (status = 200, description = "Month to date, forecasts and budgets", body = BudgetsResponse),
        (status = 400, description = "A malformed filter", body = protocol::ErrorResponse),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "The token's role may not read", body = protocol::ErrorResponse),
    )
)]
pub async fn list(
    auth: Authorized<Read>,
    state: web::Data<AppState>,
    RequestFilter(filter): RequestFilter,
) -> Result<web::Json<BudgetsResponse>, ApiError> {
    let now = Utc::now();
    let view = auth.caller.view(&filter);
    let statuses = watcher::statuses(&state, now);
    let rollups = state.rollups.read();
    let total = project(&rollups, &view, now);
    let mut tenants: Vec<TenantProjection> = rollups
        .names
        .tenant_ids(|name| view.admits_tenant(name))
        .into_iter()
        .map(|id| rollups.names.tenant(id).to_string())
        .map(|tenant| {
            let one = crate::aggregation::NameFilter::tenants([tenant.clone()]).within(&view);
            TenantProjection {
                projection: project(&rollups, &one, now),
                tenant_id: tenant,
            }
        })
        .filter(|t| t.projection.spent_usd > 0.0 || t.projection.forecast_usd > 0.0)
        .collect();
    tenants.sort_by(|a, b| b.projection.spent_usd.total_cmp(&a.projection.spent_usd));
    let budgets = statuses
        .into_iter()
        .filter(|s| view.admits_tenant(&s.budget.tenant_id))
        .collect();
    Ok(web::Json(BudgetsResponse {
        month: month(now),
        currency: "USD".into(),
        as_of: now,
        total,
        tenants,
        budgets,
    }))
}

fn parse(req: &HttpRequest, bytes: &[u8]) -> Result<Budget, ApiError> {
    body::require_json(req)?;
    let budget: Budget = body::json(bytes)?;
    budget.validate()?;
    Ok(budget)
}

/// Sets the monthly budget of a tenant, or of one customer or model in it
/// (one per scope: a second PUT replaces the amount). Kept in the durable
/// store; checked against its thresholds at once.
#[utoipa::path(
    put,
    path = protocol::paths::BUDGETS,
    tag = "budgets",
    request_body(content = Budget, content_type = "application/json"),
    responses(
        (status = 200, description = "The budget as stored", body = Budget),
        (status = 400, description = "A bad field; `field` says which", body = protocol::ErrorResponse),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "Only an admin token may set budgets, or the request came from another web origin", body = protocol::ErrorResponse),
        (status = 413, description = "Body too large", body = protocol::ErrorResponse),
        (status = 415, description = "The body is not `application/json`", body = protocol::ErrorResponse),
        (status = 503, description = "The durable store could not keep it", body = protocol::ErrorResponse),
    )
)]
pub async fn put(
    _auth: Authorized<Administer>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<Budget>, ApiError> {
    let bytes = body::read(&req, payload, BUDGET_BODY_LIMIT).await?;
    let budget = parse(&req, &bytes)?;
    if let Some(storage) = &state.storage {
        let (storage, stored) = (storage.storage().clone(), budget.clone());
        web::block(move || storage.put_budget(&stored))
            .await
            .map_err(|_| ApiError::unavailable("the store write was cancelled"))?
            .map_err(ApiError::storage)?;
    }
    state.budgets.write().put(budget.clone());
    watcher::check(&state, Utc::now());
    Ok(web::Json(budget))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteParams {
    /// The budget's tenant.
    #[param(
        required = true,
        min_length = 1,
        max_length = 128,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$"
    )]
    tenant: Option<String>,
    /// The budget's customer, if it is a customer's.
    #[param(
        min_length = 1,
        max_length = 128,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$"
    )]
    customer: Option<String>,
    /// The budget's model, if it is a model's.
    #[param(
        min_length = 1,
        max_length = 128,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$"
    )]
    model: Option<String>,
}

/// Removes the budget of this scope (its alerts stay in the anomaly list).
#[utoipa::path(
    delete,
    path = protocol::paths::BUDGETS,
    tag = "budgets",
    params(DeleteParams),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "No tenant, or a malformed name", body = protocol::ErrorResponse),
        (status = 401, description = "A token is configured and none (or a wrong one) was sent", body = protocol::ErrorResponse),
        (status = 403, description = "Only an admin token may remove budgets, or the request came from another web origin", body = protocol::ErrorResponse),
        (status = 404, description = "No budget for this scope", body = protocol::ErrorResponse),
        (status = 503, description = "The durable store could not remove it", body = protocol::ErrorResponse),
    )
)]
pub async fn delete(
    _auth: Authorized<Administer>,
    state: web::Data<AppState>,
    query: web::Query<DeleteParams>,
) -> Result<HttpResponse, ApiError> {
    let Some(tenant) = query.tenant.clone() else {
        return Err(ApiError::invalid("tenant", "tenant is required"));
    };
    let scope = Budget {
        tenant_id: tenant,
        customer_id: query.customer.clone(),
        model: query.model.clone(),
        monthly_usd: 1.0,
    };
    scope.validate().map_err(|e| {
        // Name the query parameter, not the body field.
        let field = match e.field.as_str() {
            "tenantId" => "tenant",
            "customerId" => "customer",
            other => other,
        };
        ApiError::invalid(field, e.message.replace(&e.field, field))
    })?;
    if !state
        .budgets
        .read()
        .all()
        .iter()
        .any(|b| b.same_scope(&scope))
    {
        return Err(ApiError::not_found(format!(
            "no budget for {}",
            scope.scope_label()
        )));
    }
    if let Some(storage) = &state.storage {
        let (storage, stored) = (storage.storage().clone(), scope.clone());
        web::block(move || storage.delete_budget(&stored))
            .await
            .map_err(|_| ApiError::unavailable("the store write was cancelled"))?
            .map_err(ApiError::storage)?;
    }
    state.budgets.write().remove(&scope);
    Ok(HttpResponse::NoContent().finish())
}
