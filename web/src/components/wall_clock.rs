//! The wall's clock: the time the figures are read against, with its zone,
//! so a room in another city knows which "now" the screen means.

use dioxus::prelude::*;

use crate::logic::format::{clock, zone};
use crate::services::clock::{server_now, shown_offset};
use crate::state::NOW_SECOND;

#[component]
pub fn WallClock() -> Element {
    let _tick = NOW_SECOND.read();
    let offset = shown_offset();
    let time = clock(server_now(), offset, true);
    rsx! {
        p { class: "wall-clock", "data-testid": "wall-clock", "aria-hidden": "true",
            time { "{time}" }
            " "
            span { class: "wall-zone", "{zone(offset)}" }
        }
    }
}
