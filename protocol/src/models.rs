//! The models the simulator sends and the dashboard knows by name, in a
//! fixed order that gives each a stable colour. Their prices come from the
//! price table (`protocol::prices`, feature `prices`); reports for models
//! not listed here are accepted all the same.

/// A model of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelInfo {
    /// Identifier used on the wire.
    pub id: &'static str,
    /// Name for people.
    pub label: &'static str,
    /// Who serves it, for people.
    pub provider: &'static str,
    /// The provider's name in the price table and in OpenTelemetry's
    /// `gen_ai.provider.name` (`openai`, `anthropic`, `google`, `groq`).
    pub provider_id: &'static str,
}

const fn model(
    id: &'static str,
    label: &'static str,
    provider: &'static str,
    provider_id: &'static str,
) -> ModelInfo {
    ModelInfo {
        id,
        label,
        provider,
        provider_id,
    }
}

/// Known models, in a fixed order that clients may use for stable colours.
pub const KNOWN_MODELS: [ModelInfo; 11] = [
    model("gpt-4o", "GPT-4o", "OpenAI", "openai"),
    model("gpt-4o-mini", "GPT-4o mini", "OpenAI", "openai"),
    model("gpt-4.1", "GPT-4.1", "OpenAI", "openai"),
    model("gpt-4.1-mini", "GPT-4.1 mini", "OpenAI", "openai"),
    model("gpt-3.5-turbo", "GPT-3.5 Turbo", "OpenAI", "openai"),
    model("claude-opus-4", "Claude Opus 4", "Anthropic", "anthropic"),
    model(
        "claude-sonnet-4",
        "Claude Sonnet 4",
        "Anthropic",
        "anthropic",
    ),
    model(
        "claude-3-5-haiku",
        "Claude Haiku 3.5",
        "Anthropic",
        "anthropic",
    ),
    model("gemini-2.5-pro", "Gemini 2.5 Pro", "Google", "google"),
    model("gemini-2.5-flash", "Gemini 2.5 Flash", "Google", "google"),
    model(
        "llama-3.3-70b-versatile",
        "Llama 3.3 70B",
        "Meta (Groq)",
        "groq",
    ),
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
    fn lookup_and_labels() {
        assert_eq!(model_index("gpt-4o"), Some(0));
        assert_eq!(model_label("gpt-3.5-turbo"), "GPT-3.5 Turbo");
        assert_eq!(model_label("my-finetune"), "my-finetune");
        assert!(model_info("nope").is_none());
    }
}
