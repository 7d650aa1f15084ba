//! Who makes the traffic: tenants, their customers, how big each one is and
//! which models it uses. Built once from the seed; plain data afterwards.

use protocol::prices::TokenCounts;
use protocol::{KNOWN_MODELS, ModelInfo};
use rand::Rng;
use rand::rngs::SmallRng;
use rand_distr::StandardNormal;

use super::pricing;

/// Spread (log-normal sigma) of one call's input tokens around the pair's median.
pub const INPUT_SIGMA: f64 = 0.5;
/// Spread of one call's output tokens around the pair's median.
pub const OUTPUT_SIGMA: f64 = 0.6;
/// Spread of one call's latency around what its model and output predict.
pub const LATENCY_SIGMA: f64 = 0.25;

/// Size spread of customers: log-normal sigma of their report rates. With the
/// spread of prompt sizes and model prices on top, the top 10 % of customers
/// carry well over half of the spend, as in real SaaS books.
const CUSTOMER_SIZE_SIGMA: f64 = 1.3;
/// Size spread of tenants (how many customers each one gets).
const TENANT_SIZE_SIGMA: f64 = 0.8;

/// Company slugs for the first tenants; later tenants get composed names.
const TENANT_NAMES: [&str; 7] = [
    "northwind",
    "contoso",
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
];
const NAME_FIRST: [&str; 8] = [
    "blue", "iron", "silver", "bright", "north", "red", "swift", "clear",
];
const NAME_SECOND: [&str; 8] = [
    "peak", "forge", "river", "stone", "field", "harbor", "wave", "leaf",
];

/// The tenant slug for position `index`: unique for every index.
pub fn tenant_name(index: usize) -> String {
    if let Some(name) = TENANT_NAMES.get(index) {
        return (*name).to_string();
    }
    let k = index - TENANT_NAMES.len();
    let combos = NAME_FIRST.len() * NAME_SECOND.len();
    let base = format!(
        "{}{}",
        NAME_FIRST[k % NAME_FIRST.len()],
        NAME_SECOND[(k / NAME_FIRST.len()) % NAME_SECOND.len()]
    );
    if k < combos {
        base
    } else {
        format!("{base}{}", k / combos + 1)
    }
}

/// How often a model is some customer's main model (relative weights).
fn popularity(model: &ModelInfo) -> f64 {
    match model.id {
        "gpt-4o-mini" => 18.0,
        "gpt-4o" | "claude-sonnet-4" => 16.0,
        "gemini-2.5-flash" => 9.0,
        "gpt-4.1" | "gpt-4.1-mini" => 8.0,
        "claude-3-5-haiku" | "gemini-2.5-pro" => 6.0,
        "llama-3.3-70b-versatile" => 5.0,
        "claude-opus-4" | "gpt-3.5-turbo" => 4.0,
        _ => 3.0,
    }
}

/// Latency model of a model: fixed overhead (ms) plus time per output token
/// (ms). Bigger models are slower on both counts.
pub fn latency_profile(model: &ModelInfo) -> (f64, f64) {
    match model.id {
        "claude-opus-4" => (900.0, 28.0),
        "gpt-4o" | "gpt-4.1" | "claude-sonnet-4" | "gemini-2.5-pro" => (450.0, 13.0),
        "llama-3.3-70b-versatile" => (150.0, 3.0),
        "gpt-4o-mini" | "gpt-4.1-mini" | "gpt-3.5-turbo" | "claude-3-5-haiku"
        | "gemini-2.5-flash" => (250.0, 6.0),
        _ => (400.0, 12.0),
    }
}

/// One model in a customer's mix.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelUse {
    /// Index into [`KNOWN_MODELS`].
    pub model: usize,
    /// Fraction of the customer's reports that go to this model.
    pub share: f64,
    /// Natural log of the median input tokens per call.
    pub input_mu: f64,
    /// Natural log of the median output tokens per call.
    pub output_mu: f64,
    /// Fraction of the input tokens read from the provider's prompt cache
    /// (0 for customers that do not cache, or models without a cache price).
    pub cached_share: f64,
}

impl ModelUse {
    pub fn info(&self) -> &'static ModelInfo {
        &KNOWN_MODELS[self.model]
    }

    /// Mean list-price cost of one call.
    pub fn mean_call_cost(&self) -> f64 {
        // Priced on a thousand mean calls, so rounding to whole tokens is negligible.
        let input = 1_000.0 * (self.input_mu + INPUT_SIGMA * INPUT_SIGMA / 2.0).exp();
        let output = 1_000.0 * (self.output_mu + OUTPUT_SIGMA * OUTPUT_SIGMA / 2.0).exp();
        let tokens = TokenCounts {
            calls: 1_000,
            input: input as u64,
            output: output as u64,
            cache_read: (input * self.cached_share) as u64,
            ..Default::default()
        };
        pricing::cost(self.info(), &tokens) / 1_000.0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomerProfile {
    pub id: String,
    /// Fraction of the tenant's reports (sums to 1 within a tenant).
    pub weight: f64,
    /// Mean number of calls in a report beyond the first (Poisson).
    pub extra_calls: f64,
    /// Its models, main model first; shares sum to 1.
    pub models: Vec<ModelUse>,
}

impl CustomerProfile {
    /// Mean list-price cost of one report.
    pub fn mean_report_cost(&self) -> f64 {
        let per_call: f64 = self
            .models
            .iter()
            .map(|m| m.share * m.mean_call_cost())
            .sum();
        (1.0 + self.extra_calls) * per_call
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TenantProfile {
    pub id: String,
    /// Fraction of all reports (sums to 1 over tenants).
    pub share: f64,
    /// UTC hour of the tenant's busiest time of day.
    pub peak_hour: f64,
    pub customers: Vec<CustomerProfile>,
}

fn log_normal(rng: &mut SmallRng, mu: f64, sigma: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    (mu + sigma * z).exp()
}

/// Index drawn with probability proportional to `weights` (all zero: the first).
pub fn pick_weighted(rng: &mut SmallRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut target = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if target < *w {
            return i;
        }
        target -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

fn pick_model(rng: &mut SmallRng, taken: &[usize]) -> usize {
    let weights: Vec<f64> = KNOWN_MODELS
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if taken.contains(&i) {
                0.0
            } else {
                popularity(m)
            }
        })
        .collect();
    pick_weighted(rng, &weights)
}

/// A customer's models: one main model, sometimes a second one, and one or
/// two it touches occasionally.
fn model_mix(rng: &mut SmallRng) -> Vec<ModelUse> {
    // The app's prompt size is a property of the customer; models vary a little.
    let input_base = (1500f64.ln() + 0.6 * rng.sample::<f64, _>(StandardNormal))
        .clamp(100f64.ln(), 30_000f64.ln());
    let output_ratio = log_normal(rng, 0.15f64.ln(), 0.4).clamp(0.03, 0.6);

    let mut shares = Vec::new();
    let main_share = rng.random_range(0.5..0.95);
    shares.push(main_share);
    let mut rest = 1.0 - main_share;
    if rng.random_bool(0.5) {
        let second = rest * rng.random_range(0.6..0.9);
        shares.push(second);
        rest -= second;
    }
    let occasional = rng.random_range(1..=2);
    for _ in 0..occasional {
        shares.push(rest / f64::from(occasional));
    }

    let mut taken = Vec::new();
    let mut models = Vec::new();
    for share in shares {
        let model = pick_model(rng, &taken);
        taken.push(model);
        let input_mu = input_base + 0.2 * rng.sample::<f64, _>(StandardNormal);
        let output_mu = (input_mu.exp() * output_ratio).clamp(20.0, 4000.0).ln();
        // About half the customers reuse long system prompts through the cache.
        let cached_share = if pricing::caches(&KNOWN_MODELS[model]) && rng.random_bool(0.5) {
            rng.random_range(0.2..0.7)
        } else {
            0.0
        };
        models.push(ModelUse {
            model,
            share,
            input_mu,
            output_mu,
            cached_share,
        });
    }
    models
}

/// Builds `tenants` tenants sharing `customers` customers (each tenant gets at
/// least one, so there are `max(customers, tenants)` in all).
pub fn build_population(
    tenants: usize,
    customers: usize,
    rng: &mut SmallRng,
) -> Vec<TenantProfile> {
    if tenants == 0 {
        return Vec::new();
    }
    let tenant_sizes: Vec<f64> = (0..tenants)
        .map(|_| log_normal(rng, 0.0, TENANT_SIZE_SIGMA))
        .collect();
    let mut owners: Vec<usize> = (0..tenants).collect();
    for _ in tenants..customers.max(tenants) {
        owners.push(pick_weighted(rng, &tenant_sizes));
    }

    let mut profiles: Vec<TenantProfile> = (0..tenants)
        .map(|i| TenantProfile {
            id: tenant_name(i),
            share: 0.0,
            peak_hour: rng.random_range(12.0..17.0),
            customers: Vec::new(),
        })
        .collect();
    for owner in owners {
        let tenant = &mut profiles[owner];
        let id = format!("{}-{}", tenant.id, tenant.customers.len() + 1);
        tenant.customers.push(CustomerProfile {
            id,
            weight: log_normal(rng, 0.0, CUSTOMER_SIZE_SIGMA),
            extra_calls: rng.random_range(0.5..3.0),
            models: model_mix(rng),
        });
    }

    let total: f64 = profiles
        .iter()
        .flat_map(|t| t.customers.iter().map(|c| c.weight))
        .sum();
    for tenant in &mut profiles {
        let sum: f64 = tenant.customers.iter().map(|c| c.weight).sum();
        tenant.share = sum / total;
        for customer in &mut tenant.customers {
            customer.weight /= sum;
        }
    }
    profiles
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn population(tenants: usize, customers: usize) -> Vec<TenantProfile> {
        build_population(tenants, customers, &mut SmallRng::seed_from_u64(7))
    }

    #[test]
    fn names_are_unique_and_plausible() {
        let names: Vec<String> = (0..200).map(tenant_name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert_eq!(names[0], "northwind");
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_alphanumeric()))
        );
    }

    #[test]
    fn every_tenant_gets_customers_and_shares_add_up() {
        let tenants = population(7, 100);
        assert_eq!(tenants.len(), 7);
        assert_eq!(
            tenants.iter().map(|t| t.customers.len()).sum::<usize>(),
            100
        );
        assert!(tenants.iter().all(|t| !t.customers.is_empty()));
        let total: f64 = tenants.iter().map(|t| t.share).sum();
        assert!((total - 1.0).abs() < 1e-9);
        for tenant in &tenants {
            let sum: f64 = tenant.customers.iter().map(|c| c.weight).sum();
            assert!((sum - 1.0).abs() < 1e-9);
            for (i, customer) in tenant.customers.iter().enumerate() {
                assert_eq!(customer.id, format!("{}-{}", tenant.id, i + 1));
                let shares: f64 = customer.models.iter().map(|m| m.share).sum();
                assert!((shares - 1.0).abs() < 1e-9);
                assert!((2..=4).contains(&customer.models.len()));
                assert!(customer.models[0].share >= 0.5);
                for m in &customer.models {
                    assert!(m.output_mu < m.input_mu, "output is smaller than input");
                }
            }
        }
        // Fewer customers than tenants: each tenant still gets one.
        let small = population(5, 2);
        assert!(small.iter().all(|t| t.customers.len() == 1));
        assert!(population(0, 10).is_empty());
    }

    #[test]
    fn tenants_are_uneven_and_some_customers_use_expensive_models() {
        let tenants = population(7, 100);
        let counts: Vec<usize> = tenants.iter().map(|t| t.customers.len()).collect();
        let max = counts.iter().max().copied().unwrap_or(0);
        let min = counts.iter().min().copied().unwrap_or(0);
        assert!(max >= 2 * min, "customer counts {counts:?}");
        let premium = tenants
            .iter()
            .flat_map(|t| &t.customers)
            .filter(|c| {
                pricing::list_prices(c.models[0].info())
                    .input
                    .as_ref()
                    .is_some_and(|p| p.per_mtok(0) >= 2.0)
            })
            .count();
        assert!(premium >= 10, "{premium} customers on premium models");
    }

    #[test]
    fn picks_follow_weights() {
        let mut rng = SmallRng::seed_from_u64(1);
        let mut hits = [0usize; 3];
        for _ in 0..30_000 {
            hits[pick_weighted(&mut rng, &[1.0, 0.0, 3.0])] += 1;
        }
        assert_eq!(hits[1], 0);
        let ratio = hits[2] as f64 / hits[0] as f64;
        assert!((2.7..3.3).contains(&ratio), "{hits:?}");
        assert_eq!(pick_weighted(&mut rng, &[0.0, 0.0]), 0);
    }
}
