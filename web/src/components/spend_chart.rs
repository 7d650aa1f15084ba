//! Spend over time, the main chart: the panel around [`SpendBars`] with its
//! toggles (stack by model, tenant or customer; overlay yesterday or last
//! week, both kept in the URL) and the window's total against the same time
//! yesterday.

use dioxus::prelude::*;

use crate::components::panel::{Panel, Placeholder};
use crate::components::spend_bars::{CompareLine, SpendBars};
use crate::hooks::use_panel_view_by;
use crate::logic::anomaly_markers::markers;
use crate::logic::compare::{CompareWith, overlay, totals_against};
use crate::logic::format::{change, duration_secs, usd, zone};
use crate::logic::settings::Mode;
use crate::logic::spend::{SpendView, StackBy};
use crate::logic::views;
use crate::services::{clock, instrumentation};
use crate::state::{ANOMALIES, COMPARISONS, SETTINGS};

#[component]
pub fn SpendChart() -> Element {
    instrumentation::panel_rendered();
    let view = use_panel_view_by(|s| s.stack, views::spend);
    let offset = clock::shown_offset();
    let marks = use_memo(move || {
        let view = view.read();
        let Some(v) = view.as_ref() else {
            return Vec::new();
        };
        markers(ANOMALIES.read().all(), v.from, v.to, offset)
    });
    let yesterday = use_memo(move || earlier(view.read().as_ref(), CompareWith::Yesterday));
    let line = use_memo(move || {
        let with = SETTINGS.read().compare?;
        let values = earlier(view.read().as_ref(), with)?;
        Some(CompareLine {
            label: with.label(),
            values,
        })
    });
    let settings = SETTINGS.read();
    let (wall, stack, compare) = (settings.wall, settings.stack, settings.compare);
    let by = stack.label().to_ascii_lowercase();
    let subtitle = match (settings.mode, view.read().as_ref()) {
        (Mode::Live, _) => format!(
            "USD per 5 s bucket · last 5 min · by {by} · {}",
            zone(offset)
        ),
        (Mode::Historical, Some(v)) => format!(
            "USD per {} bucket · by {by} · {}",
            duration_secs(v.resolution.as_secs()),
            zone(offset)
        ),
        (Mode::Historical, None) => format!("USD · by {by}"),
    };
    drop(settings);
    let summary = view
        .read()
        .as_ref()
        .and_then(|v| summary(v, yesterday().as_deref(), line().as_ref()));
    rsx! {
        Panel { name: "spend", title: "Spend over time", subtitle,
            actions: if wall { None } else { Some(rsx! { SpendToggles { stack, compare } }) },
            match view() {
                Some(v) => rsx! {
                    SpendBars { view: v, markers: marks(), offset, compare: line() }
                    if let Some(text) = summary {
                        p { class: "spend-summary", "data-testid": "spend-vs-yesterday", "{text}" }
                    }
                },
                None => rsx! { Placeholder { text: "Loading the last minutes…" } },
            }
        }
    }
}

/// Each bar's cost `with` earlier, once any of it is loaded.
fn earlier(view: Option<&SpendView>, with: CompareWith) -> Option<Vec<Option<f64>>> {
    let v = view?;
    let comparisons = COMPARISONS.read();
    let shifted = comparisons.get(with);
    shifted.end_ms()?;
    let width = chrono::TimeDelta::milliseconds(v.resolution.as_millis() as i64);
    Some(overlay(
        shifted,
        v.bars.iter().map(|b| b.point.start),
        width,
    ))
}

/// "$55.00 in the chart · +12% vs yesterday same time ($49.00)", and the
/// same against last week while that is overlaid; each over the buckets
/// whose earlier cost is known.
fn summary(
    view: &SpendView,
    yesterday: Option<&[Option<f64>]>,
    overlay: Option<&CompareLine>,
) -> Option<String> {
    let against = |then: &[Option<f64>], words: &str| {
        let pairs = view
            .bars
            .iter()
            .zip(then)
            .filter(|(b, _)| !b.point.missing && !b.point.future)
            .map(|(b, then)| (b.total(), *then));
        let (now, before) = totals_against(pairs)?;
        if before.abs() < 1e-9 {
            return Some(format!("no spend {words} same time"));
        }
        Some(format!(
            "{} vs {words} same time ({})",
            change(now, before),
            usd(before)
        ))
    };
    let mut parts = vec![format!("{} in the chart", usd(view.total()))];
    parts.extend(yesterday.and_then(|y| against(y, "yesterday")));
    parts.extend(
        overlay
            .filter(|l| l.label == CompareWith::LastWeek.label())
            .and_then(|l| against(&l.values, "last week")),
    );
    (parts.len() > 1).then(|| parts.join(" · "))
}

/// Stack by and compare with: segmented controls kept in the URL.
#[component]
fn SpendToggles(stack: StackBy, compare: Option<CompareWith>) -> Element {
    rsx! {
        div { class: "control-group", role: "group", "aria-label": "Stack bars by",
            for s in StackBy::ALL {
                button {
                    r#type: "button",
                    class: "seg",
                    "aria-pressed": "{stack == s}",
                    "data-stack": s.as_str(),
                    onclick: move |_| SETTINGS.write().stack = s,
                    "{s.label()}"
                }
            }
        }
        div { class: "control-group", role: "group", "aria-label": "Compare with",
            button {
                r#type: "button",
                class: "seg",
                "aria-pressed": "{compare.is_none()}",
                "data-compare": "off",
                onclick: move |_| SETTINGS.write().compare = None,
                "Now only"
            }
            for c in CompareWith::ALL {
                button {
                    r#type: "button",
                    class: "seg",
                    "aria-pressed": "{compare == Some(c)}",
                    "data-compare": c.as_str(),
                    title: "Overlay what the same time cost {c.label().to_ascii_lowercase()} (dashed)",
                    onclick: move |_| SETTINGS.write().compare = Some(c),
                    "vs {c.label().to_ascii_lowercase()}"
                }
            }
        }
    }
}
