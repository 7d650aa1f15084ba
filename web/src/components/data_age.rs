//! "Updated N s ago", turning into a stale warning when data stops.

use dioxus::prelude::*;

use crate::logic::connection::age_label;
use crate::services::clock;
use crate::state::{LINK, NOW_SECOND, OVERDUE_SINCE};

#[component]
pub fn DataAge() -> Element {
    let _tick = NOW_SECOND.read();
    let age = LINK
        .read()
        .last_contact_ms
        .map(|t| ((clock::now_ms() - t) / 1000.0).max(0.0) as u64);
    let (text, stale) = age_label(age);
    // Overdue is said once by the outage banner; this counts seconds for the
    // eye and stays silent for screen readers, which it would tell each second.
    let overdue = OVERDUE_SINCE.read().is_some();
    let text = if overdue && !stale {
        age.map_or(text, |s| format!("Stale: no data for {s} s"))
    } else {
        text
    };
    rsx! {
        p { class: "age", "data-stale": "{stale || overdue}", "aria-live": "off", "{text}" }
    }
}
