//! Anomaly alerts: newest first, filtered by review status.

use dioxus::prelude::*;

use crate::components::anomaly_item::AnomalyItem;
use crate::components::anomaly_row::AnomalyRow;
use crate::components::panel::{Panel, Placeholder};
use crate::logic::anomaly_book::{AnomalyBook, Filter};
use crate::logic::format::{clock as clock_time, zone};
use crate::logic::settings::Mode;
use crate::services::{anomalies, clock, instrumentation};
use crate::state::{ANOMALIES, HISTORY, History, OVERDUE_SINCE, PLAYBACK, SETTINGS, UNDO};

/// Items listed at once.
const SHOWN: usize = 30;
/// Full cards on the wall; the rest are compact rows.
const WALL_CARDS: usize = 3;

#[component]
pub fn AnomalyList() -> Element {
    instrumentation::panel_rendered();
    let mut filter = use_signal(Filter::default);
    let wall = SETTINGS.read().wall;
    let book = ANOMALIES.read();
    let offset = clock::shown_offset();
    // Historical mode replays anomalies too: those started in the range, up to the playhead.
    let replay = match (&*HISTORY.read(), PLAYBACK.read().as_ref()) {
        (History::Loaded { from, .. }, Some(p)) if SETTINGS.read().mode == Mode::Historical => {
            Some((*from, p.position))
        }
        _ => None,
    };
    let items: Vec<_> = book
        .visible(filter())
        .into_iter()
        .filter(|a| replay.is_none_or(|(from, at)| a.started_at >= from && a.started_at <= at))
        .collect();
    let open = book.count(Filter::Open);
    let subtitle = match (replay, open) {
        (Some(_), _) => "started in the range, up to the playhead".to_string(),
        (None, 0) => "nothing open".to_string(),
        (None, 1) => "1 open".to_string(),
        (None, n) => format!("{n} open"),
    };
    let subtitle = format!("{subtitle} · times {}", zone(offset));
    let actions = if wall {
        rsx! {}
    } else {
        rsx! {
            label { class: "select-label",
                span { class: "visually-hidden", "Show anomalies" }
                select {
                    "aria-label": "Show anomalies",
                    onchange: move |e| {
                        if let Some(f) = Filter::ALL.into_iter().find(|f| f.label() == e.value()) {
                            filter.set(f);
                        }
                    },
                    for f in Filter::ALL {
                        option { value: f.label(), selected: filter() == f, "{f.label()} ({book.count(f)})" }
                    }
                }
            }
        }
    };
    let undo = UNDO.read().clone().filter(|_| !wall);
    rsx! {
        Panel { name: "anomalies", title: "Anomalies", subtitle,
            actions,
            if let Some(u) = undo {
                div { class: "undo-bar", role: "status",
                    span {
                        if u.status == protocol::AnomalyStatus::Dismissed { "Dismissed " } else { "Acknowledged " }
                        strong { "{u.entity}" }
                        "."
                    }
                    button { r#type: "button", class: "btn btn-small", "data-action": "undo",
                        onclick: move |_| anomalies::undo(),
                        "Undo"
                    }
                }
            }
            if !book.loaded {
                Placeholder { text: "Loading anomalies…" }
            } else if items.is_empty() {
                Placeholder {
                    text: match (filter(), *OVERDUE_SINCE.read()) {
                        // Silence from the server is not an all-clear.
                        (Filter::Open, Some(since)) => format!(
                            "No data since {} {}: anomalies since then are unknown.",
                            clock_time(since, offset, true),
                            zone(offset)
                        ),
                        (Filter::Open, None) => "No open anomalies. Spend is within its baselines.".into(),
                        _ => "None here.".into(),
                    }
                }
            } else {
                if wall {
                    WallAnomalies { items: items.into_iter().cloned().collect::<Vec<_>>(), offset }
                } else {
                    ul { class: "anomaly-list",
                        for (i, a) in items.iter().take(SHOWN).enumerate() {
                            AnomalyItem {
                                key: "{a.id}",
                                anomaly: (*a).clone(),
                                status: book.status_of(a),
                                offset,
                                readonly: false,
                                next: items.get(i + 1).or_else(|| i.checked_sub(1).and_then(|p| items.get(p))).map(|n| n.id.clone()),
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The wall: the most pressing few as cards (critical first, then the
/// largest excess spend), every other one as a compact row, so all open
/// anomalies are on screen without input.
#[component]
fn WallAnomalies(items: Vec<protocol::Anomaly>, offset: chrono::FixedOffset) -> Element {
    let mut ranked: Vec<&protocol::Anomaly> = items.iter().collect();
    AnomalyBook::wall_order(&mut ranked);
    let rest = ranked.len().saturating_sub(WALL_CARDS);
    rsx! {
        ul { class: "anomaly-list",
            for a in ranked.iter().take(WALL_CARDS) {
                AnomalyItem {
                    key: "{a.id}",
                    anomaly: (*a).clone(),
                    status: a.status,
                    offset,
                    readonly: true,
                }
            }
        }
        if rest > 0 {
            p { class: "anomaly-more", "+{rest} more" }
            ul { class: "anomaly-rows",
                for a in ranked.iter().skip(WALL_CARDS) {
                    AnomalyRow { key: "{a.id}", anomaly: (*a).clone() }
                }
            }
        }
    }
}
