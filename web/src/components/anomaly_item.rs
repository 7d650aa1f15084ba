//! One anomaly: what, when, how far off, its trend, and — on hover or focus —
//! what caused it, with acknowledge and dismiss buttons.

use chrono::FixedOffset;
use dioxus::prelude::*;
use protocol::models::model_label;
use protocol::{Anomaly, AnomalyMetric, AnomalyStatus, EntityKind, Severity};

use crate::components::drill_button::DrillButton;
use crate::components::sparkline::Sparkline;
use crate::logic::format::{clock, compact, percent, usd, usd_per_hour};
use crate::services::{anomalies, browser};
use protocol::filter::Dimension;

fn value(metric: AnomalyMetric, v: f64) -> String {
    match metric {
        AnomalyMetric::CostRate => usd_per_hour(v),
        AnomalyMetric::TokensPerCall => format!("{} tokens/call", compact(v)),
        AnomalyMetric::Budget => usd(v),
    }
}

/// What the anomaly is about, its name a drill-down into it.
fn entity(a: &Anomaly, plain: bool) -> Element {
    let id = a.entity.id.clone();
    match (a.entity.kind, &a.entity.tenant_id) {
        (EntityKind::Customer, tenant) => rsx! {
            "Customer "
            DrillButton { dimension: Dimension::Customer, name: id, plain }
            if let Some(t) = tenant { " ({t})" }
        },
        (EntityKind::Tenant, _) => rsx! {
            "Tenant "
            DrillButton { dimension: Dimension::Tenant, name: id, plain }
        },
        (EntityKind::Model, _) => rsx! {
            "Model "
            DrillButton { dimension: Dimension::Model, label: model_label(&id).to_string(), name: id, plain }
        },
    }
}

/// What "expected" means, on hover or focus of it.
const BASELINE_HINT: &str = "Expected: the baseline, what this usually spends at this time of day, learned from its own recent history; the anomaly is how far above it the spend is now.";

/// Records the decision (with the reason, if typed) and moves focus on, as
/// the decided card leaves the list.
fn decide(id: String, status: AnomalyStatus, reason: String, next: Option<String>) {
    let reason = Some(reason.trim().to_string()).filter(|r| !r.is_empty());
    anomalies::review(id, status, reason);
    browser::focus_after_render(match next {
        Some(next) => format!("li.anomaly[data-anomaly-id=\"{next}\"]"),
        None => "#panel-anomalies-title".to_string(),
    });
}

#[component]
pub fn AnomalyItem(
    anomaly: Anomaly,
    status: AnomalyStatus,
    offset: FixedOffset,
    /// Wall display: no buttons, cause always shown.
    #[props(default)]
    readonly: bool,
    /// The card after this one, where focus goes once this one is decided
    /// and leaves the list (the list's heading when there is none).
    #[props(default)]
    next: Option<String>,
) -> Element {
    let a = &anomaly;
    let severity = match a.severity {
        Severity::Critical => "critical",
        Severity::Warning => "warning",
    };
    let when = match a.ended_at {
        None => format!("since {} · ongoing", clock(a.started_at, offset, false)),
        Some(end) => format!(
            "{}–{}",
            clock(a.started_at, offset, false),
            clock(end, offset, false)
        ),
    };
    let ratio = if a.expected > 0.0 {
        format!(" (×{:.1})", a.observed / a.expected)
    } else {
        String::new()
    };
    // The cause is frozen at the peak, so once the rate falls back the peak
    // is what the cause's dollars refer to.
    let peak = (a.peak > a.observed * 1.05).then(|| format!(" · peak {}", value(a.metric, a.peak)));
    let observed: Vec<f64> = a.trend.iter().map(|p| p.observed).collect();
    let expected: Vec<f64> = a.trend.iter().map(|p| p.expected).collect();
    let id = a.id.clone();
    let cause_id = format!("cause-{}", a.id);
    let mut reason = use_signal(String::new);
    let status_text = match status {
        AnomalyStatus::Open => None,
        AnomalyStatus::Acknowledged => Some("Acknowledged"),
        AnomalyStatus::Dismissed => Some("Dismissed"),
    };
    rsx! {
        li {
            class: "anomaly",
            "data-severity": severity,
            "data-anomaly-id": "{a.id}",
            "data-status": match status { AnomalyStatus::Open => "open", AnomalyStatus::Acknowledged => "acknowledged", AnomalyStatus::Dismissed => "dismissed" },
            tabindex: "0",
            "aria-describedby": "{cause_id}",
            div { class: "anomaly-head",
                span { class: "severity", "{severity}" }
                span { class: "anomaly-entity", {entity(a, readonly)} }
                span { class: "anomaly-time", "{when}" }
            }
            div { class: "anomaly-body",
                p { class: "anomaly-values",
                    strong { "{value(a.metric, a.observed)}" }
                    if a.is_budget_forecast() {
                        " forecast for the month, against a {value(a.metric, a.expected)} budget ({percent(a.observed / a.expected.max(f64::MIN_POSITIVE))})"
                    } else if a.metric == AnomalyMetric::Budget {
                        " of {value(a.metric, a.expected)} monthly budget ({percent(a.observed / a.expected.max(f64::MIN_POSITIVE))})"
                    } else {
                        " vs "
                        span { class: "baseline", title: BASELINE_HINT,
                            "{value(a.metric, a.expected)} expected"
                            span { class: "hint-mark", "aria-hidden": "true", "?" }
                        }
                        "{ratio}"
                    }
                    if let Some(peak) = peak {
                        span { class: "anomaly-peak", "{peak}" }
                    }

                }
                Sparkline {
                    observed,
                    expected,
                    label: format!("Trend of {} against its baseline", a.entity.id),
                }
            }
            if let Some(text) = status_text {
                p { class: "anomaly-status", "{text}" }
            }
            if !readonly {
                div { class: "anomaly-actions",
                    if status == AnomalyStatus::Open {
                        input {
                            class: "reason",
                            r#type: "text",
                            maxlength: "500",
                            placeholder: "Reason (optional)",
                            "aria-label": "Reason for acknowledging or dismissing, optional",
                            value: "{reason}",
                            oninput: move |e| reason.set(e.value()),
                        }
                        button {
                            r#type: "button",
                            class: "btn btn-small",
                            "aria-label": "Acknowledge anomaly on {a.entity.id}",
                            onclick: {
                                let (id, next) = (id.clone(), next.clone());
                                move |_| decide(id.clone(), AnomalyStatus::Acknowledged, reason(), next.clone())
                            },
                            "Acknowledge"
                        }
                        button {
                            r#type: "button",
                            class: "btn btn-small btn-quiet",
                            "aria-label": "Dismiss anomaly on {a.entity.id}",
                            onclick: {
                                let (id, next) = (id.clone(), next.clone());
                                move |_| decide(id.clone(), AnomalyStatus::Dismissed, reason(), next.clone())
                            },
                            "Dismiss"
                        }
                    } else {
                        button {
                            r#type: "button",
                            class: "btn btn-small btn-quiet",
                            "aria-label": "Reopen anomaly on {a.entity.id}",
                            onclick: move |_| anomalies::review(id.clone(), AnomalyStatus::Open, None),
                            "Reopen"
                        }
                    }
                }
            }
            div { class: if readonly { "anomaly-cause shown" } else { "anomaly-cause" }, id: "{cause_id}",
                p { "{a.cause.summary}" }
                if !a.cause.contributors.is_empty() {
                    ul { class: "contributors",
                        for c in a.cause.contributors.iter().take(5) {
                            li { key: "{c.customer_id}/{c.model}",
                                span { class: "contrib-bar", style: "width: {(c.share * 100.0).clamp(0.0, 100.0):.0}%" }
                                span { class: "contrib-name",
                                    DrillButton { dimension: Dimension::Customer, name: c.customer_id.clone(), plain: readonly }
                                    " · "
                                    DrillButton { dimension: Dimension::Model, name: c.model.clone(), label: model_label(&c.model).to_string(), plain: readonly }
                                }
                                span { class: "contrib-share", "{percent(c.share)} of excess" }
                                span { class: "contrib-rate", "{usd(c.observed_usd_per_hour)}/h vs {usd(c.expected_usd_per_hour)}/h" }
                            }
                        }
                    }
                }
            }
        }
    }
}
