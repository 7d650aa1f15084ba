//! A small trend line: observed (solid) against expected (dashed).

use dioxus::prelude::*;

use crate::logic::chart::sparkline_path;

const W: f64 = 120.0;
const H: f64 = 32.0;

#[component]
pub fn Sparkline(observed: Vec<f64>, expected: Vec<f64>, label: String) -> Element {
    let max = observed
        .iter()
        .chain(expected.iter())
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let observed_path = sparkline_path(&observed, W, H - 2.0, max);
    let expected_path = sparkline_path(&expected, W, H - 2.0, max);
    rsx! {
        svg {
            class: "sparkline",
            view_box: "0 -1 {W} {H}",
            preserve_aspect_ratio: "none",
            role: "img",
            "aria-label": "{label}",
            path { class: "spark-expected", d: "{expected_path}" }
            path { class: "spark-observed", d: "{observed_path}" }
        }
    }
}
