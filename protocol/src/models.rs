//! The models the product knows by name, with their providers' list prices.
//!
//! Prices are the providers' published on-demand prices per million tokens
//! (standard tier, short prompts). Updates for models not listed here are
//! still accepted; they carry their own cost.

/// A model and its list price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelInfo {
    /// Identifier used on the wire.
    pub id: &'static str,
    /// Name for people.
    pub label: &'static str,
    pub provider: &'static str,
    /// US dollars per million input (prompt) tokens.
    pub input_usd_per_mtok: f64,
    /// US dollars per million output (completion) tokens.
    pub output_usd_per_mtok: f64,
}

impl ModelInfo {
    /// List-price cost in US dollars of the given token counts.
    pub fn cost_usd(&self, input_tokens: u64, output_tokens: u64) -> f64 {
        (input_tokens as f64 * self.input_usd_per_mtok
            + output_tokens as f64 * self.output_usd_per_mtok)
            / 1_000_000.0
    }
}

const fn model(
    id: &'static str,
    label: &'static str,
    provider: &'static str,
    input_usd_per_mtok: f64,
    output_usd_per_mtok: f64,
) -> ModelInfo {
    ModelInfo {
        id,
        label,
        provider,
        input_usd_per_mtok,
        output_usd_per_mtok,
    }
}

/// Known models, in a fixed order that clients may use for stable colours.
pub const KNOWN_MODELS: [ModelInfo; 11] = [
    model("gpt-4o", "GPT-4o", "OpenAI", 2.50, 10.00),
    model("gpt-4o-mini", "GPT-4o mini", "OpenAI", 0.15, 0.60),
    model("gpt-4.1", "GPT-4.1", "OpenAI", 2.00, 8.00),
    model("gpt-4.1-mini", "GPT-4.1 mini", "OpenAI", 0.40, 1.60),
    model("gpt-3.5-turbo", "GPT-3.5 Turbo", "OpenAI", 0.50, 1.50),
    model("claude-opus-4", "Claude Opus 4", "Anthropic", 15.00, 75.00),
    model(
        "claude-sonnet-4",
        "Claude Sonnet 4",
        "Anthropic",
        3.00,
        15.00,
    ),
    model(
        "claude-haiku-3.5",
        "Claude Haiku 3.5",
        "Anthropic",
        0.80,
        4.00,
    ),
    model("gemini-2.5-pro", "Gemini 2.5 Pro", "Google", 1.25, 10.00),
    model("gemini-2.5-flash", "Gemini 2.5 Flash", "Google", 0.30, 2.50),
    model("llama-3.3-70b", "Llama 3.3 70B", "Meta (Groq)", 0.59, 0.79),
];

/// Looks a model up by its wire identifier.
pub fn model_info(id: &str) -> Option<&'static ModelInfo> {
    KNOWN_MODELS.iter().find(|m| m.id == id)
}

/// Position of a model in [`KNOWN_MODELS`], if known.
pub fn model_index(id: &str) -> Option<usize> {
    KNOWN_MODELS.iter().position(|m| m.id == id)
}

/// Name for people: the catalogue label, or the identifier itself.
pub fn model_label(id: &str) -> &str {
    model_info(id).map_or(id, |m| m.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        for (i, a) in KNOWN_MODELS.iter().enumerate() {
            for b in &KNOWN_MODELS[i + 1..] {
                assert_ne!(a.id, b.id);
            }
        }
    }

    #[test]
    fn cost_uses_both_prices() {
        let opus = model_info("claude-opus-4").unwrap();
        // 1M input at $15 plus 100k output at $75/M.
        assert!((opus.cost_usd(1_000_000, 100_000) - 22.5).abs() < 1e-9);
    }

    #[test]
    fn lookup_and_labels() {
        assert_eq!(model_index("gpt-4o"), Some(0));
        assert_eq!(model_label("gpt-3.5-turbo"), "GPT-3.5 Turbo");
        assert_eq!(model_label("my-finetune"), "my-finetune");
        assert!(model_info("nope").is_none());
    }
}
