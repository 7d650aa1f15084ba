//! The root component: reads the URL, starts the services, lays out the panels.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use dioxus::prelude::*;
use futures_channel::mpsc::{UnboundedSender, unbounded};

use crate::components::announcer::Announcer;
use crate::components::anomaly_list::AnomalyList;
use crate::components::budget_panel::BudgetPanel;
use crate::components::cost_gauge::CostGauge;
use crate::components::filter_bar::{FilterBar, Suggestion};
use crate::components::header::Header;
use crate::components::model_breakdown::ModelBreakdown;
use crate::components::outage_banner::OutageBanner;
use crate::components::playback_controls::PlaybackControls;
use crate::components::sign_in::SignIn;
use crate::components::spend_chart::SpendChart;
use crate::components::token_chart::TokenChart;
use crate::components::top_customers::TopCustomers;
use crate::hooks::use_panel_view;
use crate::logic::connection::overdue_since;
use crate::logic::feed_machine::Wake;
use crate::logic::settings::{Mode, Settings};
use crate::logic::views;
use crate::services::frame::{self, Frame};
use crate::services::{
    access, anomalies, browser, budgets, clock, comparison, feed, filter, history, instrumentation,
};
use crate::state::{ACCESS, LINK, NOW_SECOND, OVERDUE_SINCE, PLAYBACK, SETTINGS};

#[component]
pub fn App() -> Element {
    use_hook(|| {
        instrumentation::init();
        access::init();
        *SETTINGS.write() = Settings::from_query(&browser::location_search());
        anomalies::restore();
    });
    let feed = use_services();

    // The URL mirrors the settings, and the feed hears about every change.
    // A new filter is a new history entry (Back undoes a drill-down) and
    // restarts the feed, whose store holds the old view.
    let settings_wakes = feed.clone();
    let shown_filter = use_hook(|| Rc::new(RefCell::new(None)));
    use_effect(move || {
        let feed = &settings_wakes;
        let s = SETTINGS.read();
        let previous = shown_filter.replace(Some(s.filter.clone()));
        let new_filter = previous.is_some_and(|f| f != s.filter);
        browser::set_query(&s.to_query(), new_filter);
        if new_filter {
            let _ = feed.unbounded_send(Wake::Filter);
            spawn(anomalies::refresh());
        } else {
            let _ = feed.unbounded_send(Wake::Settings);
        }
    });
    // The page root carries the theme the stylesheet switches on.
    use_effect(|| browser::set_root_theme(SETTINGS.read().root_theme().map(|t| t.as_str())));
    // Historical data reloads only when the mode, range or filter changes; a
    // newer request replaces (and cancels) an older one.
    let history_key = use_memo(|| {
        let s = SETTINGS.read();
        (s.mode, s.range, s.filter.clone())
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
    let current_filter = use_memo(|| SETTINGS.read().filter.clone());
    // Month to date follows the filter: a new one restarts the loader.
    let _budgets = use_resource(move || {
        let _filter = current_filter();
        budgets::keep_loaded()
    });
    // Yesterday (for the gauge) and the overlay's period follow the view.
    let comparison_key = use_memo(|| {
        let s = SETTINGS.read();
        (s.mode, s.range, s.filter.clone(), s.compare)
    });
    let _comparison = use_resource(move || {
        let _key = comparison_key();
        comparison::keep_loaded(SETTINGS.peek().clone())
    });
    let customers = use_panel_view(views::customers_view);
    let models = use_panel_view(views::models_view);
    let suggestions = use_memo(move || suggestions(customers(), models()));
    let access = ACCESS.read().clone();
    let (sign_in_wakes, sign_out_wakes) = (feed.clone(), feed);
    rsx! {
        div { class: "app", "data-wall": "{wall}",
            a { class: "skip", href: "#panels", "Skip to panels" }
            if access.refused {
                SignIn {
                    refused_token: access.token.is_some(),
                    on_sign_in: move |token: String| {
                        access::sign_in(&token);
                        let _ = sign_in_wakes.unbounded_send(Wake::Credentials);
                        spawn(anomalies::refresh());
                    },
                }
            }
            Header {
                on_sign_out: move |_| {
                    access::sign_out();
                    let _ = sign_out_wakes.unbounded_send(Wake::Credentials);
                },
            }
            Announcer {}
            OutageBanner {}
            FilterBar {
                filter: current_filter(),
                suggestions: suggestions(),
                wall,
                on_change: filter::set,
            }
            if mode == Mode::Historical {
                PlaybackControls {}
            }
            main { id: "panels", class: "grid",
                CostGauge {}
                SpendChart {}
                AnomalyList {}
                ModelBreakdown {}
                TopCustomers {}
                TokenChart {}
                BudgetPanel {}
            }
        }
    }
}

/// Starts the frame loop, the feed and the clock as tasks of this scope and
/// adds the browser listeners as a hook: all end when the root unmounts.
/// The feed is the one owner of the connection and receives its [`Wake`]s
/// on one channel; the root hands the senders out, to the frame flush (gaps),
/// the browser listeners and (returned) the settings effect.
fn use_services() -> UnboundedSender<Wake> {
    let (wakes, _listeners) = use_hook(|| {
        let (wakes, inbox) = unbounded();
        let frame = frame::start(wakes.clone());
        spawn(feed::run(inbox, frame));
        spawn(clock_loop(frame));
        let mut listeners = Vec::new();
        let wake_on = |target: &web_sys::EventTarget, event: &'static str, reason: Wake| {
            let wakes = wakes.clone();
            gloo_events::EventListener::new(target, event, move |_| {
                let _ = wakes.unbounded_send(reason);
            })
        };
        if let Some(window) = web_sys::window() {
            if let Some(document) = window.document() {
                listeners.push(wake_on(&document, "visibilitychange", Wake::Visibility));
            }
            for event in ["online", "offline"] {
                listeners.push(wake_on(&window, event, Wake::Network));
            }
            // Back and Forward restore the settings their URL holds.
            listeners.push(gloo_events::EventListener::new(&window, "popstate", |_| {
                let mut s = Settings::from_query(&browser::location_search());
                s.paused = SETTINGS.peek().paused;
                *SETTINGS.write() = s;
            }));
        }
        (wakes, Rc::new(listeners))
    });
    wakes
}

/// Four ticks a second: playback steps, and once a second the age label and
/// the live rings move on.
async fn clock_loop(frame: Frame) {
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
            check_overdue();
            frame.tick();
        }
    }
}

/// Marks live data overdue (or fresh again) when the link says so.
fn check_overdue() {
    let since = {
        let s = SETTINGS.peek();
        let link = LINK.peek();
        (s.mode == Mode::Live && !s.paused)
            .then(|| {
                overdue_since(
                    link.last_contact_ms,
                    clock::now_ms(),
                    link.state.transport(),
                    s.poll_secs,
                )
            })
            .flatten()
            .map(clock::server_time_at)
    };
    if *OVERDUE_SINCE.peek() != since {
        *OVERDUE_SINCE.write() = since;
    }
}

/// Names the filter field offers: tenants and customers in view, and every
/// model the catalogue knows or the view shows.
fn suggestions(
    customers: Option<views::CustomersView>,
    models: Option<Vec<crate::logic::aggregate::ModelShare>>,
) -> Vec<Suggestion> {
    use protocol::filter::Dimension;
    let mut out: Vec<Suggestion> = Vec::new();
    let mut push = |dimension: Dimension, name: &str| {
        if !out
            .iter()
            .any(|s| s.dimension == dimension && s.name == name)
        {
            out.push(Suggestion {
                dimension,
                name: name.to_string(),
            });
        }
    };
    for row in customers.iter().flat_map(|c| c.rows.iter()) {
        push(Dimension::Tenant, &row.tenant_id);
        push(Dimension::Customer, &row.customer_id);
    }
    for m in models.iter().flatten() {
        push(Dimension::Model, &m.model);
    }
    for m in protocol::KNOWN_MODELS.iter() {
        push(Dimension::Model, m.id);
    }
    out
}
