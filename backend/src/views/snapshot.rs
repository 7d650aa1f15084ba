//! A view's figures at one moment, from the rollups: the live buckets in the
//! history endpoint's format (same code, same numbers), and the window's
//! totals, models, tenants and top customers as `/api/stats` computes them.

use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use protocol::view::{VIEW_SPAN_SECONDS, VIEW_STEP_SECONDS, round_metrics};
use protocol::{CustomerUsage, HistoryBucket, Metrics, ModelUsage, TenantUsage, Timestamp};

use super::key::ViewKey;
use crate::aggregation::plan;
use crate::aggregation::query::{self, HistoryQuery};
use crate::aggregation::rollups::RollupState;

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Every bucket of the span, oldest first, the newest one still filling.
    pub buckets: Vec<HistoryBucket>,
    pub totals: Metrics,
    pub by_model: Vec<ModelUsage>,
    pub by_tenant: Vec<TenantUsage>,
    pub top_customers: Vec<CustomerUsage>,
    pub spend_rate_per_hour: f64,
}

/// The view `key` as of `now`, numbers rounded to what is shown.
pub fn compute(state: &RollupState, key: &ViewKey, now: Timestamp) -> Snapshot {
    let step_ms = i64::from(VIEW_STEP_SECONDS) * 1000;
    let now_ms = now.timestamp_millis();
    let end_ms = now_ms.div_euclid(step_ms) * step_ms + step_ms;
    let from_ms = end_ms - i64::from(VIEW_SPAN_SECONDS) * 1000;
    let from = Utc.timestamp_millis_opt(from_ms).single().unwrap_or(now);
    let q = HistoryQuery {
        from,
        to: now,
        step: Some(Duration::from_secs(u64::from(VIEW_STEP_SECONDS))),
        customers: 0,
    };
    let plan = plan::plan(state, (from_ms, now_ms), step_ms, 0, now_ms, None);
    let selection = key.names.resolve(&state.names);
    let mut buckets = query::history(state, &q, &plan, &[], &selection).buckets;
    for b in &mut buckets {
        b.customers.clear();
        b.other_customers = None;
        round_metrics(&mut b.totals);
        b.by_model
            .iter_mut()
            .for_each(|m| round_metrics(&mut m.metrics));
        b.by_tenant
            .iter_mut()
            .for_each(|t| round_metrics(&mut t.metrics));
    }
    let window_from = now - TimeDelta::from_std(key.window.duration()).unwrap_or_default();
    let window = query::window(state, window_from, now, now).breakdown(&state.names, &selection);
    let mut totals = window.totals.to_metrics();
    round_metrics(&mut totals);
    let mut by_model = window.models_by_cost(&state.names);
    by_model
        .iter_mut()
        .for_each(|m| round_metrics(&mut m.metrics));
    let mut by_tenant = window.tenants_by_cost(&state.names);
    by_tenant
        .iter_mut()
        .for_each(|t| round_metrics(&mut t.metrics));
    let mut top_customers = window.top_customers(&state.names, key.customers).0;
    top_customers
        .iter_mut()
        .for_each(|c| round_metrics(&mut c.metrics));
    let (rate, _) = query::spend_rates(state, &selection, now);
    Snapshot {
        buckets,
        totals,
        by_model,
        by_tenant,
        top_customers,
        spend_rate_per_hour: (rate * 1e6).round() / 1e6,
    }
}
