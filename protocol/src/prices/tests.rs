use super::*;

fn table() -> &'static PriceTable {
    PriceTable::builtin()
}

fn family(model: &str, provider: Option<&str>) -> Option<String> {
    table()
        .resolve(model, provider)
        .map(|p| format!("{}:{}", p.provider.id, p.family))
}

#[test]
fn the_vendored_table_parses_with_every_rule() {
    let t = table();
    assert_eq!(t.source.package, "genai-prices");
    assert!(t.providers().len() >= 10);
    let models: usize = t.providers().iter().map(|p| p.models.len()).sum();
    assert!(models > 300, "{models}");
}

#[test]
fn the_vendored_file_is_the_reviewed_one() {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(PRICES_JSON.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let recorded = include_str!("../../prices/SOURCE.md");
    assert!(
        recorded.contains(&hex),
        "prices.json has sha256 {hex}, which SOURCE.md does not record: \
         regenerate it with trim.py and record the new digest"
    );
}

#[test]
fn every_catalogue_model_has_prices() {
    for k in KNOWN_MODELS {
        let priced = table()
            .resolve(k.id, Some(k.provider_id))
            .unwrap_or_else(|| panic!("{} has no price", k.id));
        assert_eq!(priced.family, k.id, "{} resolves to another entry", k.id);
    }
}

#[test]
fn dated_snapshots_and_aliases_resolve_to_their_family() {
    let cases = [
        ("gpt-4o-2024-08-06", None, "openai:gpt-4o"),
        ("GPT-4o-mini-2024-07-18", None, "openai:gpt-4o-mini"),
        ("gpt-4.1-2025-04-14", Some("openai"), "openai:gpt-4.1"),
        (
            "claude-sonnet-4-20250514",
            None,
            "anthropic:claude-sonnet-4",
        ),
        (
            "claude-sonnet-4-0",
            Some("anthropic"),
            "anthropic:claude-sonnet-4",
        ),
        (
            "claude-3-5-haiku-20241022",
            Some("anthropic"),
            "anthropic:claude-3-5-haiku",
        ),
        (
            "gemini-2.5-flash",
            Some("gcp.gemini"),
            "google:gemini-2.5-flash",
        ),
        (
            "gemini-2.5-pro",
            Some("gcp.vertex_ai"),
            "google:gemini-2.5-pro",
        ),
        // LiteLLM's provider prefix and a compact date.
        ("openai/gpt-4o", None, "openai:gpt-4o"),
        ("openai/gpt-4.1-20250414", None, "openai:gpt-4.1"),
    ];
    for (model, provider, want) in cases {
        assert_eq!(family(model, provider).as_deref(), Some(want), "{model}");
    }
}

#[test]
fn provider_names_from_opentelemetry_find_their_provider() {
    // A Bedrock model id only the Bedrock provider knows.
    let bedrock = family(
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        Some("aws.bedrock"),
    );
    assert!(bedrock.is_some_and(|f| f.starts_with("aws:")));
    // An unknown provider name still finds the model by its name.
    assert_eq!(
        family("gpt-4o", Some("some.gateway")).as_deref(),
        Some("openai:gpt-4o")
    );
    assert_eq!(
        family("grok-4", Some("x_ai")).map(|f| f.starts_with("x-ai:")),
        Some(true)
    );
}

#[test]
fn unknown_models_are_unpriced() {
    assert!(table().resolve("my-finetune-7b", None).is_none());
    assert!(table().resolve("", Some("openai")).is_none());
    assert!(table().resolve(&"x".repeat(10_000), None).is_none());
}

#[test]
fn openai_and_anthropic_cache_prices_come_through() {
    let gpt = table().resolve("gpt-4o", None).unwrap().model;
    assert_eq!(gpt.prices.input, Some(Price::Flat(2.5)));
    assert_eq!(gpt.prices.cache_read, Some(Price::Flat(1.25)));
    let sonnet = table().resolve("claude-sonnet-4", None).unwrap().model;
    assert_eq!(sonnet.prices.cache_read, Some(Price::Flat(0.3)));
    assert_eq!(sonnet.prices.cache_write, Some(Price::Flat(3.75)));
}
