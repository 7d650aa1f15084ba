//! The catalogue's list prices, from the vendored price table the OTLP
//! receiver also uses, so simulated and real spend are priced alike.

use std::collections::HashMap;
use std::sync::OnceLock;

use protocol::prices::{ModelPrices, PriceTable, TokenCounts};
use protocol::{KNOWN_MODELS, ModelInfo};

static UNPRICED: ModelPrices = ModelPrices {
    input: None,
    output: None,
    cache_read: None,
    cache_write: None,
    reasoning: None,
};

/// The prices of a catalogue model (a test checks every one has some).
pub fn list_prices(model: &ModelInfo) -> &'static ModelPrices {
    // Resolved once per catalogue model: matching runs regular expressions,
    // and the simulator prices every call it makes.
    static BY_ID: OnceLock<HashMap<&'static str, &'static ModelPrices>> = OnceLock::new();
    let by_id = BY_ID.get_or_init(|| KNOWN_MODELS.iter().map(|m| (m.id, resolve(m))).collect());
    by_id
        .get(model.id)
        .copied()
        .unwrap_or_else(|| resolve(model))
}

fn resolve(model: &ModelInfo) -> &'static ModelPrices {
    PriceTable::builtin()
        .resolve(model.id, Some(model.provider_id))
        .map_or(&UNPRICED, |p| &p.model.prices)
}

/// Whether the provider bills prompt-cache reads at a discount, so its
/// customers have a reason to cache.
pub fn caches(model: &ModelInfo) -> bool {
    list_prices(model).cache_read.is_some()
}

/// List-price cost of `tokens` on `model`.
pub fn cost(model: &ModelInfo, tokens: &TokenCounts) -> f64 {
    list_prices(model).cost(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_model_has_list_prices() {
        for m in &KNOWN_MODELS {
            let p = list_prices(m);
            assert!(p.input.is_some() && p.output.is_some(), "{}", m.id);
        }
        let gpt = &KNOWN_MODELS[0];
        let million_in = TokenCounts {
            calls: 1,
            input: 1_000_000,
            ..Default::default()
        };
        assert!((cost(gpt, &million_in) - 2.5).abs() < 1e-9);
    }
}
