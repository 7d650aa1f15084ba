//! The root component: reads the URL, starts the services, lays out the panels.

use std::rc::Rc;
use std::time::Duration;

use dioxus::prelude::*;

use crate::components::anomaly_list::AnomalyList;
use crate::components::cost_gauge::CostGauge;
use crate::components::header::Header;
use crate::components::model_breakdown::ModelBreakdown;
use crate::components::playback_controls::PlaybackControls;
use crate::components::token_chart::TokenChart;
use crate::components::top_customers::TopCustomers;
use crate::logic::settings::{Mode, Settings};
use crate::services::feed::{self, Wake};
use crate::services::{anomalies, browser, clock, frame, history, instrumentation};
use crate::state::{NOW_SECOND, PLAYBACK, SETTINGS};

#[component]
pub fn App() -> Element {
    use_hook(|| {
        instrumentation::init();
        *SETTINGS.write() = Settings::from_query(&browser::location_search());
        anomalies::restore();
    });
    use_services();

    // The URL mirrors the settings, and the feed hears about every change.
    use_effect(|| {
        let query = SETTINGS.read().to_query();
        browser::replace_query(&query);
        feed::wake(Wake::Settings);
    });
    // Historical data reloads only when the mode or range changes; a newer
    // request replaces (and cancels) an older one.
    let history_key = use_memo(|| {
        let s = SETTINGS.read();
        (s.mode, s.range)
    });
    let _history = use_resource(move || {
        let _key = history_key();
        history::load(SETTINGS.peek().clone())
    });

    let layout = use_memo(|| {
        let s = SETTINGS.read();
        (s.wall, s.mode)
    });
    let (wall, mode) = layout();
    rsx! {
        div { class: "app", "data-wall": "{wall}",
            a { class: "skip", href: "#panels", "Skip to panels" }
            Header {}
            if mode == Mode::Historical {
                PlaybackControls {}
            }
            main { id: "panels", class: "grid",
                CostGauge {}
                TokenChart {}
                AnomalyList {}
                ModelBreakdown {}
                TopCustomers {}
            }
        }
    }
}

/// Starts the feed, the frame loop and the clock as tasks of this scope, and
/// the browser listeners as hooks: all end when the root unmounts.
fn use_services() {
    use_hook(|| {
        spawn(feed::run());
        spawn(frame::run());
        spawn(clock_loop());
        let mut listeners = Vec::new();
        if let Some(window) = web_sys::window() {
            if let Some(document) = window.document() {
                listeners.push(gloo_events::EventListener::new(
                    &document,
                    "visibilitychange",
                    |_| feed::wake(Wake::Visibility),
                ));
            }
            for event in ["online", "offline"] {
                listeners.push(gloo_events::EventListener::new(&window, event, |_| {
                    feed::wake(Wake::Network)
                }));
            }
        }
        Rc::new(listeners)
    });
}

/// Four ticks a second: playback steps, and once a second the age label and
/// the live rings move on.
async fn clock_loop() {
    let mut ticks = 0u64;
    loop {
        gloo_timers::future::sleep(Duration::from_millis(250)).await;
        ticks += 1;
        if PLAYBACK.peek().as_ref().is_some_and(|p| p.playing)
            && let Some(p) = PLAYBACK.write().as_mut()
        {
            p.tick(clock::now_ms());
        }
        if ticks.is_multiple_of(4) && browser::is_visible() {
            *NOW_SECOND.write() += 1;
            frame::tick();
        }
    }
}
