//! The spend chart's drawing: dollars per bucket stacked by model, tenant or
//! customer, the still-filling bucket lighter, gaps hatched, a trend line,
//! the earlier period as a thin dashed line, anomaly markers on the time
//! axis, and a tooltip (hover, or arrow keys when focused) that names what
//! each key cost. Drawn as SVG in rsx like the token chart (see there why).

use chrono::FixedOffset;
use dioxus::prelude::*;

use crate::components::token_chart::Marker;
use crate::logic::chart::{
    HoverKey, data_trend_with_gaps, gapped_line_path, hover_after, ticks_need_seconds, time_ticks,
    value_ticks,
};
use crate::logic::format::{change, clock, day_month, duration_secs, usd, zone};
use crate::logic::spend::SpendView;

const W: f64 = 600.0;
const H: f64 = 200.0;

/// The earlier period drawn over the bars: its name and each bucket's cost then.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareLine {
    pub label: &'static str,
    pub values: Vec<Option<f64>>,
}

/// The chart for a computed view (rendered natively in tests).
#[component]
pub fn SpendBars(
    view: SpendView,
    markers: Vec<Marker>,
    offset: FixedOffset,
    #[props(default)] compare: Option<CompareLine>,
) -> Element {
    let mut hovered = use_signal(|| None::<usize>);
    let n = view.bars.len().max(1);
    let compare_max = compare
        .iter()
        .flat_map(|c| c.values.iter().flatten())
        .fold(0.0, |a: f64, b| a.max(*b));
    let (top, y_ticks) = value_ticks(view.max_total().max(compare_max), 4);
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
    let compare_path = compare
        .as_ref()
        .map(|c| gapped_line_path(&c.values, W, H, top));
    let then_at = |i: usize| {
        compare
            .as_ref()
            .and_then(|c| c.values.get(i).copied().flatten())
    };
    let colors = view.colors.clone();
    let zone = zone(offset);
    rsx! {
        div {
            class: "chart spend",
            tabindex: "0",
            role: "img",
            "aria-label": "Spend in US dollars per {duration_secs(view.resolution.as_secs())} bucket, {usd(view.total())} in all, stacked by {view.stack.label().to_ascii_lowercase()}; arrow keys read each bucket",
            onkeydown: move |e: KeyboardEvent| {
                let key = match e.key() {
                    Key::ArrowLeft => HoverKey::Left,
                    Key::ArrowRight => HoverKey::Right,
                    Key::Escape => HoverKey::Clear,
                    _ => return,
                };
                e.prevent_default();
                hovered.set(hover_after(key, hovered(), last_index));
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
                                                    fill: colors[k],
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
                    if let Some(d) = compare_path.filter(|d| !d.is_empty()) {
                        path { class: "compare", d: "{d}" }
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
                        if m.count > 1 {
                            span { class: "marker-count", "aria-hidden": "true", "{m.count}" }
                        }
                    }
                }
                if let Some((i, bar)) = tooltip {
                    div {
                        class: "tooltip",
                        role: "status",
                        style: if (i as f64) < n as f64 / 2.0 { format!("left: {:.2}%", (i as f64 + 1.0) / n as f64 * 100.0) } else { format!("right: {:.2}%", (n - i) as f64 / n as f64 * 100.0) },
                        strong { "{clock(bar.point.start, offset, true)} {zone}" }
                        if bar.point.partial { span { class: "tag", " in progress" } }
                        if bar.point.missing {
                            p { class: "tooltip-note", "No data: the server was not recording." }
                        } else {
                            dl {
                                dt { "Spend" } dd { "{usd(bar.total())}" }
                                if let (Some(c), Some(then)) = (compare.as_ref(), then_at(i)) {
                                    dt { "{c.label}" }
                                    dd { "{usd(then)} ({change(bar.total(), then)})" }
                                }
                                for (k, cost) in bar.segments.iter().copied().enumerate().filter(|(_, c)| *c > 0.0) {
                                    dt { span { class: "swatch", style: "background: {view.colors[k]}" } "{view.label(&view.keys[k])}" }
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
            ul { class: "chart-legend spend-keys", "aria-label": "What the bars are split by",
                for (k, key) in view.keys.iter().enumerate() {
                    li { key: "{key}",
                        span { class: "key", style: "background: {view.colors[k]}" }
                        "{view.label(key)}"
                    }
                }
                if any_missing {
                    li { span { class: "key key-missing" } "no data" }
                }
                li { span { class: "key key-trend" } "trend" }
                if let Some(c) = compare.as_ref() {
                    li { span { class: "key key-compare" } "{c.label}, same time" }
                }
                li { span { class: "key key-marker" } "anomaly" }
            }
        }
    }
}
