//! The card every panel sits in: a titled section carrying `data-panel`.
//! When live data is overdue it says so on every panel: dimmed, with the
//! time its figures are as of.

use dioxus::prelude::*;

use crate::logic::format::{clock as clock_time, duration_secs, zone};
use crate::services::clock;
use crate::state::{NOW_SECOND, OVERDUE_SINCE};

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
    let overdue = *OVERDUE_SINCE.read();
    let as_of = overdue.map(|since| {
        // Only an overdue panel re-renders each second, for its age.
        let _tick = NOW_SECOND.read();
        let offset = clock::shown_offset();
        let age = (clock::server_now() - since).num_seconds().max(0) as u64;
        format!(
            "as of {} {} · no data for {}",
            clock_time(since, offset, true),
            zone(offset),
            duration_secs(age)
        )
    });
    rsx! {
        section {
            class: "panel panel-{name}",
            "data-panel": name,
            "data-stale": "{overdue.is_some()}",
            "aria-labelledby": "{heading_id}",
            header { class: "panel-head",
                div {
                    // Focusable from script only: where focus lands when a card leaves.
                    h2 { id: "{heading_id}", tabindex: "-1", "{title}" }
                    if let Some(subtitle) = subtitle {
                        p { class: "panel-sub", "{subtitle}" }
                    }
                    if let Some(as_of) = as_of {
                        // Said once by the outage banner; here it is for the eye.
                        p { class: "panel-as-of", "aria-hidden": "true", "{as_of}" }
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
