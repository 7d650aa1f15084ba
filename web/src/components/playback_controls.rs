//! Play, pause, speed and scrubber for replaying a historical window.

use dioxus::prelude::*;

use crate::components::date_range_picker::DateRangePicker;
use crate::logic::format::playhead;
use crate::logic::playback::SPEEDS;
use crate::services::clock;
use crate::state::{HISTORY, History, PLAYBACK};

#[component]
pub fn PlaybackControls() -> Element {
    let playback = PLAYBACK.read();
    let history = HISTORY.read();
    let offset = clock::shown_offset();
    rsx! {
        div { class: "playback", role: "group", "aria-label": "Playback",
            match (&*history, playback.as_ref()) {
                (History::Loading, _) | (History::Idle, _) => rsx! { p { role: "status", "Loading history…" } },
                (History::Failed(message), _) => rsx! { p { class: "inline-error", role: "alert", "{message}" } },
                (History::Loaded { .. }, None) => rsx! {},
                (History::Loaded { .. }, Some(p)) => {
                    let playing = p.playing;
                    let at = playhead(p.position, offset, (p.to - p.from).num_seconds());
                    let progress = p.progress() * 1000.0;
                    rsx! {
                        button {
                            r#type: "button",
                            class: "btn",
                            "data-action": if playing { "playback-pause" } else { "play" },
                            onclick: move |_| {
                                let mut guard = PLAYBACK.write();
                                if let Some(p) = guard.as_mut() {
                                    if p.playing { p.pause() } else { p.play(clock::now_ms()) }
                                }
                            },
                            if playing { "❚❚ Pause replay" } else { "▶ Play replay" }
                        }
                        label { class: "select-label",
                            "Speed "
                            select {
                                "aria-label": "Playback speed",
                                onchange: move |e| {
                                    if let Ok(speed) = e.value().parse::<u32>()
                                        && let Some(p) = PLAYBACK.write().as_mut()
                                    {
                                        p.set_speed(speed, clock::now_ms());
                                    }
                                },
                                for s in SPEEDS {
                                    option { value: "{s}", selected: s == p.speed, "{s}×" }
                                }
                            }
                        }
                        input {
                            r#type: "range",
                            class: "scrubber",
                            min: "0",
                            max: "1000",
                            step: "1",
                            value: "{progress:.0}",
                            "aria-label": "Playback position",
                            "aria-valuetext": "{at}",
                            oninput: move |e| {
                                if let Ok(v) = e.value().parse::<f64>()
                                    && let Some(p) = PLAYBACK.write().as_mut()
                                {
                                    p.seek(v / 1000.0, clock::now_ms());
                                }
                            },
                        }
                        span { class: "playhead", "data-testid": "playhead", "{at}" }
                    }
                }
            }
            details { class: "custom-range",
                summary { "Custom range…" }
                DateRangePicker {}
            }
        }
    }
}
