//! "Updated N s ago", turning into a stale warning when data stops.

use dioxus::prelude::*;

use crate::logic::connection::age_label;
use crate::services::clock;
use crate::state::{LINK, NOW_SECOND};

#[component]
pub fn DataAge() -> Element {
    let _tick = NOW_SECOND.read();
    let age = LINK
        .read()
        .last_contact_ms
        .map(|t| ((clock::now_ms() - t) / 1000.0).max(0.0) as u64);
    let (text, stale) = age_label(age);
    rsx! {
        p { class: "age", "data-stale": "{stale}", role: if stale { "alert" } else { "status" }, "{text}" }
    }
}
