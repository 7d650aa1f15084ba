//! Live cost gauge: spend rate in $/h on a dial whose scale follows the data,
//! the number itself, and its change against five minutes earlier and
//! against the same time yesterday.

use dioxus::prelude::*;

use crate::components::panel::{Panel, Placeholder};
use crate::hooks::use_panel_view;
use crate::logic::format::{duration_secs, usd_axis, usd_per_hour};
use crate::logic::gauge::{
    RateChange, arc_length, arc_path, fraction, held_scale, label_points, needle_degrees,
    rate_change, scale_max, yesterday_change,
};
use crate::logic::views::{self, GaugeView};
use crate::services::instrumentation;
use crate::state::COMPARISONS;

#[component]
pub fn CostGauge() -> Element {
    instrumentation::panel_rendered();
    let view = use_panel_view(views::gauge);
    // The scale shown, held across frames (see `held_scale`).
    let held = use_hook(|| std::rc::Rc::new(std::cell::Cell::new(None::<f64>)));
    let scale = use_memo(move || {
        let g = view()?;
        let shown = held_scale(held.get(), scale_max(g.rate, g.peak));
        held.set(Some(shown));
        Some(shown)
    });
    let yesterday = use_memo(move || {
        let g = view()?;
        COMPARISONS.read().yesterday.rate_per_hour(g.end, g.span)
    });
    rsx! {
        Panel { name: "gauge", title: "Spend rate",
            subtitle: view().map(|g| format!("last {} · $/hour", duration_secs(g.span.as_secs()))),
            match view() {
                Some(g) => rsx! { GaugeDial { view: g, yesterday: yesterday(), scale: scale() } },
                None => rsx! { Placeholder { text: "Waiting for a minute of data…" } },
            }
        }
    }
}

const CX: f64 = 100.0;
const CY: f64 = 100.0;
const R: f64 = 80.0;

/// The dial itself, drawn from a computed view (rendered natively in tests);
/// `yesterday` is the rate over the same span a day earlier, if known.
#[component]
pub fn GaugeDial(
    view: GaugeView,
    #[props(default)] yesterday: Option<f64>,
    /// The dial's maximum when the panel holds one; from the data otherwise.
    #[props(default)]
    scale: Option<f64>,
) -> Element {
    let max = scale.unwrap_or_else(|| scale_max(view.rate, view.peak));
    let f = fraction(view.rate, max);
    let length = arc_length(R);
    let offset = length * (1.0 - f);
    let degrees = needle_degrees(f);
    let track = arc_path(CX, CY, R);
    let ticks: Vec<(f64, f64, String)> = label_points(CX, CY, R + 12.0)
        .into_iter()
        .map(|(t, (x, y))| (x, y, usd_axis(max * t)))
        .collect();
    let RateChange { trend, text } = rate_change(view.rate, view.rate_5m_ago);
    let day = yesterday_change(view.rate, yesterday);
    rsx! {
        div { class: "gauge",
            svg {
                class: "gauge-dial",
                view_box: "0 0 200 118",
                role: "meter",
                "aria-label": "Spend rate",
                "aria-valuemin": "0",
                "aria-valuemax": "{max}",
                "aria-valuenow": "{view.rate}",
                "aria-valuetext": "{usd_per_hour(view.rate)}",
                path { class: "gauge-track", d: "{track}" }
                path {
                    class: "gauge-value",
                    d: "{track}",
                    stroke_dasharray: "{length:.2}",
                    style: "stroke-dashoffset: {offset:.2}",
                }
                g {
                    class: "gauge-needle",
                    style: "transform: rotate({degrees:.2}deg)",
                    line { x1: "{CX}", y1: "{CY}", x2: "{CX}", y2: "{CY - R + 6.0}" }
                }
                circle { class: "gauge-hub", cx: "{CX}", cy: "{CY}", r: "5" }
                for (x, y, label) in ticks {
                    text {
                        class: "gauge-tick",
                        x: "{x:.1}",
                        y: "{y + 4.0:.1}",
                        text_anchor: "middle",
                        "{label}"
                    }
                }
            }
            p { class: "gauge-value-text", "data-testid": "spend-rate", "{usd_per_hour(view.rate)}" }
            p { class: "gauge-change", "data-trend": trend.as_str(),
                span { "aria-hidden": "true", "{trend.arrow()} " }
                "{text}"
            }
            p { class: "gauge-change", "data-trend": day.trend.as_str(), "data-testid": "vs-yesterday",
                span { "aria-hidden": "true", "{day.trend.arrow()} " }
                "{day.text}"
            }
        }
    }
}
