//! The month so far for a filter, read from the in-memory day and hour
//! rings (restored from the store at start-up, so they reach back a year),
//! and each budget's status.

use chrono::{Datelike, Days, NaiveDate};
use protocol::{Budget, BudgetStatus, Projection, Timestamp};

use super::forecast::{Forecast, forecast};
use crate::aggregation::{NameFilter, RollupState};

/// Days of history the forecast reads: four weeks of rhythm and this month.
const HISTORY_DAYS: u64 = 35;

/// Spend per UTC day for what `view` admits, oldest first, ending today;
/// days no server recorded are left out.
pub fn daily_spend(
    state: &RollupState,
    view: &NameFilter,
    now: Timestamp,
) -> Vec<(NaiveDate, f64)> {
    let selection = view.resolve(&state.names);
    let today = now.date_naive();
    (0..=HISTORY_DAYS)
        .rev()
        .filter_map(|back| today.checked_sub_days(Days::new(back)))
        .filter_map(|day| {
            let start = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
            let bucket = state.days.get(start)?;
            Some((day, bucket.selected_totals(&state.names, &selection).cost))
        })
        .collect()
}

fn to_projection(f: &Forecast) -> Projection {
    Projection {
        spent_usd: f.spent,
        forecast_usd: f.forecast,
        forecast_low_usd: f.low,
        forecast_high_usd: f.high,
    }
}

/// The month so far and its forecast for what `view` admits.
pub fn project(state: &RollupState, view: &NameFilter, now: Timestamp) -> Projection {
    to_projection(&forecast(&daily_spend(state, view, now), now, None))
}

/// What a budget covers, as a filter.
pub fn budget_filter(budget: &Budget) -> NameFilter {
    let one = |s: &Option<String>| s.as_ref().map(|v| std::iter::once(v.clone()).collect());
    NameFilter {
        tenants: Some(std::iter::once(budget.tenant_id.clone()).collect()),
        customers: one(&budget.customer_id),
        models: one(&budget.model),
    }
}

pub fn status(state: &RollupState, budget: &Budget, now: Timestamp) -> BudgetStatus {
    let days = daily_spend(state, &budget_filter(budget), now);
    let f = forecast(&days, now, Some(budget.monthly_usd));
    BudgetStatus {
        budget: budget.clone(),
        projection: to_projection(&f),
        burn: f.spent / budget.monthly_usd,
        forecast_burn: f.forecast / budget.monthly_usd,
        crosses_on: f.crosses_on.map(|d| d.format("%Y-%m-%d").to_string()),
    }
}

/// `YYYY-MM` of `now` (UTC).
pub fn month(now: Timestamp) -> String {
    format!("{:04}-{:02}", now.year(), now.month())
}
