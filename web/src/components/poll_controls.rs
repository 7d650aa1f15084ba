//! Polling interval and pause / resume.

use dioxus::prelude::*;

use crate::logic::settings::POLL_INTERVALS_SECS;
use crate::state::SETTINGS;

#[component]
pub fn PollControls() -> Element {
    let settings = SETTINGS.read();
    let paused = settings.paused;
    let interval = settings.poll_secs;
    rsx! {
        label { class: "select-label",
            "Poll every "
            select {
                name: "interval",
                "aria-label": "Polling interval",
                onchange: move |e| {
                    if let Ok(secs) = e.value().parse::<u32>()
                        && POLL_INTERVALS_SECS.contains(&secs)
                    {
                        SETTINGS.write().poll_secs = secs;
                    }
                },
                for secs in POLL_INTERVALS_SECS {
                    option { value: "{secs}", selected: secs == interval, "{secs} s" }
                }
            }
        }
        button {
            r#type: "button",
            class: "btn",
            "data-action": if paused { "resume" } else { "pause" },
            "aria-pressed": "{paused}",
            onclick: move |_| {
                let mut s = SETTINGS.write();
                s.paused = !s.paused;
            },
            if paused { "▶ Resume" } else { "❚❚ Pause" }
        }
    }
}
