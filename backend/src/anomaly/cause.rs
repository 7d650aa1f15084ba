//! Why an anomaly happened, from the data: the entity's excess split over the
//! (customer, model) pairs inside it, each pair against its own baseline, and
//! one sentence that says it for people.

use std::collections::BTreeMap;

use protocol::{AnomalyMetric, Cause, Contributor, EntityKind, EntityRef};

use super::format::{count, percent, ratio, usd};
use super::series::Totals;

/// Usage over a span of time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub totals: Totals,
    pub secs: f64,
}

impl Usage {
    fn per_hour(&self, x: f64) -> f64 {
        if self.secs > 0.0 {
            x * 3600.0 / self.secs
        } else {
            0.0
        }
    }

    pub fn usd_per_hour(&self) -> f64 {
        self.per_hour(self.totals.cost)
    }

    pub fn calls_per_hour(&self) -> f64 {
        self.per_hour(self.totals.calls as f64)
    }

    pub fn tokens_per_call(&self) -> Option<f64> {
        self.totals.tokens_per_call()
    }

    fn split_per_call(&self) -> Option<(f64, f64)> {
        let t = &self.totals;
        (t.calls > 0 && t.input_tokens + t.output_tokens > 0).then(|| {
            (
                t.input_tokens as f64 / t.calls as f64,
                t.output_tokens as f64 / t.calls as f64,
            )
        })
    }
}

/// One (customer, model) pair inside the entity: now and in its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct PairUsage<'a> {
    pub tenant_id: &'a str,
    pub customer_id: &'a str,
    pub model: &'a str,
    pub now: Usage,
    pub base: Usage,
}

impl PairUsage<'_> {
    /// Spend above the pair's baseline, USD/h (negative when below).
    pub fn cost_excess(&self) -> f64 {
        self.now.usd_per_hour() - self.base.usd_per_hour()
    }

    /// Tokens per hour beyond what its calls would have used at its baseline
    /// tokens per call (`fallback_tpc`, the entity's, for a pair without one).
    pub fn token_excess(&self, fallback_tpc: f64) -> f64 {
        let Some(now_tpc) = self.now.tokens_per_call() else {
            return 0.0;
        };
        let base_tpc = self.base.tokens_per_call().unwrap_or(fallback_tpc);
        self.now.calls_per_hour() * (now_tpc - base_tpc)
    }

    /// Excess in the unit that matters for `metric`: USD/h or tokens/h.
    pub fn excess(&self, metric: AnomalyMetric, fallback_tpc: f64) -> f64 {
        match metric {
            // Budget alerts come from the budget watcher, not the detector.
            AnomalyMetric::CostRate | AnomalyMetric::Budget => self.cost_excess(),
            AnomalyMetric::TokensPerCall => self.token_excess(fallback_tpc),
        }
    }

    fn calls_ratio(&self) -> Option<f64> {
        let base = self.base.calls_per_hour();
        (base > 0.0).then(|| self.now.calls_per_hour() / base)
    }

    fn tokens_per_call_ratio(&self) -> Option<f64> {
        Some(self.now.tokens_per_call()? / self.base.tokens_per_call()?)
    }
}

/// The group (by `key`) with the largest net excess, and its share of the net
/// excess of all groups (at most 1: noise in other groups cancels out rather
/// than diluting the share). `None` when nothing is above baseline.
pub fn dominant<'a>(
    pairs: &[PairUsage<'a>],
    metric: AnomalyMetric,
    fallback_tpc: f64,
    key: impl Fn(&PairUsage<'a>) -> &'a str,
) -> Option<(&'a str, f64)> {
    let mut groups: BTreeMap<&str, f64> = BTreeMap::new();
    for pair in pairs {
        *groups.entry(key(pair)).or_default() += pair.excess(metric, fallback_tpc);
    }
    let total: f64 = groups.values().sum();
    let (name, top) = groups
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))?;
    (top > 0.0).then(|| (name, top / total.max(top)))
}

/// The share of the net excess that comes from pairs matching `covered`
/// (0–1; 0 when there is no net excess).
pub fn covered_share(
    pairs: &[PairUsage],
    metric: AnomalyMetric,
    fallback_tpc: f64,
    covered: impl Fn(&PairUsage) -> bool,
) -> f64 {
    let total: f64 = pairs.iter().map(|p| p.excess(metric, fallback_tpc)).sum();
    let part: f64 = pairs
        .iter()
        .filter(|p| covered(p))
        .map(|p| p.excess(metric, fallback_tpc))
        .sum();
    if part <= 0.0 {
        0.0
    } else {
        part / total.max(part)
    }
}

/// What the cause sentence is about.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub entity: &'a EntityRef,
    pub metric: AnomalyMetric,
    /// The anomaly's observed and expected values, in the metric's unit.
    pub observed: f64,
    pub expected: f64,
    /// The entity's spend above its baseline, USD/h (0 when not above).
    pub excess_usd_per_hour: f64,
    /// The entity's baseline tokens per call, for pairs without their own.
    pub fallback_tpc: f64,
}

/// Pairs by their excess for the subject's metric, largest first; only
/// those above their baseline.
fn ranked<'p, 'a>(subject: &Subject, pairs: &'p [PairUsage<'a>]) -> Vec<&'p PairUsage<'a>> {
    let mut ranked: Vec<&PairUsage> = pairs
        .iter()
        .filter(|p| p.excess(subject.metric, subject.fallback_tpc) > 0.0)
        .collect();
    ranked.sort_by(|a, b| {
        b.excess(subject.metric, subject.fallback_tpc)
            .total_cmp(&a.excess(subject.metric, subject.fallback_tpc))
            .then_with(|| (a.customer_id, a.model).cmp(&(b.customer_id, b.model)))
    });
    ranked
}

/// The cause: the `limit` largest contributors and the sentence.
pub fn explain(subject: &Subject, pairs: &[PairUsage], limit: usize) -> Cause {
    let ranked = ranked(subject, pairs);
    let dollars: f64 = pairs.iter().map(|p| p.cost_excess().max(0.0)).sum();
    let contributors = ranked
        .iter()
        .take(limit)
        .map(|p| Contributor {
            tenant_id: p.tenant_id.to_string(),
            customer_id: p.customer_id.to_string(),
            model: p.model.to_string(),
            observed_usd_per_hour: p.now.usd_per_hour(),
            expected_usd_per_hour: p.base.usd_per_hour(),
            share: if dollars > 0.0 {
                p.cost_excess().max(0.0) / dollars
            } else {
                0.0
            },
            calls_ratio: p.calls_ratio(),
            tokens_per_call_ratio: p.tokens_per_call_ratio(),
        })
        .collect();
    let summary = match subject.metric {
        AnomalyMetric::CostRate | AnomalyMetric::Budget => cost_summary(subject, pairs, &ranked),
        AnomalyMetric::TokensPerCall => tokens_summary(subject, &ranked),
    };
    Cause {
        excess_usd_per_hour: subject.excess_usd_per_hour.max(0.0),
        summary,
        contributors,
    }
}

fn kind_name(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Tenant => "tenant",
        EntityKind::Customer => "customer",
        EntityKind::Model => "model",
    }
}

fn cost_summary(subject: &Subject, pairs: &[PairUsage], ranked: &[&PairUsage]) -> String {
    let excess = usd(subject.excess_usd_per_hour.max(0.0));
    let Some(top) = ranked.first() else {
        return format!(
            "+{excess}/h over expected; no customer–model pair is above its own baseline"
        );
    };
    let dollars: f64 = ranked.iter().map(|p| p.cost_excess()).sum();
    let share = top.cost_excess() / dollars;
    let mut text = if share >= 0.5 {
        format!(
            "{} of the +{excess}/h over expected came from customer {} on {}",
            percent(share),
            top.customer_id,
            top.model
        )
    } else {
        format!(
            "+{excess}/h over expected across {} customer–model pairs, led by customer {} on {} ({})",
            ranked.len(),
            top.customer_id,
            top.model,
            percent(share)
        )
    };
    let mut details = Vec::new();
    // What changed for the top pair, when it carries most of the excess.
    if share >= 0.5 {
        if top.base.usd_per_hour() < 0.05 * top.now.usd_per_hour() {
            let has_other_models = pairs
                .iter()
                .any(|p| p.customer_id == top.customer_id && p.model != top.model);
            text.push_str(if has_other_models {
                ", a model it barely used before"
            } else {
                ", new spend without a baseline"
            });
        } else {
            if let Some(r) = top.tokens_per_call_ratio()
                && !(0.77..1.3).contains(&r)
            {
                details.push(format!("tokens per call {}", ratio(r)));
            }
            if let Some(r) = top.calls_ratio()
                && r >= 1.3
            {
                details.push(format!("calls {}", ratio(r)));
            }
        }
        // Where the money moved from, when the same customer dropped another model.
        let dropped = pairs
            .iter()
            .filter(|p| p.customer_id == top.customer_id && p.model != top.model)
            .min_by(|a, b| a.cost_excess().total_cmp(&b.cost_excess()));
        if let Some(p) = dropped
            && p.base.usd_per_hour() > 0.0
            && p.cost_excess() < -0.4 * p.base.usd_per_hour()
        {
            details.push(format!(
                "its {} spend fell {}",
                p.model,
                percent(-p.cost_excess() / p.base.usd_per_hour())
            ));
        }
    } else {
        let now: f64 = pairs.iter().map(|p| p.now.calls_per_hour()).sum();
        let base: f64 = pairs.iter().map(|p| p.base.calls_per_hour()).sum();
        if base > 0.0 && now >= 1.3 * base {
            details.push(format!(
                "calls {} across the {}",
                ratio(now / base),
                kind_name(subject.entity.kind)
            ));
        }
    }
    for d in details {
        text.push_str("; ");
        text.push_str(&d);
    }
    text
}

fn tokens_summary(subject: &Subject, ranked: &[&PairUsage]) -> String {
    let mut text = format!(
        "tokens per call {} ({} → {})",
        ratio(subject.observed / subject.expected),
        count(subject.expected),
        count(subject.observed)
    );
    if let Some(top) = ranked.first() {
        let total: f64 = ranked
            .iter()
            .map(|p| p.token_excess(subject.fallback_tpc))
            .sum();
        let share = top.token_excess(subject.fallback_tpc) / total;
        if share >= 0.5 {
            if subject.entity.kind == EntityKind::Customer {
                text.push_str(&format!(" on {}", top.model));
            } else {
                text.push_str(&format!(
                    ", {} of it from customer {} on {}",
                    percent(share),
                    top.customer_id,
                    top.model
                ));
            }
        }
        if let (Some((in_now, out_now)), Some((in_base, out_base))) =
            (top.now.split_per_call(), top.base.split_per_call())
        {
            let (d_in, d_out) = (in_now - in_base, out_now - out_base);
            if d_in > 2.0 * d_out.abs() {
                text.push_str(", mostly input tokens");
            } else if d_out > 2.0 * d_in.abs() {
                text.push_str(", mostly output tokens");
            } else {
                text.push_str(", input and output tokens");
            }
        }
    }
    if subject.excess_usd_per_hour >= 0.5 {
        text.push_str(&format!("; +{}/h", usd(subject.excess_usd_per_hour)));
    } else {
        text.push_str("; spend within its baseline");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Usage of `calls` calls with the given tokens each and total cost, over `secs`.
    fn usage(secs: f64, calls: u64, input: u64, output: u64, cost: f64) -> Usage {
        Usage {
            totals: Totals {
                cost,
                cost_sq: cost * cost,
                calls,
                tokens: calls * (input + output),
                input_tokens: calls * input,
                output_tokens: calls * output,
            },
            secs,
        }
    }

    fn pair<'a>(customer: &'a str, model: &'a str, now: Usage, base: Usage) -> PairUsage<'a> {
        PairUsage {
            tenant_id: "acme",
            customer_id: customer,
            model,
            now,
            base,
        }
    }

    fn customer(id: &str) -> EntityRef {
        EntityRef {
            kind: EntityKind::Customer,
            id: id.into(),
            tenant_id: Some("acme".into()),
        }
    }

    fn tenant() -> EntityRef {
        EntityRef {
            kind: EntityKind::Tenant,
            id: "acme".into(),
            tenant_id: None,
        }
    }

    /// 30 s now, 30 min of baseline.
    const NOW: f64 = 30.0;
    const BASE: f64 = 1800.0;

    #[test]
    fn usage_rates() {
        let u = usage(NOW, 10, 1000, 200, 0.5);
        assert!((u.usd_per_hour() - 60.0).abs() < 1e-9);
        assert!((u.calls_per_hour() - 1200.0).abs() < 1e-9);
        assert_eq!(u.tokens_per_call(), Some(1200.0));
        assert_eq!(Usage::default().usd_per_hour(), 0.0);
        assert_eq!(Usage::default().tokens_per_call(), None);
    }

    #[test]
    fn model_switch_is_named_with_where_it_came_from() {
        // acme-17 moved from gpt-4o ($10/h) to claude-opus-4 ($400/h); acme-2 is steady.
        let pairs = [
            pair(
                "acme-17",
                "gpt-4o",
                usage(NOW, 2, 1000, 100, 10.0 / 120.0 * 0.1),
                usage(BASE, 600, 1000, 100, 5.0),
            ),
            pair(
                "acme-17",
                "claude-opus-4",
                usage(NOW, 20, 1000, 100, 400.0 / 120.0),
                Usage {
                    secs: BASE,
                    ..Usage::default()
                },
            ),
            pair(
                "acme-2",
                "gpt-4o-mini",
                usage(NOW, 30, 500, 50, 0.09),
                usage(BASE, 1800, 500, 50, 6.0),
            ),
        ];
        let entity = tenant();
        let subject = Subject {
            entity: &entity,
            metric: AnomalyMetric::CostRate,
            observed: 412.0,
            expected: 22.0,
            excess_usd_per_hour: 390.0,
            fallback_tpc: 1000.0,
        };
        let cause = explain(&subject, &pairs, 5);
        assert_eq!(cause.excess_usd_per_hour, 390.0);
        assert_eq!(cause.contributors.len(), 1, "{:?}", cause.contributors);
        let top = &cause.contributors[0];
        assert_eq!(
            (top.customer_id.as_str(), top.model.as_str()),
            ("acme-17", "claude-opus-4")
        );
        assert!((top.share - 1.0).abs() < 1e-9);
        assert!((top.observed_usd_per_hour - 400.0).abs() < 1e-6);
        assert_eq!(top.expected_usd_per_hour, 0.0);
        assert_eq!(top.calls_ratio, None);
        assert_eq!(
            cause.summary,
            "100% of the +$390.00/h over expected came from customer acme-17 on claude-opus-4, \
             a model it barely used before; its gpt-4o spend fell 90%"
        );
    }

    #[test]
    fn retry_storm_shows_calls_and_tokens_per_call() {
        // acme-17 on gpt-4o: 8× the calls, 0.7× the tokens per call.
        let pairs = [
            pair(
                "acme-17",
                "gpt-4o",
                usage(NOW, 80, 700, 70, 2.0),
                usage(BASE, 600, 1000, 100, 10.0),
            ),
            pair(
                "acme-3",
                "gpt-4o",
                usage(NOW, 10, 1000, 100, 0.2),
                usage(BASE, 600, 1000, 100, 10.0),
            ),
        ];
        let entity = customer("acme-17");
        let subject = Subject {
            entity: &entity,
            metric: AnomalyMetric::CostRate,
            observed: 240.0,
            expected: 20.0,
            excess_usd_per_hour: 220.0,
            fallback_tpc: 1100.0,
        };
        let cause = explain(&subject, &pairs, 5);
        let top = &cause.contributors[0];
        assert!((top.calls_ratio.unwrap() - 8.0).abs() < 1e-9);
        assert!((top.tokens_per_call_ratio.unwrap() - 0.7).abs() < 1e-9);
        assert!((top.share - 220.0 / 224.0).abs() < 1e-9, "{}", top.share);
        assert_eq!(
            cause.summary,
            "98% of the +$220.00/h over expected came from customer acme-17 on gpt-4o; \
             tokens per call ×0.7; calls ×8"
        );
    }

    #[test]
    fn a_spread_rise_says_so() {
        let pairs: Vec<PairUsage> = ["acme-1", "acme-2", "acme-3"]
            .into_iter()
            .zip([30.0, 20.0, 25.0])
            .map(|(c, dollars)| {
                pair(
                    c,
                    "gpt-4o",
                    usage(NOW, 40, 1000, 100, dollars / 120.0 * 4.0),
                    usage(BASE, 600, 1000, 100, dollars / 2.0),
                )
            })
            .collect();
        let entity = tenant();
        let subject = Subject {
            entity: &entity,
            metric: AnomalyMetric::CostRate,
            observed: 300.0,
            expected: 75.0,
            excess_usd_per_hour: 225.0,
            fallback_tpc: 1100.0,
        };
        let cause = explain(&subject, &pairs, 2);
        assert_eq!(cause.contributors.len(), 2);
        assert_eq!(cause.contributors[0].customer_id, "acme-1");
        assert_eq!(cause.contributors[1].customer_id, "acme-3");
        let shares: f64 = cause.contributors.iter().map(|c| c.share).sum();
        assert!((shares - 0.7333).abs() < 1e-3, "{shares}");
        assert_eq!(
            cause.summary,
            "+$225.00/h over expected across 3 customer–model pairs, led by customer acme-1 on \
             gpt-4o (40%); calls ×4 across the tenant"
        );
    }

    #[test]
    fn nothing_above_baseline_is_said_plainly() {
        let pairs = [pair(
            "acme-1",
            "gpt-4o",
            usage(NOW, 10, 1000, 100, 0.05),
            usage(BASE, 600, 1000, 100, 6.0),
        )];
        let entity = tenant();
        let subject = Subject {
            entity: &entity,
            metric: AnomalyMetric::CostRate,
            observed: 30.0,
            expected: 10.0,
            excess_usd_per_hour: 20.0,
            fallback_tpc: 1100.0,
        };
        let cause = explain(&subject, &pairs, 5);
        assert!(cause.contributors.is_empty());
        assert_eq!(
            cause.summary,
            "+$20.00/h over expected; no customer–model pair is above its own baseline"
        );
        assert!(explain(&subject, &[], 5).contributors.is_empty());
    }

    #[test]
    fn tokens_per_call_sentence_names_model_and_direction() {
        let pairs = [
            pair(
                "acme-17",
                "gpt-4o",
                usage(NOW, 40, 7600, 400, 3.0),
                usage(BASE, 2400, 1500, 400, 60.0),
            ),
            pair(
                "acme-17",
                "gpt-4o-mini",
                usage(NOW, 5, 1500, 400, 0.01),
                usage(BASE, 300, 1500, 400, 0.5),
            ),
        ];
        let entity = customer("acme-17");
        let subject = Subject {
            entity: &entity,
            metric: AnomalyMetric::TokensPerCall,
            observed: 7890.0,
            expected: 1900.0,
            excess_usd_per_hour: 38.2,
            fallback_tpc: 1900.0,
        };
        let cause = explain(&subject, &pairs, 5);
        assert_eq!(cause.contributors[0].model, "gpt-4o");
        assert!(
            (cause.contributors[0].tokens_per_call_ratio.unwrap() - 8000.0 / 1900.0).abs() < 1e-9
        );
        assert_eq!(
            cause.summary,
            "tokens per call ×4.2 (1,900 → 7,900) on gpt-4o, mostly input tokens; +$38.20/h"
        );
        // Seen from the tenant, the customer is named; cheap spend is said too.
        let entity = tenant();
        let subject = Subject {
            entity: &entity,
            excess_usd_per_hour: 0.0,
            ..subject
        };
        assert_eq!(
            explain(&subject, &pairs, 5).summary,
            "tokens per call ×4.2 (1,900 → 7,900), 100% of it from customer acme-17 on gpt-4o, \
             mostly input tokens; spend within its baseline"
        );
    }

    #[test]
    fn dominant_groups_by_key() {
        let pairs = [
            pair(
                "acme-1",
                "gpt-4o",
                usage(NOW, 40, 1000, 100, 1.0),
                usage(BASE, 600, 1000, 100, 6.0),
            ),
            pair(
                "acme-1",
                "gpt-4o-mini",
                usage(NOW, 40, 1000, 100, 0.05),
                usage(BASE, 600, 1000, 100, 6.0),
            ),
            pair(
                "acme-2",
                "gpt-4o",
                usage(NOW, 40, 1000, 100, 0.2),
                usage(BASE, 600, 1000, 100, 6.0),
            ),
        ];
        // acme-1: (120 − 12) + (6 − 12) = 102 net; acme-2: 24 − 12 = 12 net.
        let (name, share) =
            dominant(&pairs, AnomalyMetric::CostRate, 0.0, |p| p.customer_id).unwrap();
        assert_eq!(name, "acme-1");
        assert!((share - 102.0 / 114.0).abs() < 1e-9, "{share}");
        // Others below their baseline do not make the leader explain more than all of it.
        let (name, share) =
            dominant(&pairs[..2], AnomalyMetric::CostRate, 0.0, |p| p.model).unwrap();
        assert_eq!((name, share), ("gpt-4o", 1.0));
        let (model, _) = dominant(&pairs, AnomalyMetric::CostRate, 0.0, |p| p.model).unwrap();
        assert_eq!(model, "gpt-4o");
        assert_eq!(
            dominant(&pairs[1..2], AnomalyMetric::CostRate, 0.0, |p| p.model),
            None
        );
        let share = covered_share(&pairs, AnomalyMetric::CostRate, 0.0, |p| {
            p.customer_id == "acme-2"
        });
        assert!((share - 12.0 / 114.0).abs() < 1e-9, "{share}");
        assert_eq!(
            covered_share(&pairs, AnomalyMetric::CostRate, 0.0, |p| p.model
                == "gpt-4o-mini"),
            0.0
        );
        assert_eq!(
            covered_share(&pairs, AnomalyMetric::CostRate, 0.0, |_| true),
            1.0
        );
        assert_eq!(
            dominant(&[], AnomalyMetric::CostRate, 0.0, |p| p.model),
            None
        );
    }
}
