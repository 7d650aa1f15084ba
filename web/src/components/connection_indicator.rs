//! Which transport is active and its state: streaming, polling, retrying in
//! N s (attempt k), error, paused, offline.

use dioxus::prelude::*;

use crate::logic::connection::LinkState;
use crate::logic::settings::Mode;
use crate::services::clock;
use crate::state::{LINK, NOW_SECOND, SETTINGS};

#[component]
pub fn ConnectionIndicator() -> Element {
    // Re-read each second so the retry countdown moves.
    if SETTINGS.read().mode == Mode::Historical {
        // A replay is not live, whatever the connection does meanwhile.
        return rsx! {
            p { class: "link", "data-state": "historical", "data-transport": "none", role: "status",
                span { class: "link-dot", "aria-hidden": "true" }
                "Historical · not live"
            }
        };
    }
    let _tick = NOW_SECOND.read();
    let link = LINK.read();
    rsx! { LinkBadge { state: link.state.clone(), now_ms: clock::now_ms() } }
}

#[component]
pub fn LinkBadge(state: LinkState, now_ms: f64) -> Element {
    let transport = state.transport().map_or("none", |t| t.label());
    rsx! {
        p {
            class: "link",
            "data-state": state.kind(),
            "data-transport": transport,
            // Silent: its countdown changes each second; the announcer says the state.
            "aria-live": "off",
            span { class: "link-dot", "aria-hidden": "true" }
            "{state.label(now_ms)}"
        }
    }
}
