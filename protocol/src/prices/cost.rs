//! What a call costs at a model's prices. Token counts follow OpenAI's (and
//! OpenTelemetry's) convention: input tokens include the cached ones, output
//! tokens include the reasoning ones. Sources that report cached tokens
//! apart (Anthropic) are converted before they get here.

use serde::Deserialize;

/// US dollars per million tokens: one figure, or a base price with tiers
/// that apply to every token once a call's input passes their start (the
/// "cliff" model Anthropic, Google and OpenAI use for long prompts).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Price {
    Flat(f64),
    Tiered { base: f64, tiers: Vec<Tier> },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tier {
    /// Input tokens per call above which this price applies.
    pub start: u64,
    pub price: f64,
}

impl Price {
    /// The price per million tokens for a call with `input_per_call` input tokens.
    pub fn per_mtok(&self, input_per_call: u64) -> f64 {
        match self {
            Price::Flat(p) => *p,
            Price::Tiered { base, tiers } => tiers
                .iter()
                .rev()
                .find(|t| input_per_call > t.start)
                .map_or(*base, |t| t.price),
        }
    }
}

/// A model's token prices; a price the table does not give costs nothing
/// (an embedding model has no output price), and cache and reasoning prices
/// fall back to the plain input and output prices.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelPrices {
    pub input: Option<Price>,
    pub output: Option<Price>,
    pub cache_read: Option<Price>,
    pub cache_write: Option<Price>,
    pub reasoning: Option<Price>,
}

/// Tokens of one report (`calls` calls), in the convention above.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TokenCounts {
    pub calls: u64,
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub reasoning: u64,
}

impl ModelPrices {
    /// Cost in US dollars. Tiers are chosen by the mean input per call.
    pub fn cost(&self, t: &TokenCounts) -> f64 {
        let per_call = t.input / t.calls.max(1);
        let at = |p: Option<&Price>| p.map_or(0.0, |p| p.per_mtok(per_call));
        let input = at(self.input.as_ref());
        let output = at(self.output.as_ref());
        let cache_read = self
            .cache_read
            .as_ref()
            .map_or(input, |p| p.per_mtok(per_call));
        let cache_write = self
            .cache_write
            .as_ref()
            .map_or(input, |p| p.per_mtok(per_call));
        let reasoning = self
            .reasoning
            .as_ref()
            .map_or(output, |p| p.per_mtok(per_call));
        let cached = t.cache_read.saturating_add(t.cache_write).min(t.input);
        let cache_read_tokens = t.cache_read.min(cached);
        let uncached = (t.input - cached) as f64;
        let thinking = t.reasoning.min(t.output);
        let visible = (t.output - thinking) as f64;
        (uncached * input
            + cache_read_tokens as f64 * cache_read
            + (cached - cache_read_tokens) as f64 * cache_write
            + visible * output
            + thinking as f64 * reasoning)
            / 1_000_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sonnet() -> ModelPrices {
        ModelPrices {
            input: Some(Price::Flat(3.0)),
            output: Some(Price::Flat(15.0)),
            cache_read: Some(Price::Flat(0.3)),
            cache_write: Some(Price::Flat(3.75)),
            reasoning: None,
        }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn plain_tokens_at_input_and_output_prices() {
        let t = TokenCounts {
            calls: 1,
            input: 1_000_000,
            output: 100_000,
            ..Default::default()
        };
        close(sonnet().cost(&t), 3.0 + 1.5);
    }

    #[test]
    fn cached_tokens_are_priced_apart_from_the_rest_of_the_input() {
        // 10k input of which 8k read from cache and 1k written to it.
        let t = TokenCounts {
            calls: 1,
            input: 10_000,
            output: 500,
            cache_read: 8_000,
            cache_write: 1_000,
            ..Default::default()
        };
        let expected = (1_000.0 * 3.0 + 8_000.0 * 0.3 + 1_000.0 * 3.75 + 500.0 * 15.0) / 1e6;
        close(sonnet().cost(&t), expected);
    }

    #[test]
    fn missing_prices_fall_back_or_cost_nothing() {
        let embed = ModelPrices {
            input: Some(Price::Flat(0.02)),
            ..Default::default()
        };
        let t = TokenCounts {
            calls: 1,
            input: 1_000_000,
            output: 10,
            cache_read: 500_000,
            reasoning: 5,
            ..Default::default()
        };
        // The cache read falls back to the input price; output costs nothing.
        close(embed.cost(&t), 0.02);
        let o3 = ModelPrices {
            input: Some(Price::Flat(2.0)),
            output: Some(Price::Flat(8.0)),
            reasoning: Some(Price::Flat(10.0)),
            ..Default::default()
        };
        let r = TokenCounts {
            calls: 1,
            output: 1_000,
            reasoning: 600,
            ..Default::default()
        };
        close(o3.cost(&r), (400.0 * 8.0 + 600.0 * 10.0) / 1e6);
    }

    #[test]
    fn tiers_apply_to_every_token_once_a_call_passes_them() {
        let long = Price::Tiered {
            base: 1.25,
            tiers: vec![Tier {
                start: 200_000,
                price: 2.5,
            }],
        };
        assert_eq!(long.per_mtok(200_000), 1.25);
        assert_eq!(long.per_mtok(200_001), 2.5);
        let prices = ModelPrices {
            input: Some(long),
            ..Default::default()
        };
        // Two calls of 150k each stay at the base price; one of 300k does not.
        let two = TokenCounts {
            calls: 2,
            input: 300_000,
            ..Default::default()
        };
        close(prices.cost(&two), 0.375);
        let one = TokenCounts { calls: 1, ..two };
        close(prices.cost(&one), 0.75);
    }

    #[test]
    fn inconsistent_counts_never_go_negative() {
        let t = TokenCounts {
            calls: 0,
            input: 10,
            output: 1,
            cache_read: 50,
            cache_write: 50,
            reasoning: 9,
        };
        assert!(sonnet().cost(&t) >= 0.0);
    }
}
