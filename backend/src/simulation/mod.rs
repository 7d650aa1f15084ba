//! Realistic AI usage traffic for a set of tenants: heavy-tailed customers,
//! model mixes at list prices, a daily rhythm, and injected incidents whose
//! labels tests can use to measure the anomaly detector.

mod incidents;
mod population;
mod pricing;
mod rhythm;
mod tenant;

use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::SmallRng;

pub use incidents::{Incident, IncidentKind};
pub use tenant::TenantSim;

#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Number of tenants (default 7).
    pub tenants: usize,
    /// Customers spread over the tenants; every tenant gets at least one (default 100).
    pub customers: usize,
    /// Total reports per second across tenants at the daily-rhythm mean (default 400).
    pub rate_per_sec: f64,
    /// Same seed ⇒ same output for the same calls.
    pub seed: u64,
    /// Mean time between injected incidents across all tenants; `None` = no incidents.
    pub incident_every: Option<Duration>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            tenants: 7,
            customers: 100,
            rate_per_sec: 400.0,
            seed: 0,
            incident_every: Some(Duration::from_secs(300)),
        }
    }
}

/// SplitMix64: turns (seed, tenant, stream) into well-spread, independent seeds.
fn derive_seed(seed: u64, tenant: usize, stream: u64) -> u64 {
    let mut z = seed ^ ((tenant as u64) << 8 | stream).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One simulator per tenant, each with its own seeded random streams.
pub fn build_tenants(config: &SimConfig) -> Vec<TenantSim> {
    let mut rng = SmallRng::seed_from_u64(derive_seed(config.seed, 0, 0));
    let profiles = population::build_population(config.tenants, config.customers, &mut rng);
    // Each tenant runs its own incident process; together they average one
    // incident per `incident_every`.
    let per_tenant_mean = config
        .incident_every
        .map(|every| every.as_secs_f64() * config.tenants as f64);
    profiles
        .into_iter()
        .enumerate()
        .map(|(i, profile)| {
            TenantSim::new(
                i,
                profile,
                config.rate_per_sec,
                derive_seed(config.seed, i, 1),
                derive_seed(config.seed, i, 2),
                per_tenant_mean,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration as ChronoDuration, TimeZone, Utc};
    use protocol::prices::TokenCounts;
    use protocol::validate::validate_update;
    use protocol::{MetricUpdate, Timestamp, models::model_info};
    use std::collections::HashMap;

    fn t0() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
    }

    fn calm(rate: f64, seed: u64) -> SimConfig {
        SimConfig {
            rate_per_sec: rate,
            seed,
            incident_every: None,
            ..SimConfig::default()
        }
    }

    /// All tenants' reports over [from, from + secs) in windows of `step_ms`.
    fn run(sims: &mut [TenantSim], from: Timestamp, secs: i64, step_ms: i64) -> Vec<MetricUpdate> {
        let mut out = Vec::new();
        let end = from + ChronoDuration::seconds(secs);
        let mut t = from;
        while t < end {
            let next = (t + ChronoDuration::milliseconds(step_ms)).min(end);
            for sim in sims.iter_mut() {
                out.extend(sim.generate(t, next));
            }
            t = next;
        }
        out
    }

    #[test]
    fn same_seed_same_output_other_seed_other_output() {
        let config = SimConfig {
            seed: 5,
            incident_every: Some(Duration::from_secs(30)),
            ..SimConfig::default()
        };
        let mut a = build_tenants(&config);
        let mut b = build_tenants(&config);
        // Long enough for incidents to start after the quiet period.
        let start = t0() + ChronoDuration::minutes(20);
        for sims in [&mut a, &mut b] {
            let _ = run(sims, t0(), 1, 1000);
        }
        assert_eq!(run(&mut a, start, 30, 100), run(&mut b, start, 30, 100));
        let ia: Vec<&Incident> = a.iter().flat_map(|s| s.incidents()).collect();
        let ib: Vec<&Incident> = b.iter().flat_map(|s| s.incidents()).collect();
        assert!(!ia.is_empty());
        assert_eq!(ia, ib);
        let mut c = build_tenants(&SimConfig { seed: 6, ..config });
        assert_ne!(run(&mut a, start, 5, 100), run(&mut c, start, 5, 100));
    }

    #[test]
    fn tenants_have_names_and_customers_are_theirs() {
        let mut sims = build_tenants(&SimConfig::default());
        let names: Vec<&str> = sims.iter().map(TenantSim::tenant_id).collect();
        assert_eq!(
            names,
            [
                "northwind",
                "contoso",
                "acme",
                "globex",
                "initech",
                "umbrella",
                "hooli"
            ]
        );
        let reports = run(&mut sims, t0(), 60, 100);
        let mut customers: Vec<&str> = reports.iter().map(|r| r.customer_id.as_str()).collect();
        customers.sort_unstable();
        customers.dedup();
        assert!(customers.len() > 80, "{} customers seen", customers.len());
        for r in &reports {
            assert!(r.customer_id.starts_with(&format!("{}-", r.tenant_id)));
        }
        assert_eq!(
            build_tenants(&SimConfig {
                tenants: 12,
                ..SimConfig::default()
            })
            .len(),
            12
        );
        assert!(
            build_tenants(&SimConfig {
                tenants: 0,
                ..SimConfig::default()
            })
            .is_empty()
        );
    }

    #[test]
    fn every_report_is_valid_and_priced_at_list() {
        let mut sims = build_tenants(&calm(400.0, 1));
        let from = t0();
        let to = from + ChronoDuration::seconds(20);
        for sim in &mut sims {
            let reports = sim.generate(from, to);
            assert!(!reports.is_empty());
            assert!(reports.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
            for r in &reports {
                validate_update(r, to).unwrap();
                assert!(from <= r.timestamp && r.timestamp < to);
                assert_eq!((r.seq, r.samples), (0, 1));
                let m = &r.metrics;
                assert!(m.total_calls >= 1);
                assert_eq!(m.total_tokens, m.input_tokens + m.output_tokens);
                let info = model_info(&r.model).unwrap();
                let tokens = TokenCounts {
                    calls: m.total_calls,
                    input: m.input_tokens,
                    output: m.output_tokens,
                    cache_read: m.cache_read_tokens,
                    cache_write: m.cache_write_tokens,
                    reasoning: m.reasoning_tokens,
                };
                let list = pricing::cost(info, &tokens);
                assert!((m.total_cost - list).abs() <= 1e-12 * list.max(1.0));
                assert!(m.avg_latency_ms > 50.0 && m.avg_latency_ms < 60_000.0);
            }
            // Some customers read much of their prompts from the cache.
            assert!(reports.iter().any(|r| r.metrics.cache_read_tokens > 0));
            // Completions are much shorter than prompts.
            let input: u64 = reports.iter().map(|r| r.metrics.input_tokens).sum();
            let output: u64 = reports.iter().map(|r| r.metrics.output_tokens).sum();
            assert!(
                output * 3 < input,
                "{output} output vs {input} input tokens"
            );
        }
        // Empty and reversed windows give nothing.
        assert!(sims[0].generate(to, to).is_empty());
        assert!(sims[0].generate(to, from).is_empty());
    }

    #[test]
    fn rate_follows_config_and_rhythm() {
        let mut sims = build_tenants(&calm(200.0, 2));
        let from = t0();
        let to = from + ChronoDuration::minutes(20);
        let expected: f64 = sims.iter().map(|s| s.expected_reports(from, to)).sum();
        let count = run(&mut sims, from, 20 * 60, 1000).len() as f64;
        assert!(
            (count / expected - 1.0).abs() < 0.02,
            "{count} vs {expected}"
        );
        // The expectation itself is the configured rate times the rhythm.
        let per_sec = expected / 1200.0;
        assert!((200.0 * 0.4..200.0 * 1.45).contains(&per_sec));
    }

    #[test]
    fn one_big_window_looks_like_many_small_ones() {
        let from = t0();
        let mut big = build_tenants(&calm(300.0, 3));
        let mut small = build_tenants(&calm(300.0, 3));
        let a = run(&mut big, from, 600, 600_000);
        let b = run(&mut small, from, 600, 100);
        assert!(
            a.windows(2)
                .all(|w| w[0].timestamp <= w[1].timestamp || w[0].tenant_id != w[1].tenant_id)
        );
        let count_ratio = a.len() as f64 / b.len() as f64;
        assert!((count_ratio - 1.0).abs() < 0.02, "{count_ratio}");
        let cost = |rs: &[MetricUpdate]| rs.iter().map(|r| r.metrics.total_cost).sum::<f64>();
        let cost_ratio = cost(&a) / cost(&b);
        assert!((cost_ratio - 1.0).abs() < 0.05, "{cost_ratio}");
        // Both spread evenly over the time: each minute holds about a tenth.
        for reports in [&a, &b] {
            let first_minute = reports
                .iter()
                .filter(|r| r.timestamp < from + ChronoDuration::minutes(1))
                .count() as f64;
            let share = first_minute / reports.len() as f64;
            assert!((0.09..0.11).contains(&share), "{share}");
        }
    }

    #[test]
    fn spend_is_heavy_tailed() {
        let mut sims = build_tenants(&calm(400.0, 4));
        let reports = run(&mut sims, t0(), 300, 1000);
        let mut by_customer: HashMap<&str, f64> = HashMap::new();
        for r in &reports {
            *by_customer.entry(&r.customer_id).or_default() += r.metrics.total_cost;
        }
        let mut spend: Vec<f64> = by_customer.into_values().collect();
        spend.sort_by(|a, b| b.total_cmp(a));
        let total: f64 = spend.iter().sum();
        let top_tenth: f64 = spend[..10].iter().sum();
        assert!(
            top_tenth / total >= 0.5,
            "top 10% carry {}",
            top_tenth / total
        );
        // Yet no single customer is the whole book.
        assert!(
            spend[0] / total < 0.4,
            "largest carries {}",
            spend[0] / total
        );
        // Tenants differ in size.
        let mut by_tenant: HashMap<&str, usize> = HashMap::new();
        for r in &reports {
            *by_tenant.entry(&r.tenant_id).or_default() += 1;
        }
        let max = by_tenant.values().max().copied().unwrap_or(0) as f64;
        let min = by_tenant.values().min().copied().unwrap_or(0) as f64;
        assert!(max > 2.0 * min, "{by_tenant:?}");
    }

    #[test]
    fn incidents_come_at_the_configured_rate() {
        let config = SimConfig {
            rate_per_sec: 0.5,
            seed: 9,
            incident_every: Some(Duration::from_secs(120)),
            ..SimConfig::default()
        };
        let mut sims = build_tenants(&config);
        let hours = 12;
        let _ = run(&mut sims, t0(), hours * 3600, 60_000);
        let incidents: Vec<&Incident> = sims.iter().flat_map(|s| s.incidents()).collect();
        let expected = (hours * 3600 - 15 * 60) as f64 / 120.0;
        let ratio = incidents.len() as f64 / expected;
        assert!(
            (0.85..1.15).contains(&ratio),
            "{} incidents",
            incidents.len()
        );
        for kind in IncidentKind::ALL {
            let n = incidents.iter().filter(|i| i.kind == kind).count();
            assert!(n as f64 > 0.15 * incidents.len() as f64, "{n} of {kind:?}");
        }
        for sim in &sims {
            // One at a time per tenant, none in the first quarter hour.
            for pair in sim.incidents().windows(2) {
                assert!(pair[0].end <= pair[1].start);
            }
            for i in sim.incidents() {
                assert_eq!(i.tenant_id, sim.tenant_id());
                assert!(i.start >= t0() + ChronoDuration::minutes(15));
            }
        }
        let mut ids: Vec<u64> = incidents.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), incidents.len());
    }
}

/// Generation cost, measured in an optimised build:
/// `cargo test --release -p backend --lib -- --ignored --nocapture generation_cost`.
#[cfg(all(test, not(debug_assertions)))]
mod cost {
    use super::*;
    use chrono::{Duration as ChronoDuration, TimeZone, Utc};

    #[test]
    #[ignore = "timing; run in release on a quiet machine"]
    fn generation_cost() {
        let config = SimConfig {
            rate_per_sec: 100_000.0,
            ..SimConfig::default()
        };
        let mut sims = build_tenants(&config);
        let mut t = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        let started = std::time::Instant::now();
        let mut reports = 0usize;
        for _ in 0..100 {
            let next = t + ChronoDuration::milliseconds(100);
            for sim in &mut sims {
                reports += sim.generate(t, next).len();
            }
            t = next;
        }
        let ns = started.elapsed().as_nanos() as f64 / reports as f64;
        println!("{reports} reports, {ns:.0} ns per report");
        assert!(ns < 300.0, "{ns:.0} ns per report");
    }
}
