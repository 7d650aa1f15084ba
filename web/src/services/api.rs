//! The REST API, typed with the `protocol` crate.

use std::fmt;

use gloo_net::http::{Request, RequestBuilder, Response};
use protocol::paths::{self, query};
use protocol::{
    AnomaliesResponse, Anomaly, AnomalyAction, AnomalyActionRequest, ErrorCode, ErrorResponse,
    HistoryResponse, StatusFilter, Timestamp, ViewPollResponse,
};
use serde::de::DeserializeOwned;

use dioxus::prelude::*;

use super::access;
use crate::logic::compare::CompareWith;
use crate::state::SETTINGS;

/// `path?pairs…` plus the viewer's filter, so the server sends only what
/// the view shows.
fn filtered(path: &str, pairs: &[(&str, &str)]) -> String {
    let filter = SETTINGS.peek().filter.clone();
    let mut all: Vec<(&str, &str)> = pairs.to_vec();
    all.extend(filter.to_pairs());
    query(path, &all)
}

/// Why a request failed, in words a viewer can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No response: the server is down or the network is gone.
    Network(String),
    /// The server answered with an error body.
    Server {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The body was not what the protocol says.
    Decode(String),
}

impl ApiError {
    /// The server wants a token, or a token that may do this (401, 403).
    pub fn is_refused(&self) -> bool {
        matches!(
            self,
            ApiError::Server {
                status: 401 | 403,
                ..
            }
        )
    }

    /// Whether retrying the same request later can succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network(_) => true,
            ApiError::Server { status, .. } => *status >= 500 || *status == 429,
            ApiError::Decode(_) => false,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network(_) => write!(f, "cannot reach the server"),
            ApiError::Server {
                status, message, ..
            } => write!(f, "server said {status}: {message}"),
            ApiError::Decode(e) => write!(f, "unexpected response: {e}"),
        }
    }
}

async fn read<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let response = response.map_err(|e| ApiError::Network(e.to_string()))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if (200..300).contains(&status) {
        serde_json::from_str(&text).map_err(|e| ApiError::Decode(e.to_string()))
    } else {
        let (code, message) = match serde_json::from_str::<ErrorResponse>(&text) {
            Ok(body) => (body.error.code, body.error.message),
            Err(_) => (ErrorCode::Unknown, format!("HTTP {status}")),
        };
        if status == 401 || status == 403 {
            access::refused();
        }
        Err(ApiError::Server {
            status,
            code,
            message,
        })
    }
}

/// Adds this tab's token, if it has one.
fn authorized(request: RequestBuilder) -> RequestBuilder {
    match access::token() {
        Some(token) => request.header("Authorization", &format!("Bearer {token}")),
        None => request,
    }
}

async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    read(authorized(Request::get(url)).send().await).await
}

/// `GET /api/view?window=&after=`: the changes of the live view for
/// `window` (and the viewer's filter) after version `after`, or the view in
/// full without one (or when the server no longer has what follows it).
pub async fn view(
    window: protocol::TimeWindow,
    after: Option<u64>,
) -> Result<ViewPollResponse, ApiError> {
    let after = after.map(|v| v.to_string());
    let mut pairs = vec![("window", window.as_str())];
    if let Some(after) = &after {
        pairs.push(("after", after));
    }
    get(&filtered(paths::VIEW, &pairs)).await
}

/// `GET /api/metrics/history?from=&to=&step=` (epoch milliseconds keep the URL plain).
pub async fn history(
    from: Timestamp,
    to: Timestamp,
    step_secs: Option<u64>,
) -> Result<HistoryResponse, ApiError> {
    let (from, to) = (
        from.timestamp_millis().to_string(),
        to.timestamp_millis().to_string(),
    );
    let step = step_secs.map(|s| s.to_string());
    let mut pairs = vec![("from", from.as_str()), ("to", to.as_str())];
    if let Some(step) = &step {
        pairs.push(("step", step));
    }
    get(&filtered(paths::HISTORY, &pairs)).await
}

/// `GET /api/metrics/history?compare=`: what `[from, to)` in buckets of
/// `step_secs` cost `with` earlier (one customer per bucket keeps it small).
pub async fn compared(
    from: Timestamp,
    to: Timestamp,
    step_secs: u64,
    with: CompareWith,
) -> Result<HistoryResponse, ApiError> {
    let (from, to) = (
        from.timestamp_millis().to_string(),
        to.timestamp_millis().to_string(),
    );
    let step = step_secs.to_string();
    let pairs = [
        ("from", from.as_str()),
        ("to", to.as_str()),
        ("step", step.as_str()),
        ("customers", "1"),
        ("compare", with.as_str()),
    ];
    get(&filtered(paths::HISTORY, &pairs)).await
}

/// `GET /api/anomalies?status=all`: newest first.
pub async fn anomalies(limit: usize) -> Result<Vec<Anomaly>, ApiError> {
    let limit = limit.to_string();
    let url = filtered(
        paths::ANOMALIES,
        &[("status", StatusFilter::All.as_str()), ("limit", &limit)],
    );
    let body: AnomaliesResponse = get(&url).await?;
    Ok(body.anomalies)
}

/// `GET /api/budgets`: month to date, forecasts and budgets for the filter.
pub async fn budgets() -> Result<protocol::BudgetsResponse, ApiError> {
    get(&filtered(paths::BUDGETS, &[])).await
}

/// `POST /api/anomalies/{id}/ack`, `/dismiss` or `/reopen`.
pub async fn anomaly_action(
    id: &str,
    action: AnomalyAction,
    reason: Option<String>,
) -> Result<Anomaly, ApiError> {
    let request = authorized(Request::post(&action.path(id)))
        .json(&AnomalyActionRequest { reason })
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    read(request.send().await).await
}
