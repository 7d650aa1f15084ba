//! Polling interval and pause / resume.

use dioxus::prelude::*;

use crate::logic::connection::LinkState;
use crate::logic::settings::POLL_INTERVALS_SECS;
use crate::state::{LINK, SETTINGS};

#[component]
pub fn PollControls() -> Element {
    let settings = SETTINGS.read();
    let paused = settings.paused;
    let interval = settings.poll_secs;
    // While the socket streams, the interval is only what a fallback would use.
    let streaming = LINK.read().state == LinkState::Streaming;
    let words = if streaming {
        "Fallback polling every "
    } else {
        "Poll every "
    };
    rsx! {
        label { class: "select-label", "data-testid": "poll-label",
            "{words}"
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
            title: if paused { "Resume live updates" } else { "Pause live updates" },
            onclick: move |_| {
                let mut s = SETTINGS.write();
                s.paused = !s.paused;
            },
            if paused { "▶ Resume live" } else { "❚❚ Pause live" }
        }
    }
}
