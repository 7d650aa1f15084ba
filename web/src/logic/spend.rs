//! Spend over time: the chart's buckets with their cost split by model, the
//! most expensive models of the window stacked one per colour and the rest
//! as one "other" band, so a spike shows which model it came from.

use std::collections::HashMap;
use std::time::Duration;

use protocol::Timestamp;

use super::aggregate::TokenPoint;
use super::series::Series;

/// Models stacked separately; the rest join [`OTHER`].
pub const STACKED_MODELS: usize = 6;
/// The band of every model not stacked on its own.
pub const OTHER: &str = "other models";

#[derive(Debug, Clone, PartialEq)]
pub struct SpendBar {
    /// The bucket as the token chart has it (time, totals, partial, missing).
    pub point: TokenPoint,
    /// Cost per stack key, in the order of [`SpendView::keys`].
    pub segments: Vec<f64>,
}

impl SpendBar {
    pub fn total(&self) -> f64 {
        self.segments.iter().sum()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpendView {
    /// Models most expensive first over the window, then [`OTHER`] if any.
    pub keys: Vec<String>,
    pub bars: Vec<SpendBar>,
    pub resolution: Duration,
    pub from: Timestamp,
    pub to: Timestamp,
}

impl SpendView {
    pub fn max_total(&self) -> f64 {
        self.bars.iter().map(SpendBar::total).fold(0.0, f64::max)
    }

    /// Cost over the chart's buckets.
    pub fn total(&self) -> f64 {
        self.bars.iter().map(SpendBar::total).sum()
    }
}

/// Splits each of `points` (buckets of `series`) by model.
pub fn spend_view(
    series: &Series,
    points: &[TokenPoint],
    resolution: Duration,
    from: Timestamp,
    to: Timestamp,
) -> SpendView {
    let shown = |p: &TokenPoint| !p.future && !p.missing;
    let mut by_model: HashMap<&str, f64> = HashMap::new();
    for p in points.iter().filter(|p| shown(p)) {
        if let Some(b) = series.bucket(p.start) {
            for (model, m) in &b.by_model {
                *by_model.entry(model.as_str()).or_default() += m.total_cost;
            }
        }
    }
    let mut ranked: Vec<(&str, f64)> = by_model.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let mut keys: Vec<String> = ranked
        .iter()
        .take(STACKED_MODELS)
        .map(|(m, _)| m.to_string())
        .collect();
    let has_other = ranked.len() > STACKED_MODELS;
    if has_other {
        keys.push(OTHER.to_string());
    }
    let index: HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let other = has_other.then(|| keys.len() - 1);
    let bars = points
        .iter()
        .map(|p| {
            let mut segments = vec![0.0; keys.len()];
            if shown(p)
                && let Some(b) = series.bucket(p.start)
            {
                for (model, m) in &b.by_model {
                    if let Some(i) = index.get(model.as_str()).copied().or(other) {
                        segments[i] += m.total_cost;
                    }
                }
            }
            SpendBar {
                point: *p,
                segments,
            }
        })
        .collect();
    SpendView {
        keys,
        bars,
        resolution,
        from,
        to,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::aggregate::token_points;
    use crate::logic::series::tests::{history, ts, update};

    /// Three 5 s buckets from 10:00:00, each $1 on gpt-4o.
    fn series() -> Series {
        Series::from_history(history(0, "2026-11-23T10:00:00Z", 3, 5), 10)
    }

    #[test]
    fn each_bucket_is_split_by_model_and_adds_up_to_its_cost() {
        let mut s = series();
        let at = "2026-11-23T10:00:05Z";
        s.apply(&update(1, at, "acme-2", "o1", 5.0));
        for (i, m) in ["m1", "m2", "m3", "m4", "m5", "m6"].iter().enumerate() {
            s.apply(&update(2 + i as u64, at, "acme-3", m, 0.1 * (i + 1) as f64));
        }
        let now = ts("2026-11-23T10:00:10Z");
        let points = token_points(&s, now, 3, None);
        let v = spend_view(&s, &points, Duration::from_secs(5), points[0].start, now);
        assert_eq!(v.keys.len(), STACKED_MODELS + 1);
        assert_eq!(&v.keys[..2], ["o1", "gpt-4o"]);
        assert_eq!(v.keys.last().map(String::as_str), Some(OTHER));
        let bar = &v.bars[1];
        assert!((bar.total() - bar.point.metrics.total_cost).abs() < 1e-9);
        // m1 and m2 are the cheapest: together the "other" band.
        assert!(
            (bar.segments[STACKED_MODELS] - 0.3).abs() < 1e-9,
            "{:?}",
            bar.segments
        );
        assert!((v.max_total() - bar.total()).abs() < 1e-9);
        assert!((v.total() - (3.0 + 5.0 + 2.1)).abs() < 1e-9);
    }

    #[test]
    fn missing_and_future_buckets_carry_no_spend() {
        let s = series();
        let now = ts("2026-11-23T10:00:10Z");
        let mut points = token_points(&s, now, 3, None);
        points[0].missing = true;
        points[2].future = true;
        let v = spend_view(&s, &points, Duration::from_secs(5), points[0].start, now);
        assert_eq!(v.keys, ["gpt-4o"]);
        let totals: Vec<f64> = v.bars.iter().map(SpendBar::total).collect();
        assert_eq!(totals, [0.0, 1.0, 0.0]);
    }
}
