//! A name that narrows the view to itself when clicked (or on Enter): a
//! tenant or customer in the table, a model in the legend, an anomaly's
//! entity or a contributor to its cause. On the wall it is plain text.

use dioxus::prelude::*;
use protocol::filter::Dimension;

use crate::services::filter;
use crate::state::SETTINGS;

fn kind(d: Dimension) -> &'static str {
    match d {
        Dimension::Tenant => "tenant",
        Dimension::Customer => "customer",
        Dimension::Model => "model",
    }
}

#[component]
pub fn DrillButton(
    dimension: Dimension,
    name: String,
    /// Shown instead of the name (a model's label); the name by default.
    label: Option<String>,
    /// Plain text, as on the wall (a read-only list).
    #[props(default)]
    plain: bool,
) -> Element {
    let text = label.unwrap_or_else(|| name.clone());
    if plain || SETTINGS.read().wall {
        return rsx! { "{text}" };
    }
    let hint = format!("Show only {} {}", kind(dimension), name);
    rsx! {
        button {
            r#type: "button",
            class: "drill",
            "data-drill": "{dimension.param()}",
            title: "{hint}",
            "aria-label": "{text}: {hint}",
            onclick: move |_| filter::drill_to(dimension, &name),
            "{text}"
        }
    }
}
