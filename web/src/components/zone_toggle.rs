//! Local time or UTC for every time on the page, kept in the URL (`?tz=utc`).
//! The local button names the viewer's offset, so the zone is always said.

use dioxus::prelude::*;

use crate::logic::format::zone;
use crate::services::clock;
use crate::state::SETTINGS;

#[component]
pub fn ZoneToggle() -> Element {
    let utc = SETTINGS.read().utc;
    let local = zone(clock::local_offset());
    rsx! {
        div { class: "control-group", role: "group", "aria-label": "Times shown in",
            button {
                r#type: "button",
                class: "seg",
                "aria-pressed": "{!utc}",
                "data-zone": "local",
                title: "Times in your zone, {local}",
                onclick: move |_| SETTINGS.write().utc = false,
                "Local ({local})"
            }
            button {
                r#type: "button",
                class: "seg",
                "aria-pressed": "{utc}",
                "data-zone": "utc",
                title: "Times in UTC",
                onclick: move |_| SETTINGS.write().utc = true,
                "UTC"
            }
        }
    }
}
