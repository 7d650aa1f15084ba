//! Window presets and the live / historical toggle.

use dioxus::prelude::*;
use protocol::TimeWindow;

use crate::logic::settings::{Mode, Range};
use crate::state::SETTINGS;

#[component]
pub fn WindowControls() -> Element {
    let settings = SETTINGS.read();
    let mode = settings.mode;
    let range = settings.range;
    rsx! {
        div { class: "control-group", role: "group", "aria-label": "Mode",
            for (m, label) in [(Mode::Live, "Live"), (Mode::Historical, "Historical")] {
                button {
                    r#type: "button",
                    class: "seg",
                    "aria-pressed": "{mode == m}",
                    "data-mode": if m == Mode::Live { "live" } else { "historical" },
                    onclick: move |_| {
                        let mut s = SETTINGS.write();
                        s.mode = m;
                        if m == Mode::Live {
                            s.range = Range::Preset(s.window());
                        }
                    },
                    "{label}"
                }
            }
        }
        div { class: "control-group", role: "group", "aria-label": "Time window",
            for w in TimeWindow::ALL {
                button {
                    r#type: "button",
                    class: "seg",
                    "aria-pressed": "{range == Range::Preset(w)}",
                    "data-window": w.as_str(),
                    onclick: move |_| SETTINGS.write().range = Range::Preset(w),
                    "{w.label()}"
                }
            }
        }
    }
}
