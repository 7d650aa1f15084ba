//! One anomaly as a compact row: the wall lists every open anomaly beyond
//! its few cards this way, so none is out of sight.

use dioxus::prelude::*;
use protocol::models::model_label;
use protocol::{Anomaly, EntityKind, Severity};

use crate::logic::format::usd_per_hour;

#[component]
pub fn AnomalyRow(anomaly: Anomaly) -> Element {
    let a = &anomaly;
    let name = match a.entity.kind {
        EntityKind::Model => format!("Model {}", model_label(&a.entity.id)),
        EntityKind::Tenant => format!("Tenant {}", a.entity.id),
        EntityKind::Customer => format!("Customer {}", a.entity.id),
    };
    let excess = a.cause.excess_usd_per_hour;
    let severity = match a.severity {
        Severity::Critical => "critical",
        Severity::Warning => "warning",
    };
    rsx! {
        li { class: "anomaly-row", "data-severity": severity, "data-anomaly-id": "{a.id}",
            span { class: "severity", "{severity}" }
            span { class: "anomaly-row-name", "{name}" }
            if excess > 0.0 {
                span { class: "anomaly-row-excess", "+{usd_per_hour(excess)}" }
            }
        }
    }
}
