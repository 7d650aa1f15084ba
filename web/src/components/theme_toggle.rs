//! Light or dark colours, kept in the URL (`?theme=light|dark`). One toggle
//! button, pressed while the page is dark; without a choice it shows the
//! system's theme. Not on the wall, which is always dark.

use dioxus::prelude::*;

use crate::logic::settings::Theme;
use crate::services::browser;
use crate::state::SETTINGS;

#[component]
pub fn ThemeToggle() -> Element {
    let chosen = SETTINGS.read().theme;
    let shown = Theme::shown(chosen, browser::prefers_dark());
    let dark = shown == Theme::Dark;
    rsx! {
        button {
            r#type: "button",
            class: "btn theme-toggle",
            "data-action": "theme",
            "aria-pressed": "{dark}",
            "aria-label": "Dark theme",
            title: if dark { "Switch to the light theme" } else { "Switch to the dark theme" },
            onclick: move |_| SETTINGS.write().theme = Some(shown.other()),
            span { class: "theme-icon", "aria-hidden": "true", "☾" }
            " Dark"
        }
    }
}
