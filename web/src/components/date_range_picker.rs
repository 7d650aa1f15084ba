//! Custom range for historical mode, validated before it is applied:
//! start before end, within the history the server keeps (400 days by
//! default), not in the future.

use chrono::TimeDelta;
use dioxus::prelude::*;

use crate::logic::format::{datetime_local, zone};
use crate::logic::settings::{Mode, Range};
use crate::logic::window::validate_custom;
use crate::services::clock;
use crate::state::SETTINGS;

#[component]
pub fn DateRangePicker() -> Element {
    let offset = clock::shown_offset();
    let initial = use_hook(move || {
        let now = clock::server_now();
        match SETTINGS.peek().range {
            Range::Custom { from, to } => {
                (datetime_local(from, offset), datetime_local(to, offset))
            }
            Range::Preset(_) => (
                datetime_local(now - TimeDelta::hours(1), offset),
                datetime_local(now, offset),
            ),
        }
    });
    let mut from = use_signal(|| initial.0.clone());
    let mut to = use_signal(|| initial.1.clone());
    let mut error = use_signal(|| None::<String>);
    let now = clock::server_now();
    let kept = TimeDelta::seconds(protocol::limits::RETENTION.as_secs() as i64);
    let min = datetime_local(now - kept, offset);
    let max = datetime_local(now, offset);
    rsx! {
        form {
            class: "range-picker",
            "aria-label": "Custom time range",
            onsubmit: move |e| {
                e.prevent_default();
                match validate_custom(&from(), &to(), clock::server_now(), offset) {
                    Ok(range) => {
                        error.set(None);
                        let mut s = SETTINGS.write();
                        s.mode = Mode::Historical;
                        s.range = range;
                    }
                    Err(message) => error.set(Some(message)),
                }
            },
            label {
                "From "
                input { r#type: "datetime-local", name: "from", lang: "en-GB", step: "60", value: "{from}", min: "{min}", max: "{max}",
                    "aria-invalid": "{error().is_some()}",
                    oninput: move |e| from.set(e.value()) }
            }
            label {
                "To "
                input { r#type: "datetime-local", name: "to", lang: "en-GB", step: "60", value: "{to}", min: "{min}", max: "{max}",
                    "aria-invalid": "{error().is_some()}",
                    oninput: move |e| to.set(e.value()) }
            }
            span { class: "range-zone", "times in {zone(offset)}" }
            button { r#type: "submit", class: "btn btn-small", "Apply range" }
            if let Some(message) = error() {
                p { class: "inline-error", role: "alert", "{message}" }
            }
        }
    }
}
