//! Month to date: what the view has spent since the first (UTC), where the
//! month is heading (forecast with its 80 % band), each tenant, and every
//! budget with its burn, its forecast burn and the day it is crossed.

use dioxus::prelude::*;
use protocol::format::usd;
use protocol::{BudgetStatus, BudgetsResponse, Projection};

use crate::components::panel::{Panel, Placeholder};
use crate::logic::format::{month_name, percent, short_day};
use crate::state::BUDGETS;

const FORECAST_HINT: &str = "Forecast: this month's spend so far, plus the recent daily rate shaped by the weekday rhythm of the last four weeks for each day left; the range is where 80 % of months like this one end.";
const BURN_HINT: &str =
    "Burn: spent so far as a share of the monthly budget; the marker is the forecast's share.";

#[component]
pub fn BudgetPanel() -> Element {
    let data = BUDGETS.read().clone();
    rsx! {
        Panel { name: "budgets", title: "Month to date", subtitle: data.as_ref().map(|d| format!("USD · {} (UTC)", month_name(&d.month))),
            match data {
                Some(d) => rsx! { MonthToDate { data: d } },
                None => rsx! { Placeholder { text: "Loading the month…" } },
            }
        }
    }
}

fn band(p: &Projection) -> String {
    format!("{}–{}", usd(p.forecast_low_usd), usd(p.forecast_high_usd))
}

/// The month for given data (rendered natively in tests).
#[component]
pub fn MonthToDate(data: BudgetsResponse) -> Element {
    let total = data.total;
    rsx! {
        div { class: "mtd",
            div { class: "mtd-total",
                div {
                    span { class: "mtd-label", "Spent" }
                    strong { class: "mtd-spent", "data-testid": "mtd-spent", "{usd(total.spent_usd)}" }
                }
                div { title: FORECAST_HINT,
                    span { class: "mtd-label", "Forecast " span { class: "hint-mark", "aria-hidden": "true", "?" } }
                    strong { class: "mtd-forecast", "{usd(total.forecast_usd)}" }
                    span { class: "mtd-band", "{band(&total)}" }
                }
            }
            if data.budgets.is_empty() {
                p { class: "hint", "No budgets set. An admin sets one with PUT /api/budgets (see the README)." }
            } else {
                ul { class: "budgets", "aria-label": "Budgets",
                    for s in data.budgets.iter() {
                        BudgetRow { key: "{s.budget.scope_label()}", status: s.clone() }
                    }
                }
            }
            if data.tenants.len() > 1 {
                table { class: "mtd-tenants",
                    thead { tr {
                        th { scope: "col", "Tenant" }
                        th { scope: "col", class: "num", "Spent" }
                        th { scope: "col", class: "num", title: FORECAST_HINT, "Forecast" }
                    } }
                    tbody {
                        for t in data.tenants.iter() {
                            tr { key: "{t.tenant_id}",
                                td { "{t.tenant_id}" }
                                td { class: "num", "{usd(t.projection.spent_usd)}" }
                                td { class: "num", "{usd(t.projection.forecast_usd)}" }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[component]
fn BudgetRow(status: BudgetStatus) -> Element {
    let s = &status;
    let state = if s.burn >= 1.0 {
        "over"
    } else if s.burn >= 0.8 || s.forecast_burn >= 1.0 {
        "warn"
    } else {
        "ok"
    };
    let crossing = match (&s.crosses_on, s.burn >= 1.0) {
        (Some(day), true) => format!("reached on {}", short_day(day)),
        (Some(day), false) => format!("forecast to cross on {}", short_day(day)),
        (None, _) => "forecast to stay under".to_string(),
    };
    rsx! {
        li { class: "budget", "data-state": state,
            div { class: "budget-head",
                span { class: "budget-scope", "{s.budget.scope_label()}" }
                span { class: "budget-amount", "{usd(s.projection.spent_usd)} of {usd(s.budget.monthly_usd)}" }
            }
            div {
                class: "burn",
                role: "meter",
                "aria-valuemin": "0",
                "aria-valuemax": "100",
                "aria-valuenow": "{(s.burn * 100.0).min(100.0):.0}",
                "aria-label": "{s.budget.scope_label()}: {percent(s.burn)} of the budget spent, forecast {percent(s.forecast_burn)}",
                title: BURN_HINT,
                span { class: "burn-fill", style: "width: {(s.burn * 100.0).clamp(0.0, 100.0):.1}%" }
                span { class: "burn-forecast", style: "left: {(s.forecast_burn * 100.0).clamp(0.0, 100.0):.1}%" }
            }
            p { class: "budget-foot",
                "{percent(s.burn)} spent · forecast {percent(s.forecast_burn)} · {crossing}"
            }
        }
    }
}
