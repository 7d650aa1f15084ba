//! One tenant's traffic generator: turns a time window into raw reports.

use chrono::Duration as ChronoDuration;
use protocol::prices::TokenCounts;
use protocol::{KNOWN_MODELS, MetricUpdate, Metrics, ModelInfo, Timestamp};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Poisson, StandardNormal};

use super::incidents::{Effect, Incident, IncidentKind, Schedule};
use super::population::{
    INPUT_SIGMA, LATENCY_SIGMA, ModelUse, OUTPUT_SIGMA, TenantProfile, latency_profile,
    pick_weighted,
};
use super::pricing;
use super::rhythm::Rhythm;

/// Long windows are generated in steps of at most this, so that the rhythm
/// and incidents apply at the right moments and one big window looks like
/// many small ones.
const MAX_STEP: ChronoDuration = ChronoDuration::seconds(1);
/// Context windows cap what one call can carry.
const MAX_INPUT_TOKENS: f64 = 200_000.0;
const MAX_OUTPUT_TOKENS: f64 = 16_000.0;
/// Models a customer may be switched to, if they cost it at least
/// [`SWITCH_MIN_PRICE_RATIO`] times its main model.
const SWITCH_TARGETS: [&str; 4] = [
    "claude-opus-4",
    "gpt-4.1",
    "gemini-2.5-pro",
    "claude-sonnet-4",
];
const SWITCH_MIN_PRICE_RATIO: f64 = 3.0;

/// How the reports of one (customer, model) pair are shaped.
#[derive(Debug, Clone, Copy)]
struct Shape {
    model: &'static ModelInfo,
    input_mu: f64,
    output_mu: f64,
    latency_base: f64,
    latency_per_token: f64,
    latency_factor: f64,
    /// Fraction of input tokens read from the prompt cache.
    cached_share: f64,
    /// Fraction of input tokens written to it (refreshes), where billed apart.
    cache_write_share: f64,
}

impl Shape {
    fn new(model: &'static ModelInfo, input_mu: f64, output_mu: f64, cached_share: f64) -> Self {
        let (latency_base, latency_per_token) = latency_profile(model);
        let cached_share = if pricing::caches(model) {
            cached_share
        } else {
            0.0
        };
        let writes_billed = pricing::list_prices(model).cache_write.is_some();
        Shape {
            model,
            input_mu,
            output_mu,
            latency_base,
            latency_per_token,
            latency_factor: 1.0,
            cached_share,
            cache_write_share: if writes_billed {
                cached_share / 10.0
            } else {
                0.0
            },
        }
    }
}

#[derive(Debug, Clone)]
struct CustomerSim {
    id: String,
    /// Fraction of the tenant's reports.
    weight: f64,
    /// Expected list-price spend relative to other customers of the tenant.
    spend: f64,
    extra_calls: Option<Poisson<f64>>,
    /// Cumulative model shares, for picking a model per report.
    model_cumulative: Vec<f64>,
    shapes: Vec<Shape>,
    models: Vec<ModelUse>,
}

/// Simulated traffic of one tenant. Deterministic for a given seed and
/// sequence of calls; cheap enough for 100,000+ reports per second.
#[derive(Debug, Clone)]
pub struct TenantSim {
    index: usize,
    id: String,
    /// Reports per second when the rhythm multiplier is 1.
    base_rate: f64,
    rhythm: Rhythm,
    customers: Vec<CustomerSim>,
    customer_cumulative: Vec<f64>,
    rng: SmallRng,
    schedule: Schedule,
    incidents: Vec<Incident>,
    /// What each incident in `incidents` does, by position.
    effects: Vec<Effect>,
    /// Reused buffer of report offsets within a step.
    offsets: Vec<i64>,
}

fn cumulative(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut sum = 0.0;
    values
        .map(|v| {
            sum += v;
            sum
        })
        .collect()
}

/// Position of `u` (uniform in [0, 1)) among cumulative weights.
fn pick_cumulative(cumulative: &[f64], u: f64) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    cumulative
        .partition_point(|c| *c <= u * total)
        .min(cumulative.len().saturating_sub(1))
}

fn poisson_count(rng: &mut SmallRng, mean: f64) -> usize {
    // Also refuses NaN.
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).map_or(0, |p| p.sample(rng) as usize)
}

fn log_normal_tokens(rng: &mut SmallRng, mu: f64, sigma: f64, max: f64) -> u64 {
    let z: f64 = rng.sample(StandardNormal);
    (mu + sigma * z).exp().round().clamp(1.0, max) as u64
}

/// Usage of one report: a few calls, each with its own tokens and latency.
fn sample_metrics(
    rng: &mut SmallRng,
    extra_calls: Option<&Poisson<f64>>,
    shape: &Shape,
) -> Metrics {
    let calls = 1 + extra_calls.map_or(0, |p| p.sample(rng) as u64);
    let (mut input, mut output, mut latency) = (0u64, 0u64, 0.0f64);
    for _ in 0..calls {
        let i = log_normal_tokens(rng, shape.input_mu, INPUT_SIGMA, MAX_INPUT_TOKENS);
        let o = log_normal_tokens(rng, shape.output_mu, OUTPUT_SIGMA, MAX_OUTPUT_TOKENS);
        let noise: f64 = rng.sample(StandardNormal);
        latency += (shape.latency_base + shape.latency_per_token * o as f64)
            * (LATENCY_SIGMA * noise).exp();
        input += i;
        output += o;
    }
    let tokens = TokenCounts {
        calls,
        input,
        output,
        cache_read: (input as f64 * shape.cached_share).round() as u64,
        cache_write: (input as f64 * shape.cache_write_share).round() as u64,
        reasoning: 0,
    };
    Metrics {
        total_calls: calls,
        total_tokens: input + output,
        input_tokens: input,
        output_tokens: output,
        total_cost: pricing::cost(shape.model, &tokens),
        avg_latency_ms: latency * shape.latency_factor / calls as f64,
        cache_read_tokens: tokens.cache_read,
        cache_write_tokens: tokens.cache_write,
        ..Default::default()
    }
}

impl TenantSim {
    /// `traffic_seed` drives the reports; `incident_seed` the incident
    /// schedule, so the schedule is the same however the time is windowed.
    pub(crate) fn new(
        index: usize,
        profile: TenantProfile,
        total_rate: f64,
        traffic_seed: u64,
        incident_seed: u64,
        incident_mean_secs: Option<f64>,
    ) -> Self {
        let mut rng = SmallRng::seed_from_u64(traffic_seed);
        let rhythm = Rhythm::new(profile.peak_hour, &mut rng);
        let customers: Vec<CustomerSim> = profile
            .customers
            .into_iter()
            .map(|c| CustomerSim {
                spend: c.weight * c.mean_report_cost(),
                extra_calls: Poisson::new(c.extra_calls).ok(),
                model_cumulative: cumulative(c.models.iter().map(|m| m.share)),
                shapes: c
                    .models
                    .iter()
                    .map(|m| Shape::new(m.info(), m.input_mu, m.output_mu, m.cached_share))
                    .collect(),
                weight: c.weight,
                id: c.id,
                models: c.models,
            })
            .collect();
        let rate = total_rate * profile.share;
        TenantSim {
            index,
            id: profile.id,
            base_rate: if rate.is_finite() { rate.max(0.0) } else { 0.0 },
            rhythm,
            customer_cumulative: cumulative(customers.iter().map(|c| c.weight)),
            customers,
            rng,
            schedule: Schedule::new(SmallRng::seed_from_u64(incident_seed), incident_mean_secs),
            incidents: Vec::new(),
            effects: Vec::new(),
            offsets: Vec::new(),
        }
    }

    pub fn tenant_id(&self) -> &str {
        &self.id
    }

    /// Every incident injected so far (ongoing and past). For tests and
    /// measurements only; the detector must never see these labels.
    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }

    /// Raw reports whose timestamps lie in [from, to), seq = 0, samples = 1,
    /// in timestamp order.
    pub fn generate(&mut self, from: Timestamp, to: Timestamp) -> Vec<MetricUpdate> {
        let mut out = Vec::new();
        if to <= from {
            return out;
        }
        self.schedule.begin(from);
        let mut t = from;
        while t < to {
            let end = (t + MAX_STEP).min(to);
            self.generate_step(t, end, &mut out);
            t = end;
        }
        out
    }

    fn generate_step(&mut self, from: Timestamp, to: Timestamp, out: &mut Vec<MetricUpdate>) {
        let span_ns = (to - from).num_nanoseconds().unwrap_or(0).max(1);
        let mid = from + ChronoDuration::nanoseconds(span_ns / 2);
        self.start_due_incidents(mid);
        let effect = self.active_effect(mid);

        let mut rate = self.base_rate * self.rhythm.multiplier(mid);
        if let Some(Effect::TrafficSurge { rate: factor }) = effect {
            rate *= factor;
        }
        // A retry storm adds reports on top of the pair's normal ones.
        let mut storm = None;
        let mut storm_rate = 0.0;
        if let Some(Effect::RetryStorm {
            customer,
            slot,
            rate: factor,
            tokens,
            latency,
        }) = effect
            && let Some(c) = self.customers.get(customer)
            && let (Some(shape), Some(model)) = (c.shapes.get(slot), c.models.get(slot))
        {
            storm_rate = rate * c.weight * model.share * (factor - 1.0);
            let mut shape = *shape;
            shape.input_mu += tokens.ln();
            shape.output_mu += tokens.ln();
            shape.latency_factor = latency;
            storm = Some((customer, shape));
        }
        let switch = match effect {
            Some(Effect::ModelSwitch {
                customer,
                to_model,
                fraction,
            }) => self.customers.get(customer).and_then(|c| {
                let main = c.models.first()?;
                let shape = Shape::new(
                    KNOWN_MODELS.get(to_model)?,
                    main.input_mu,
                    main.output_mu,
                    main.cached_share,
                );
                Some((customer, shape, fraction))
            }),
            _ => None,
        };
        let bloat = match effect {
            Some(Effect::PromptBloat {
                customer,
                slot,
                input,
            }) => Some((customer, slot, input.ln())),
            _ => None,
        };

        let total = rate + storm_rate;
        let count = poisson_count(&mut self.rng, total * span_ns as f64 / 1e9);
        let mut offsets = std::mem::take(&mut self.offsets);
        offsets.clear();
        offsets.extend((0..count).map(|_| self.rng.random_range(0..span_ns)));
        offsets.sort_unstable();
        out.reserve(count);
        for offset in &offsets {
            let (customer, shape) = match storm {
                Some(storm) if self.rng.random::<f64>() * total < storm_rate => storm,
                _ => {
                    let c = pick_cumulative(&self.customer_cumulative, self.rng.random());
                    let customer = &self.customers[c];
                    let slot = pick_cumulative(&customer.model_cumulative, self.rng.random());
                    let mut shape = customer.shapes[slot];
                    if let Some((sc, switched, fraction)) = switch
                        && sc == c
                        && self.rng.random::<f64>() < fraction
                    {
                        shape = switched;
                    } else if let Some((bc, bslot, ln_factor)) = bloat
                        && bc == c
                        && bslot == slot
                    {
                        shape.input_mu += ln_factor;
                    }
                    (c, shape)
                }
            };
            let customer = &self.customers[customer];
            let metrics = sample_metrics(&mut self.rng, customer.extra_calls.as_ref(), &shape);
            out.push(MetricUpdate {
                seq: 0,
                timestamp: from + ChronoDuration::nanoseconds(*offset),
                tenant_id: self.id.clone(),
                customer_id: customer.id.clone(),
                model: shape.model.id.to_string(),
                samples: 1,
                metrics,
            });
        }
        self.offsets = offsets;
    }

    fn active_effect(&self, t: Timestamp) -> Option<Effect> {
        let incident = self.incidents.last()?;
        if incident.is_active(t) {
            self.effects.last().copied()
        } else {
            None
        }
    }

    fn start_due_incidents(&mut self, t: Timestamp) {
        loop {
            let busy_until = self.incidents.last().map(|i| i.end);
            let Some(start) = self.schedule.due(t, busy_until) else {
                return;
            };
            let kind =
                IncidentKind::ALL[self.schedule.rng().random_range(0..IncidentKind::ALL.len())];
            self.start_incident(kind, start);
        }
    }

    /// Customer for a customer incident: weighted towards the bigger half of
    /// the tenant's customers by spend, so incidents are material in dollars.
    fn pick_customer(&mut self, eligible: impl Fn(&CustomerSim) -> bool) -> Option<usize> {
        let mut spends: Vec<f64> = self.customers.iter().map(|c| c.spend).collect();
        spends.sort_by(f64::total_cmp);
        let median = spends.get(spends.len() / 2).copied().unwrap_or(0.0);
        let weights: Vec<f64> = self
            .customers
            .iter()
            .map(|c| {
                if eligible(c) && (c.spend >= median || self.customers.len() < 3) {
                    c.spend.max(0.0).powf(0.75)
                } else {
                    0.0
                }
            })
            .collect();
        if weights.iter().all(|w| *w <= 0.0) {
            return None;
        }
        Some(pick_weighted(self.schedule.rng(), &weights))
    }

    /// Expensive models a customer could switch to, by index into `KNOWN_MODELS`.
    fn switch_targets(customer: &CustomerSim) -> Vec<usize> {
        let Some(main) = customer.models.first() else {
            return Vec::new();
        };
        KNOWN_MODELS
            .iter()
            .enumerate()
            .filter(|(_, m)| SWITCH_TARGETS.contains(&m.id))
            .filter(|(i, _)| {
                let target = ModelUse {
                    model: *i,
                    ..main.clone()
                };
                target.mean_call_cost() >= SWITCH_MIN_PRICE_RATIO * main.mean_call_cost()
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Starts an incident of `kind` at `start`, shaped by the schedule's random
    /// stream. A model switch falls back to a retry storm when no customer has
    /// a model to switch to.
    pub(crate) fn start_incident(&mut self, kind: IncidentKind, start: Timestamp) {
        let duration = self.schedule.duration();
        let mut kind = kind;
        let mut customer = None;
        if kind == IncidentKind::ModelSwitch {
            customer = self.pick_customer(|c| !Self::switch_targets(c).is_empty());
            if customer.is_none() {
                kind = IncidentKind::RetryStorm;
            }
        }
        if matches!(kind, IncidentKind::RetryStorm | IncidentKind::PromptBloat) {
            customer = self.pick_customer(|_| true);
        }
        let main_model = |c: usize| {
            self.customers
                .get(c)
                .and_then(|c| c.models.first())
                .map(|m| m.info().id.to_string())
        };
        let rng = self.schedule.rng();
        let (effect, model) = match (kind, customer) {
            (IncidentKind::RetryStorm, Some(c)) => (
                Effect::RetryStorm {
                    customer: c,
                    slot: 0,
                    rate: rng.random_range(5.0..10.0),
                    tokens: rng.random_range(0.6..0.9),
                    latency: rng.random_range(2.0..4.0),
                },
                main_model(c),
            ),
            (IncidentKind::ModelSwitch, Some(c)) => {
                let targets = Self::switch_targets(&self.customers[c]);
                let rng = self.schedule.rng();
                let to_model = targets[rng.random_range(0..targets.len())];
                (
                    Effect::ModelSwitch {
                        customer: c,
                        to_model,
                        fraction: rng.random_range(0.8..0.95),
                    },
                    Some(KNOWN_MODELS[to_model].id.to_string()),
                )
            }
            (IncidentKind::PromptBloat, Some(c)) => (
                Effect::PromptBloat {
                    customer: c,
                    slot: 0,
                    input: rng.random_range(3.0..6.0),
                },
                main_model(c),
            ),
            _ => {
                kind = IncidentKind::TrafficSurge;
                customer = None;
                (
                    Effect::TrafficSurge {
                        rate: rng.random_range(3.0..5.0),
                    },
                    None,
                )
            }
        };
        self.incidents.push(Incident {
            id: self.index as u64 * 1_000_000 + self.incidents.len() as u64 + 1,
            kind,
            tenant_id: self.id.clone(),
            customer_id: customer.map(|c| self.customers[c].id.clone()),
            model,
            start,
            end: start + duration,
        });
        self.effects.push(effect);
    }
}

#[cfg(test)]
impl TenantSim {
    /// Expected number of reports in [from, to) without incidents.
    pub(crate) fn expected_reports(&self, from: Timestamp, to: Timestamp) -> f64 {
        let mut sum = 0.0;
        let mut t = from;
        while t < to {
            let end = (t + MAX_STEP).min(to);
            let secs = (end - t).num_milliseconds() as f64 / 1000.0;
            sum += self.base_rate * self.rhythm.multiplier(t + (end - t) / 2) * secs;
            t = end;
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulation::{SimConfig, build_tenants};
    use chrono::{TimeZone, Utc};

    fn t0() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
    }

    /// The biggest tenant of a calm simulation, warmed up for a minute.
    fn tenant() -> TenantSim {
        let config = SimConfig {
            incident_every: None,
            seed: 11,
            ..SimConfig::default()
        };
        let mut sims = build_tenants(&config);
        sims.sort_by(|a, b| b.base_rate.total_cmp(&a.base_rate));
        sims.swap_remove(0)
    }

    fn secs(s: i64) -> ChronoDuration {
        ChronoDuration::seconds(s)
    }

    /// Reports in [from, to) in one-second windows, like the live generator.
    fn run(sim: &mut TenantSim, from: Timestamp, to: Timestamp) -> Vec<MetricUpdate> {
        let mut out = Vec::new();
        let mut t = from;
        while t < to {
            out.extend(sim.generate(t, t + secs(1)));
            t += secs(1);
        }
        out
    }

    struct PairStats {
        reports: usize,
        calls: u64,
        input: u64,
        tokens: u64,
        latency: f64,
    }

    fn stats(reports: &[MetricUpdate], customer: &str, model: Option<&str>) -> PairStats {
        let mut s = PairStats {
            reports: 0,
            calls: 0,
            input: 0,
            tokens: 0,
            latency: 0.0,
        };
        for r in reports
            .iter()
            .filter(|r| r.customer_id == customer && model.is_none_or(|m| r.model == m))
        {
            s.reports += 1;
            s.calls += r.metrics.total_calls;
            s.input += r.metrics.input_tokens;
            s.tokens += r.metrics.total_tokens;
            s.latency += r.metrics.avg_latency_ms * r.metrics.total_calls as f64;
        }
        s
    }

    #[test]
    fn surge_multiplies_the_tenants_rate() {
        let mut sim = tenant();
        let before = run(&mut sim, t0(), t0() + secs(120)).len() as f64;
        sim.start_incident(IncidentKind::TrafficSurge, t0() + secs(120));
        let incident = sim.incidents()[0].clone();
        assert_eq!(incident.kind, IncidentKind::TrafficSurge);
        assert_eq!(incident.customer_id, None);
        let Some(Effect::TrafficSurge { rate }) = sim.effects.last().copied() else {
            panic!("not a surge");
        };
        assert!((3.0..5.0).contains(&rate));
        let during = run(&mut sim, t0() + secs(120), t0() + secs(240)).len() as f64;
        let ratio = during / before;
        assert!(
            (ratio / rate - 1.0).abs() < 0.1,
            "×{ratio} for a ×{rate} surge"
        );
        // It ends on time.
        let after_start = incident.end + secs(5);
        let _ = run(&mut sim, t0() + secs(240), after_start);
        let after = run(&mut sim, after_start, after_start + secs(120)).len() as f64;
        assert!(
            (after / before - 1.0).abs() < 0.15,
            "{after} after vs {before}"
        );
    }

    #[test]
    fn retry_storm_multiplies_one_pairs_calls_and_slows_them() {
        let mut sim = tenant();
        let before = run(&mut sim, t0(), t0() + secs(300));
        sim.start_incident(IncidentKind::RetryStorm, t0() + secs(300));
        let incident = sim.incidents()[0].clone();
        let customer = incident.customer_id.clone().unwrap();
        let model = incident.model.clone().unwrap();
        let during = run(&mut sim, t0() + secs(300), t0() + secs(420));
        let Some(Effect::RetryStorm { rate, tokens, .. }) = sim.effects.last().copied() else {
            panic!("not a storm");
        };
        let b = stats(&before, &customer, Some(&model));
        let d = stats(&during, &customer, Some(&model));
        let rate_ratio = (d.reports as f64 / 120.0) / (b.reports as f64 / 300.0);
        assert!(
            (rate_ratio / rate - 1.0).abs() < 0.25,
            "×{rate_ratio} for ×{rate}"
        );
        let tpc = |s: &PairStats| s.tokens as f64 / s.calls as f64;
        let tpc_ratio = tpc(&d) / tpc(&b);
        assert!(
            tpc_ratio < 1.0 && (tpc_ratio / tokens - 1.0).abs() < 0.2,
            "{tpc_ratio}"
        );
        let lat = |s: &PairStats| s.latency / s.calls as f64;
        assert!(lat(&d) > 1.5 * lat(&b));
    }

    #[test]
    fn model_switch_moves_a_customer_to_an_expensive_model() {
        let mut sim = tenant();
        let before = run(&mut sim, t0(), t0() + secs(120));
        sim.start_incident(IncidentKind::ModelSwitch, t0() + secs(120));
        let incident = sim.incidents()[0].clone();
        assert_eq!(incident.kind, IncidentKind::ModelSwitch);
        let customer = incident.customer_id.clone().unwrap();
        let target = incident.model.clone().unwrap();
        assert!(SWITCH_TARGETS.contains(&target.as_str()));
        let during = run(&mut sim, t0() + secs(120), t0() + secs(240));
        let all = stats(&during, &customer, None).reports as f64;
        let moved = stats(&during, &customer, Some(&target)).reports as f64;
        assert!(moved / all > 0.75, "{moved} of {all} on {target}");
        let spend = |rs: &[MetricUpdate]| -> f64 {
            rs.iter()
                .filter(|r| r.customer_id == customer)
                .map(|r| r.metrics.total_cost)
                .sum()
        };
        assert!(
            spend(&during) > 2.0 * spend(&before),
            "switching costs money"
        );
    }

    #[test]
    fn prompt_bloat_multiplies_input_tokens_on_the_main_model() {
        let mut sim = tenant();
        let before = run(&mut sim, t0(), t0() + secs(300));
        sim.start_incident(IncidentKind::PromptBloat, t0() + secs(300));
        let incident = sim.incidents()[0].clone();
        let customer = incident.customer_id.clone().unwrap();
        let model = incident.model.clone().unwrap();
        let Some(Effect::PromptBloat { input, .. }) = sim.effects.last().copied() else {
            panic!("not a bloat");
        };
        assert!((3.0..6.0).contains(&input));
        let during = run(&mut sim, t0() + secs(300), t0() + secs(420));
        let per_call = |s: PairStats| s.input as f64 / s.calls as f64;
        let ratio = per_call(stats(&during, &customer, Some(&model)))
            / per_call(stats(&before, &customer, Some(&model)));
        assert!((ratio / input - 1.0).abs() < 0.2, "×{ratio} for ×{input}");
    }

    #[test]
    fn incidents_pick_customers_from_the_bigger_half() {
        let mut sim = tenant();
        let mut spends: Vec<f64> = sim.customers.iter().map(|c| c.spend).collect();
        spends.sort_by(f64::total_cmp);
        let median = spends[spends.len() / 2];
        for i in 0..40 {
            let kind = IncidentKind::ALL[i % 4];
            sim.start_incident(kind, t0() + secs(600 * i as i64));
        }
        for incident in sim.incidents() {
            if let Some(id) = &incident.customer_id {
                let c = sim.customers.iter().find(|c| &c.id == id).unwrap();
                assert!(c.spend >= median, "{id} is small");
            }
            let minutes = (incident.end - incident.start).num_seconds() as f64 / 60.0;
            assert!((2.0..=8.0).contains(&minutes));
        }
    }
}
