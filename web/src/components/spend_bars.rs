//! Spend over time, the main chart: dollars per bucket stacked by model (the
//! window's most expensive models, the rest as one band), the still-filling
//! bucket hatched, a trend line over the totals, anomaly markers on the time
//! axis, and a tooltip (hover, or arrow keys when focused) that names what
//! each model cost. Drawn as SVG in rsx like the token chart (see there why).

use chrono::FixedOffset;
use dioxus::prelude::*;
use protocol::models::model_label;

use crate::components::panel::{Panel, Placeholder};
use crate::components::token_chart::Marker;
use crate::hooks::use_panel_view;
use crate::logic::anomaly_markers::markers;
use crate::logic::chart::{data_trend_with_gaps, ticks_need_seconds, time_ticks, value_ticks};
use crate::logic::colors::model_color;
use crate::logic::format::{clock, day_month, duration_secs, usd};
use crate::logic::settings::Mode;
use crate::logic::spend::{OTHER, SpendView};
use crate::logic::views;
use crate::services::{clock as server_clock, instrumentation};
use crate::state::{ANOMALIES, SETTINGS};

const W: f64 = 600.0;
const H: f64 = 200.0;
/// The "other models" band: a neutral grey, never a model's colour.
const OTHER_COLOR: &str = "#8a96a3";

fn key_color(key: &str) -> &'static str {
    if key == OTHER {
        OTHER_COLOR
    } else {
        model_color(key)
    }
}

fn key_label(key: &str) -> String {
    if key == OTHER {
        "Other models".into()
    } else {
        model_label(key).to_string()
    }
}

#[component]
pub fn SpendChart() -> Element {
    instrumentation::panel_rendered();
    let view = use_panel_view(views::spend);
    let offset = server_clock::local_offset();
    let marks = use_memo(move || {
        let view = view.read();
        let Some(v) = view.as_ref() else {
            return Vec::new();
        };
        markers(ANOMALIES.read().all(), v.from, v.to, offset)
    });
    let subtitle = match (SETTINGS.read().mode, view.read().as_ref()) {
        (Mode::Live, _) => "USD per 5 s bucket · last 5 min · by model".to_string(),
        (Mode::Historical, Some(v)) => format!(
            "USD per {} bucket · by model",
            duration_secs(v.resolution.as_secs())
        ),
        (Mode::Historical, None) => "USD · by model".to_string(),
    };
    rsx! {
        Panel { name: "spend", title: "Spend over time", subtitle,
            match view() {
                Some(v) => rsx! { SpendBars { view: v, markers: marks(), offset } },
                None => rsx! { Placeholder { text: "Loading the last minutes…" } },
            }
        }
    }
}

/// The chart for a computed view (rendered natively in tests).
#[component]
pub fn SpendBars(view: SpendView, markers: Vec<Marker>, offset: FixedOffset) -> Element {
    let mut hovered = use_signal(|| None::<usize>);
    let n = view.bars.len().max(1);
    let (top, y_ticks) = value_ticks(view.max_total(), 4);
    let top = if top > 0.0 { top } else { 1.0 };
    let slot = W / n as f64;
    let gap = (slot * 0.18).min(3.0);
    let complete: Vec<Option<f64>> = view
        .bars
        .iter()
        .filter(|b| !b.point.partial && !b.point.future)
        .map(|b| (!b.point.missing).then_some(b.total()))
        .collect();
    let trend_line = data_trend_with_gaps(&complete).map(|t| {
        let y = |v: f64| H - (v / top).clamp(0.0, 1.0) * H;
        let x = |i: usize| slot * i as f64 + slot / 2.0;
        (x(t.first), y(t.start), x(t.last), y(t.end))
    });
    let x_ticks = time_ticks(view.from, view.to, 7, offset);
    let seconds = ticks_need_seconds(&x_ticks);
    let any_missing = view.bars.iter().any(|b| b.point.missing);
    let tooltip = hovered().and_then(|i| view.bars.get(i).map(|b| (i, b.clone())));
    let last_index = n - 1;
    let keys = view.keys.clone();
    rsx! {
        div {
            class: "chart spend",
            tabindex: "0",
            role: "img",
            "aria-label": "Spend in US dollars per {duration_secs(view.resolution.as_secs())} bucket, {usd(view.total())} in all, stacked by model; arrow keys read each bucket",
            onkeydown: move |e: KeyboardEvent| {
                let next = match (e.key(), hovered()) {
                    (Key::ArrowLeft, Some(i)) => Some(i.saturating_sub(1)),
                    (Key::ArrowRight, Some(i)) => Some((i + 1).min(last_index)),
                    (Key::ArrowLeft | Key::ArrowRight, None) => Some(last_index),
                    (Key::Escape, _) => None,
                    _ => return,
                };
                e.prevent_default();
                hovered.set(next);
            },
            onfocusout: move |_| hovered.set(None),
            div { class: "chart-y", "aria-hidden": "true",
                for t in y_ticks.iter().copied() {
                    span { style: "bottom: {t / top * 100.0:.2}%", "{usd(t)}" }
                }
            }
            div { class: "chart-plot",
                svg {
                    view_box: "0 0 {W} {H}",
                    preserve_aspect_ratio: "none",
                    onmouseleave: move |_| hovered.set(None),
                    if any_missing {
                        defs {
                            // Its own id: the token chart's pattern is not drawn where that chart is hidden (the wall).
                            pattern {
                                id: "spend-gap-hatch",
                                width: "8",
                                height: "8",
                                pattern_units: "userSpaceOnUse",
                                pattern_transform: "rotate(-45)",
                                line { class: "gap-line", x1: "0", y1: "0", x2: "0", y2: "8" }
                            }
                        }
                    }
                    for t in y_ticks.iter().copied() {
                        line { class: "gridline", x1: "0", x2: "{W}", y1: "{H - t / top * H:.2}", y2: "{H - t / top * H:.2}" }
                    }
                    for (i, bar) in view.bars.iter().enumerate() {
                        {
                            let x = i as f64 * slot + gap / 2.0;
                            let width = (slot - gap).max(0.5);
                            let mut base = 0.0;
                            let state = if bar.point.missing { "missing" } else if bar.point.partial { "partial" } else { "" };
                            let hovered_class = if hovered() == Some(i) { " hovered" } else { "" };
                            rsx! {
                                g { key: "{bar.point.start.timestamp_millis()}", class: "stack {state}{hovered_class}",
                                    if bar.point.missing {
                                        rect { class: "bar missing", x: "{x:.2}", y: "0", width: "{width:.2}", height: "{H}" }
                                    }
                                    for (k, cost) in bar.segments.iter().copied().enumerate().filter(|(_, c)| *c > 0.0) {
                                        {
                                            let h = (cost / top).clamp(0.0, 1.0) * H;
                                            let y = H - base - h;
                                            base += h;
                                            rsx! {
                                                rect {
                                                    class: "segment",
                                                    x: "{x:.2}",
                                                    y: "{y.max(0.0):.2}",
                                                    width: "{width:.2}",
                                                    height: "{h:.2}",
                                                    fill: key_color(&keys[k]),
                                                }
                                            }
                                        }
                                    }
                                    rect {
                                        class: "hit",
                                        x: "{i as f64 * slot:.2}",
                                        y: "0",
                                        width: "{slot:.2}",
                                        height: "{H}",
                                        onmouseenter: move |_| hovered.set(Some(i)),
                                    }
                                }
                            }
                        }
                    }
                    if let Some((x1, y1, x2, y2)) = trend_line {
                        line { class: "trend", x1: "{x1:.2}", y1: "{y1:.2}", x2: "{x2:.2}", y2: "{y2:.2}" }
                    }
                }
                for m in markers.iter() {
                    span {
                        key: "{m.id}",
                        class: "marker",
                        "data-severity": m.severity_name(),
                        style: "left: {m.x * 100.0:.2}%",
                        title: "{m.label}",
                        role: "img",
                        "aria-label": "{m.label}",
                    }
                }
                if let Some((i, bar)) = tooltip {
                    div {
                        class: "tooltip",
                        role: "status",
                        style: if (i as f64) < n as f64 / 2.0 { format!("left: {:.2}%", (i as f64 + 1.0) / n as f64 * 100.0) } else { format!("right: {:.2}%", (n - i) as f64 / n as f64 * 100.0) },
                        strong { "{clock(bar.point.start, offset, true)}" }
                        if bar.point.partial { span { class: "tag", " in progress" } }
                        if bar.point.missing {
                            p { class: "tooltip-note", "No data: the server was not recording." }
                        } else {
                            dl {
                                dt { "Spend" } dd { "{usd(bar.total())}" }
                                for (k, cost) in bar.segments.iter().copied().enumerate().filter(|(_, c)| *c > 0.0) {
                                    dt { span { class: "swatch", style: "background: {key_color(&view.keys[k])}" } "{key_label(&view.keys[k])}" }
                                    dd { "{usd(cost)}" }
                                }
                            }
                        }
                    }
                }
            }
            div { class: "chart-x", "aria-hidden": "true",
                for t in x_ticks.iter() {
                    span {
                        class: if t.minor { "minor" } else { "" },
                        style: "left: {t.x * 100.0:.2}%",
                        if t.dated { "{day_month(t.at, offset)}" } else { "{clock(t.at, offset, seconds)}" }
                    }
                }
            }
            ul { class: "chart-legend spend-keys", "aria-label": "Models in the chart",
                for key in view.keys.iter() {
                    li { key: "{key}",
                        span { class: "key", style: "background: {key_color(key)}" }
                        "{key_label(key)}"
                    }
                }
                if any_missing {
                    li { span { class: "key key-missing" } "no data" }
                }
                li { span { class: "key key-trend" } "trend" }
                li { span { class: "key key-marker" } "anomaly" }
            }
        }
    }
}
