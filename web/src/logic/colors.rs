//! One fixed colour per model, the same on every update and every page.
//!
//! Known models take their catalogue position; unknown ones hash their name.
//! The palette is Paul Tol's "muted" and "bright" schemes, chosen to stay
//! distinguishable under the common colour-vision deficiencies; the legend
//! always labels each colour as well.

use protocol::models::model_index;

/// Distinguishable colours, in the order they are handed out.
pub const PALETTE: [&str; 12] = [
    "#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#DDAA33", "#44AA99",
    "#999933", "#882255", "#BBBBBB", "#117733",
];

/// The colour of a model.
pub fn model_color(model: &str) -> &'static str {
    let index = model_index(model).unwrap_or_else(|| {
        // FNV-1a: stable across builds and platforms, unlike std's hasher.
        let hash = model.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        (hash % PALETTE.len() as u64) as usize
    });
    PALETTE[index % PALETTE.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::KNOWN_MODELS;

    #[test]
    fn known_models_get_distinct_fixed_colours() {
        let colours: Vec<_> = KNOWN_MODELS.iter().map(|m| model_color(m.id)).collect();
        for (i, a) in colours.iter().enumerate() {
            for b in &colours[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(model_color("gpt-4o"), "#4477AA");
    }

    #[test]
    fn unknown_models_are_stable() {
        assert_eq!(model_color("my-finetune"), model_color("my-finetune"));
        assert!(PALETTE.contains(&model_color("my-finetune")));
    }
}
