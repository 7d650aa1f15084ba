//! Views computed from a series: window totals, cost by model, customers,
//! spend rates and the token chart's points. Pure functions of the buckets,
//! so live mode, historical mode and playback share them.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::TimeDelta;
use protocol::metric::most_expensive_first;
use protocol::time::align_floor;
use protocol::{Metrics, Timestamp};

use super::series::{Bucket, CustomerKey, Series};

/// One model's spend and its share of the total.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelShare {
    pub model: String,
    pub metrics: Metrics,
    /// Fraction (0–1) of the window's cost.
    pub share: f64,
}

/// Models drawn in their own colour in the donut; past these, colours stop
/// being told apart and the rest are one grey "other" slice.
pub const DONUT_MODELS: usize = 7;

/// The donut's slices: the `keep` most expensive models, and the rest
/// summed (with how many they are and their names), if any.
pub fn donut_slices(
    models: &[ModelShare],
    keep: usize,
) -> (Vec<ModelShare>, Option<(ModelShare, Vec<String>)>) {
    if models.len() <= keep + 1 {
        return (models.to_vec(), None);
    }
    let (kept, rest) = models.split_at(keep);
    let mut other = ModelShare {
        model: String::new(),
        metrics: Metrics::default(),
        share: 0.0,
    };
    for m in rest {
        other.metrics.merge(&m.metrics);
        other.share += m.share;
    }
    let names = rest.iter().map(|m| m.model.clone()).collect();
    (kept.to_vec(), Some((other, names)))
}

/// One customer's usage over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRow {
    pub tenant_id: String,
    pub customer_id: String,
    pub metrics: Metrics,
    /// Fraction (0–1) of the window's cost.
    pub share: f64,
}

/// One bucket of the token chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenPoint {
    pub start: Timestamp,
    pub metrics: Metrics,
    /// The bucket is still filling (the newest one in live mode, the playhead's in playback).
    pub partial: bool,
    /// Beyond the playhead: not yet replayed, drawn empty.
    pub future: bool,
    /// No server was recording: unknown, drawn as a gap, never as zero.
    pub missing: bool,
}

/// Sum of the buckets' totals.
pub fn totals<'a>(buckets: impl IntoIterator<Item = &'a Bucket>) -> Metrics {
    let mut sum = Metrics::default();
    for b in buckets {
        sum.merge(&b.totals);
    }
    sum
}

/// Cost by model over the buckets, most expensive first (ties by name, so the order is stable).
pub fn models<'a>(buckets: impl IntoIterator<Item = &'a Bucket>) -> Vec<ModelShare> {
    let mut by_model: BTreeMap<&str, Metrics> = BTreeMap::new();
    for b in buckets {
        for (model, m) in &b.by_model {
            by_model.entry(model.as_str()).or_default().merge(m);
        }
    }
    let total: f64 = by_model.values().map(|m| m.total_cost).sum();
    let mut out: Vec<ModelShare> = by_model
        .into_iter()
        .map(|(model, metrics)| ModelShare {
            model: model.to_string(),
            metrics,
            share: share(metrics.total_cost, total),
        })
        .collect();
    out.sort_by(|a, b| {
        most_expensive_first(
            (a.metrics.total_cost, &a.model),
            (b.metrics.total_cost, &b.model),
        )
    });
    out
}

/// Every customer seen in the buckets with its share of the buckets' total cost.
pub fn customers<'a>(buckets: impl IntoIterator<Item = &'a Bucket> + Clone) -> Vec<CustomerRow> {
    let total = totals(buckets.clone()).total_cost;
    let mut by_customer: HashMap<&CustomerKey, Metrics> = HashMap::new();
    for b in buckets {
        for (key, m) in &b.customers {
            by_customer.entry(key).or_default().merge(m);
        }
    }
    by_customer
        .into_iter()
        .map(|((tenant_id, customer_id), metrics)| CustomerRow {
            tenant_id: tenant_id.clone(),
            customer_id: customer_id.clone(),
            metrics,
            share: share(metrics.total_cost, total),
        })
        .collect()
}

/// `part` as a fraction of `total` (0 when there is no total).
pub fn share(part: f64, total: f64) -> f64 {
    if total > 0.0 { part / total } else { 0.0 }
}

/// The span a spend rate is measured over: a minute, or one bucket when buckets are longer.
pub fn rate_span(resolution: Duration) -> Duration {
    resolution.max(Duration::from_secs(60))
}

/// Spend in US dollars per hour over the complete buckets in `[end - span, end)`.
/// `None` when the series does not cover that span (not enough history yet).
pub fn rate_per_hour(series: &Series, end: Timestamp, span: Duration) -> Option<f64> {
    let span_ms = span.as_millis() as i64;
    let from = end - TimeDelta::milliseconds(span_ms);
    let first = series.buckets().front()?.start;
    if first > from {
        return None;
    }
    let cost: f64 = series.range(from, end).map(|b| b.totals.total_cost).sum();
    Some(cost * 3_600_000.0 / span_ms as f64)
}

/// [`rate_per_hour`], but `None` also when a server was not recording during
/// part of the span: on a cold start "5 min ago" is unknown, not $0/h.
pub fn known_rate_per_hour(series: &Series, end: Timestamp, span: Duration) -> Option<f64> {
    let from = end - TimeDelta::milliseconds(span.as_millis() as i64);
    if series.range(from, end).any(|b| b.missing) {
        return None;
    }
    rate_per_hour(series, end, span)
}

/// The highest spend rate over any span-long stretch of complete buckets ending
/// at or before `end`: the gauge scales to this so a spike stays on the dial.
pub fn peak_rate_per_hour(series: &Series, end: Timestamp, span: Duration) -> f64 {
    let step = TimeDelta::milliseconds(series.resolution().as_millis() as i64);
    let mut peak: f64 = 0.0;
    let mut at = end;
    let Some(first) = series.buckets().front().map(|b| b.start) else {
        return 0.0;
    };
    while let Some(rate) = rate_per_hour(series, at, span) {
        peak = peak.max(rate);
        at -= step;
        if at <= first {
            break;
        }
    }
    peak
}

/// The token chart's points: `count` buckets ending with the bucket that holds
/// `now`, which is flagged partial. Buckets after `playhead` (if any) are flagged future.
pub fn token_points(
    series: &Series,
    now: Timestamp,
    count: usize,
    playhead: Option<Timestamp>,
) -> Vec<TokenPoint> {
    let step = series.resolution();
    let step_delta = TimeDelta::milliseconds(step.as_millis() as i64);
    let last = align_floor(now, step);
    let playhead_bucket = playhead.map(|p| align_floor(p, step));
    (0..count)
        .map(|i| {
            let start = last - step_delta * (count - 1 - i) as i32;
            let future = playhead_bucket.is_some_and(|p| start > p);
            let bucket = series.bucket(start);
            let metrics = if future {
                Metrics::default()
            } else {
                bucket.map(|b| b.totals).unwrap_or_default()
            };
            let missing = !future && bucket.is_some_and(|b| b.missing);
            let partial = match playhead_bucket {
                Some(p) => start == p,
                None => i + 1 == count,
            };
            TokenPoint {
                start,
                metrics,
                partial,
                future,
                missing,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::series::tests::{history, ts, update};

    #[test]
    fn models_are_sorted_by_cost_with_shares() {
        let mut s = Series::new(Duration::from_secs(5), 10);
        s.apply(&update(1, "2026-11-23T10:00:00Z", "a", "gpt-4o", 1.0));
        s.apply(&update(
            2,
            "2026-11-23T10:00:06Z",
            "a",
            "claude-opus-4",
            3.0,
        ));
        s.apply(&update(3, "2026-11-23T10:00:07Z", "b", "gpt-4o", 1.0));
        let m = models(s.buckets());
        assert_eq!(m[0].model, "claude-opus-4");
        assert_eq!(m[0].share, 0.6);
        assert_eq!(m[1].model, "gpt-4o");
        assert_eq!(m[1].metrics.total_calls, 4);
        // Equal costs are ordered by name, so equal bars never swap.
        let mut t = Series::new(Duration::from_secs(5), 10);
        t.apply(&update(1, "2026-11-23T10:00:00Z", "a", "zeta", 1.0));
        t.apply(&update(2, "2026-11-23T10:00:00Z", "a", "alpha", 1.0));
        assert_eq!(models(t.buckets())[0].model, "alpha");
    }

    #[test]
    fn the_donut_groups_the_tail() {
        let share = |model: &str, cost: f64| ModelShare {
            model: model.into(),
            metrics: Metrics {
                total_cost: cost,
                ..Metrics::default()
            },
            share: cost / 10.0,
        };
        let models: Vec<ModelShare> = (0..10).map(|i| share(&format!("m{i}"), 1.0)).collect();
        let (kept, other) = donut_slices(&models, DONUT_MODELS);
        assert_eq!(kept.len(), 7);
        let (other, names) = other.expect("a tail");
        assert_eq!(names, ["m7", "m8", "m9"]);
        assert!((other.share - 0.3).abs() < 1e-9 && (other.metrics.total_cost - 3.0).abs() < 1e-9);
        // One model past the limit is shown itself, not as an "other" of one.
        let (kept, other) = donut_slices(&models[..8], DONUT_MODELS);
        assert_eq!((kept.len(), other), (8, None));
    }

    #[test]
    fn customers_sum_across_buckets_with_share_of_total() {
        let s = Series::from_history(history(0, "2026-11-23T10:00:00Z", 4, 5), 10);
        let rows = customers(s.buckets());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].customer_id, "acme-1");
        assert_eq!(rows[0].metrics.total_cost, 4.0);
        assert_eq!(rows[0].share, 1.0);
        assert_eq!(totals(s.buckets()).total_tokens, 400);
    }

    #[test]
    fn rates_use_complete_buckets_and_need_coverage() {
        // 24 buckets of 5 s, $1 each: $12 per minute = $720/h.
        let s = Series::from_history(history(0, "2026-11-23T10:00:00Z", 24, 5), 30);
        let end = ts("2026-11-23T10:02:00Z");
        let span = rate_span(s.resolution());
        assert_eq!(span, Duration::from_secs(60));
        assert_eq!(rate_per_hour(&s, end, span), Some(720.0));
        assert_eq!(
            rate_per_hour(&s, ts("2026-11-23T10:01:00Z"), span),
            Some(720.0)
        );
        assert_eq!(rate_per_hour(&s, ts("2026-11-23T10:00:59Z"), span), None);
        assert_eq!(peak_rate_per_hour(&s, end, span), 720.0);
        // A minute partly before the server started is unknown, not cheap.
        let mut cold = history(0, "2026-11-23T10:00:00Z", 24, 5);
        cold.buckets[13].missing = true;
        let cold = Series::from_history(cold, 30);
        assert_eq!(known_rate_per_hour(&cold, end, span), None);
        assert_eq!(rate_per_hour(&cold, end, span), Some(720.0));
        assert_eq!(
            known_rate_per_hour(&cold, ts("2026-11-23T10:01:00Z"), span),
            Some(720.0)
        );
        assert_eq!(
            rate_span(Duration::from_secs(600)),
            Duration::from_secs(600)
        );
    }

    #[test]
    fn peak_finds_the_spike() {
        let mut s = Series::from_history(history(0, "2026-11-23T10:00:00Z", 24, 5), 30);
        s.apply(&update(1, "2026-11-23T10:00:30Z", "a", "m", 59.0));
        let peak = peak_rate_per_hour(&s, ts("2026-11-23T10:02:00Z"), Duration::from_secs(60));
        assert_eq!(peak, (12.0 + 59.0) * 60.0);
    }

    #[test]
    fn token_points_are_exactly_count_with_the_newest_partial() {
        let s = Series::from_history(history(0, "2026-11-23T10:00:00Z", 70, 5), 90);
        let now = ts("2026-11-23T10:05:47Z");
        let points = token_points(&s, now, 60, None);
        assert_eq!(points.len(), 60);
        assert_eq!(points[59].start, ts("2026-11-23T10:05:45Z"));
        assert!(points[59].partial);
        assert!(points[..59].iter().all(|p| !p.partial && !p.future));
        assert_eq!(points[0].start, ts("2026-11-23T10:00:50Z"));
        assert_eq!(points[0].metrics.total_tokens, 100);
        // Buckets the series does not have yet are zeros, not missing points.
        let later = token_points(&s, ts("2026-11-23T10:30:00Z"), 60, None);
        assert_eq!(later.len(), 60);
        assert!(later.iter().all(|p| p.metrics.total_tokens == 0));
    }

    #[test]
    fn playback_marks_the_playhead_partial_and_later_buckets_future() {
        let s = Series::from_history(history(0, "2026-11-23T10:00:00Z", 12, 5), 20);
        let end = ts("2026-11-23T10:00:55Z");
        let points = token_points(&s, end, 12, Some(ts("2026-11-23T10:00:22Z")));
        assert!(points[4].partial);
        assert!(!points[4].future);
        assert!(points[5].future);
        assert_eq!(points[5].metrics, Metrics::default());
        assert_eq!(points[3].metrics.total_tokens, 100);
    }
}
