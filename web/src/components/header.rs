//! The header: product name, connection state, data age and the controls
//! (on the wall, a clock instead).

use dioxus::prelude::*;

use crate::components::connection_indicator::ConnectionIndicator;
use crate::components::data_age::DataAge;
use crate::components::poll_controls::PollControls;
use crate::components::theme_toggle::ThemeToggle;
use crate::components::wall_clock::WallClock;
use crate::components::window_controls::WindowControls;
use crate::components::zone_toggle::ZoneToggle;
use crate::state::{ACCESS, SETTINGS};

#[component]
pub fn Header(on_sign_out: EventHandler<()>) -> Element {
    let wall = SETTINGS.read().wall;
    let signed_in = ACCESS.read().token.is_some();
    rsx! {
        header { class: "top",
            div { class: "brand",
                h1 { "FinOps Live" }
                ConnectionIndicator {}
                DataAge {}
            }
            if wall {
                WallClock {}
            } else {
                nav { class: "controls", "aria-label": "Dashboard controls",
                    WindowControls {}
                    PollControls {}
                    ZoneToggle {}
                    ThemeToggle {}
                    if signed_in {
                        button {
                            r#type: "button",
                            class: "btn",
                            "data-action": "sign-out",
                            onclick: move |_| on_sign_out.call(()),
                            "Sign out"
                        }
                    }
                }
            }
        }
    }
}
