//! The vendored price table: `protocol/prices/prices.json`, trimmed from
//! pydantic's genai-prices (MIT) by `protocol/prices/trim.py`; where it
//! came from, its date and its sha256 are in `protocol/prices/SOURCE.md`.
//!
//! [`PriceTable::resolve`] finds a model's entry the way genai-prices does:
//! by the provider's name when one is given, else by the providers whose
//! models the name looks like, else by every entry's rule; dated snapshots
//! and aliases resolve to their family (`gpt-4o-2024-08-06` → `gpt-4o`).

mod cost;
mod matching;

use std::sync::LazyLock;

use serde::Deserialize;

pub use cost::{ModelPrices, Price, Tier, TokenCounts};
use matching::{Clause, Matcher, dashed_date};

use crate::models::KNOWN_MODELS;

/// The table as shipped.
pub const PRICES_JSON: &str = include_str!("../../prices/prices.json");

/// Where the table came from.
#[derive(Debug, Clone, Deserialize)]
pub struct Source {
    pub package: String,
    pub version: String,
    pub sha256: String,
    pub licence: String,
    pub url: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTable {
    source: Source,
    prices_as_of: String,
    providers: Vec<RawProvider>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProvider {
    id: String,
    name: String,
    provider_match: Option<Clause>,
    model_match: Option<Clause>,
    #[serde(default)]
    fallback_model_providers: Vec<String>,
    models: Vec<RawModel>,
}

#[derive(Deserialize)]
struct RawModel {
    id: String,
    name: Option<String>,
    #[serde(rename = "match")]
    rule: Clause,
    prices: ModelPrices,
}

/// A model's entry in the table.
#[derive(Debug)]
pub struct PricedModel {
    /// The family the entry prices (`gpt-4o`, `claude-sonnet-4-0`).
    pub id: String,
    pub name: Option<String>,
    pub prices: ModelPrices,
    rule: Matcher,
}

#[derive(Debug)]
pub struct Provider {
    pub id: String,
    pub name: String,
    provider_match: Option<Matcher>,
    model_match: Option<Matcher>,
    fallback: Vec<usize>,
    pub models: Vec<PricedModel>,
}

/// The result of a lookup.
#[derive(Debug, Clone, Copy)]
pub struct Priced<'a> {
    pub provider: &'a Provider,
    pub model: &'a PricedModel,
    /// The name the product records the model under: the catalogue id when
    /// a [`KNOWN_MODELS`] entry has these prices (`claude-sonnet-4` for
    /// `claude-sonnet-4-20250514`), else the table's family id.
    pub family: &'a str,
}

#[derive(Debug)]
pub struct PriceTable {
    pub source: Source,
    /// The day whose prices the table holds.
    pub as_of: String,
    providers: Vec<Provider>,
    /// Catalogue ids by (provider, model) position.
    catalogue: Vec<((usize, usize), &'static str)>,
}

impl PriceTable {
    /// The table shipped with this build, parsed once.
    pub fn builtin() -> &'static PriceTable {
        static TABLE: LazyLock<PriceTable> = LazyLock::new(|| {
            // The file is part of the source tree and parsed by the tests.
            PriceTable::parse(PRICES_JSON).expect("the vendored prices.json parses")
        });
        &TABLE
    }

    pub fn parse(json: &str) -> Result<PriceTable, String> {
        let raw: RawTable = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let ids: Vec<String> = raw.providers.iter().map(|p| p.id.clone()).collect();
        let compile_opt = |c: &Option<Clause>| c.as_ref().map(Matcher::compile).transpose();
        let mut providers = Vec::with_capacity(raw.providers.len());
        for p in raw.providers {
            let models = p
                .models
                .into_iter()
                .map(|m| {
                    Ok(PricedModel {
                        rule: Matcher::compile(&m.rule).map_err(|e| format!("{}: {e}", m.id))?,
                        id: m.id,
                        name: m.name,
                        prices: m.prices,
                    })
                })
                .collect::<Result<_, String>>()?;
            providers.push(Provider {
                provider_match: compile_opt(&p.provider_match)?,
                model_match: compile_opt(&p.model_match)?,
                fallback: p
                    .fallback_model_providers
                    .iter()
                    .filter_map(|f| ids.iter().position(|id| id == f))
                    .collect(),
                id: p.id,
                name: p.name,
                models,
            });
        }
        let mut table = PriceTable {
            source: raw.source,
            as_of: raw.prices_as_of,
            providers,
            catalogue: Vec::new(),
        };
        table.catalogue = KNOWN_MODELS
            .iter()
            .filter_map(|k| Some((table.locate(k.id, Some(k.provider_id))?, k.id)))
            .collect();
        Ok(table)
    }

    pub fn providers(&self) -> &[Provider] {
        &self.providers
    }

    /// Finds the prices for `model` as a source names it, with the
    /// provider's name if the source gives one (`openai`, `aws.bedrock`,
    /// `gcp.vertex_ai`). `None` when the table does not know the model.
    pub fn resolve(&self, model: &str, provider: Option<&str>) -> Option<Priced<'_>> {
        let (p, m) = self.locate(model, provider)?;
        let family = self
            .catalogue
            .iter()
            .find(|(at, _)| *at == (p, m))
            .map(|(_, id)| *id);
        let provider = &self.providers[p];
        let model = &provider.models[m];
        Some(Priced {
            provider,
            model,
            family: family.unwrap_or(&model.id),
        })
    }

    fn locate(&self, model: &str, provider: Option<&str>) -> Option<(usize, usize)> {
        let name = model.trim().to_lowercase();
        self.locate_lowercase(&name, provider).or_else(|| {
            // `openai/gpt-4o` (LiteLLM, OpenRouter): the part before the
            // slash names the provider.
            let (prefix, rest) = name.split_once('/')?;
            let p = self.provider_named(prefix)?;
            self.in_provider(p, rest, true)
                .or_else(|| self.locate_lowercase(rest, None))
        })
    }

    fn locate_lowercase(&self, name: &str, provider: Option<&str>) -> Option<(usize, usize)> {
        if let Some(p) = provider.and_then(|p| self.provider_named(p))
            && let Some(found) = self.in_provider(p, name, true)
        {
            return Some(found);
        }
        let looks_like = self
            .providers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.model_match.as_ref().is_some_and(|m| m.is_match(name)));
        for (p, _) in looks_like {
            if let Some(found) = self.in_provider(p, name, true) {
                return Some(found);
            }
        }
        (0..self.providers.len()).find_map(|p| self.in_provider(p, name, false))
    }

    /// The position of the provider a source's provider name means.
    fn provider_named(&self, name: &str) -> Option<usize> {
        let name = name.trim().to_lowercase();
        self.providers
            .iter()
            .position(|p| p.id == name)
            .or_else(|| {
                self.providers
                    .iter()
                    .position(|p| p.provider_match.as_ref().is_some_and(|m| m.is_match(&name)))
            })
    }

    /// A model of provider `p` (or, with `fallback`, of the providers it
    /// resells) whose rule fits `name`, as (provider, model) positions.
    fn in_provider(&self, p: usize, name: &str, fallback: bool) -> Option<(usize, usize)> {
        let own = |p: usize, name: &str| {
            self.providers[p]
                .models
                .iter()
                .position(|m| m.rule.is_match(name))
                .map(|m| (p, m))
        };
        let dashed = dashed_date(name);
        own(p, name)
            .or_else(|| dashed.as_deref().and_then(|d| own(p, d)))
            .or_else(|| {
                if !fallback {
                    return None;
                }
                self.providers[p]
                    .fallback
                    .iter()
                    .find_map(|&f| own(f, name))
            })
    }
}

#[cfg(test)]
mod tests;
