//! Across the page (and the wall, in type readable from the back of the
//! room) when live data is overdue: since when, and that the figures are as
//! of then. The alert's words stay the same through the outage, so a screen
//! reader says it once; the running age beside it is for the eye.

use dioxus::prelude::*;

use crate::logic::format::{clock as clock_time, duration_secs, zone};
use crate::services::clock;
use crate::state::{NOW_SECOND, OVERDUE_SINCE};

#[component]
pub fn OutageBanner() -> Element {
    let Some(since) = *OVERDUE_SINCE.read() else {
        return rsx! {};
    };
    let _tick = NOW_SECOND.read();
    let offset = clock::shown_offset();
    let age = (clock::server_now() - since).num_seconds().max(0) as u64;
    rsx! {
        div { class: "outage", "data-testid": "outage",
            p { role: "alert",
                strong { "No data since {clock_time(since, offset, true)} {zone(offset)}." }
                " Every figure is as of then; the dashboard reconnects by itself."
            }
            p { class: "outage-age", "aria-hidden": "true", "{duration_secs(age)} without data" }
        }
    }
}
