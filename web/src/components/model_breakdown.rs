//! Cost by model: a donut with one fixed colour per model for the seven
//! most expensive (the rest one grey slice), and a legend with each one's
//! cost and share.

use dioxus::prelude::*;
use protocol::models::model_label;

use crate::components::drill_button::DrillButton;
use crate::components::panel::{Panel, Placeholder};
use crate::hooks::use_panel_view;
use crate::logic::aggregate::{DONUT_MODELS, ModelShare, donut_slices};
use crate::logic::chart::donut_segments;
use crate::logic::colors::model_color;
use crate::logic::format::{cost_text, percent, usd};
use crate::logic::spend::OTHER_COLOR;
use crate::logic::views;
use crate::services::instrumentation;
use protocol::filter::Dimension;

#[component]
pub fn ModelBreakdown() -> Element {
    instrumentation::panel_rendered();
    let view = use_panel_view(views::models_view);
    rsx! {
        Panel { name: "models", title: "Cost by model",
            match view() {
                Some(models) if !models.is_empty() => rsx! { ModelDonut { models } },
                Some(_) => rsx! { Placeholder { text: "No spend in this window." } },
                None => rsx! { Placeholder { text: "Loading the window…" } },
            }
        }
    }
}

const RADIUS: f64 = 40.0;

#[component]
pub fn ModelDonut(models: Vec<ModelShare>) -> Element {
    let total: f64 = models.iter().map(|m| m.metrics.total_cost).sum();
    let (kept, other) = donut_slices(&models, DONUT_MODELS);
    let mut shares: Vec<f64> = kept.iter().map(|m| m.share).collect();
    shares.extend(other.iter().map(|(o, _)| o.share));
    let segments = donut_segments(&shares, RADIUS);
    let colors: Vec<&'static str> = kept
        .iter()
        .map(|m| model_color(&m.model))
        .chain(other.iter().map(|_| OTHER_COLOR))
        .collect();
    let total_text = usd(total);
    // The hole is 64 units across: a long total ($12,345.67) is squeezed to fit.
    let squeeze = (total_text.chars().count() > 9).then_some("58");
    rsx! {
        div { class: "models",
            svg { class: "donut", view_box: "0 0 100 100", "aria-hidden": "true",
                g { transform: "rotate(-90 50 50)",
                    for (i, s) in segments.into_iter().enumerate() {
                        circle {
                            key: "{i}",
                            cx: "50", cy: "50", r: "{RADIUS}",
                            stroke: colors[i],
                            stroke_dasharray: "{s.dash}",
                            style: "stroke-dashoffset: {s.offset:.2}",
                        }
                    }
                }
                text {
                    class: "donut-total",
                    x: "50",
                    y: "48",
                    text_anchor: "middle",
                    "textLength": squeeze,
                    "lengthAdjust": "spacingAndGlyphs",
                    "{total_text}"
                }
                text { class: "donut-caption", x: "50", y: "60", text_anchor: "middle", "total" }
            }
            ul { class: "legend", "aria-label": "Cost by model",
                for m in kept.iter() {
                    li { key: "{m.model}",
                        span { class: "swatch", style: "background: {model_color(&m.model)}" }
                        span { class: "legend-name", title: "{m.model}",
                            DrillButton { dimension: Dimension::Model, name: m.model.clone(), label: model_label(&m.model).to_string() }
                        }
                        span { class: "legend-value", "{cost_text(&m.metrics)}" }
                        span { class: "legend-share", "{percent(m.share)}" }
                    }
                }
                if let Some((o, names)) = other {
                    li { class: "legend-other",
                        span { class: "swatch", style: "background: {OTHER_COLOR}" }
                        span { class: "legend-name", title: "{names.join(\", \")}", "Other models ({names.len()})" }
                        span { class: "legend-value", "{cost_text(&o.metrics)}" }
                        span { class: "legend-share", "{percent(o.share)}" }
                    }
                }
            }
        }
    }
}
