//! The card every panel sits in: a titled section carrying `data-panel`.

use dioxus::prelude::*;

#[component]
pub fn Panel(
    /// `data-panel` value: gauge, tokens, models, customers or anomalies.
    name: &'static str,
    title: String,
    /// Short context under the title (window, resolution).
    #[props(default)]
    subtitle: Option<String>,
    /// Buttons on the right of the title (CSV download).
    #[props(default)]
    actions: Option<Element>,
    children: Element,
) -> Element {
    let heading_id = format!("panel-{name}-title");
    rsx! {
        section {
            class: "panel panel-{name}",
            "data-panel": name,
            "aria-labelledby": "{heading_id}",
            header { class: "panel-head",
                div {
                    h2 { id: "{heading_id}", "{title}" }
                    if let Some(subtitle) = subtitle {
                        p { class: "panel-sub", "{subtitle}" }
                    }
                }
                if let Some(actions) = actions {
                    div { class: "panel-actions", {actions} }
                }
            }
            div { class: "panel-body", {children} }
        }
    }
}

/// Shown in a panel before its data arrives.
#[component]
pub fn Placeholder(text: String) -> Element {
    rsx! {
        p { class: "placeholder", role: "status", "{text}" }
    }
}
