//! Spend over time: the chart's buckets with their cost split by model,
//! tenant or customer (the toggle), the window's most expensive stacked one
//! per colour and the rest as one "other" band, so a spike shows where it
//! came from.

use std::collections::HashMap;
use std::time::Duration;

use protocol::Timestamp;

use super::aggregate::TokenPoint;
use super::colors::{PALETTE, model_color};
use super::series::{Bucket, Series};

/// Keys stacked separately; the rest join [`OTHER`].
pub const STACKED: usize = 6;
/// The band of every key not stacked on its own.
pub const OTHER: &str = "other";
/// The "other" band: a neutral grey, never a key's colour.
pub const OTHER_COLOR: &str = "#8a96a3";

/// What the bars are split by (`?stack=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum StackBy {
    #[default]
    Model,
    Tenant,
    Customer,
}

impl StackBy {
    pub const ALL: [StackBy; 3] = [StackBy::Model, StackBy::Tenant, StackBy::Customer];

    pub fn as_str(self) -> &'static str {
        match self {
            StackBy::Model => "model",
            StackBy::Tenant => "tenant",
            StackBy::Customer => "customer",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == word)
    }

    /// The toggle's and subtitle's word.
    pub fn label(self) -> &'static str {
        match self {
            StackBy::Model => "Model",
            StackBy::Tenant => "Tenant",
            StackBy::Customer => "Customer",
        }
    }

    /// What the "other" band holds.
    pub fn other_label(self) -> &'static str {
        match self {
            StackBy::Model => "Other models",
            StackBy::Tenant => "Other tenants",
            StackBy::Customer => "Other customers",
        }
    }

    /// The bucket's cost per key. Customers are keyed `tenant/customer`;
    /// those the server summed instead of listing go to [`OTHER`].
    fn parts(self, b: &Bucket) -> Vec<(String, f64)> {
        match self {
            StackBy::Model => b
                .by_model
                .iter()
                .map(|(k, m)| (k.clone(), m.total_cost))
                .collect(),
            StackBy::Tenant => b
                .by_tenant
                .iter()
                .map(|(k, m)| (k.clone(), m.total_cost))
                .collect(),
            StackBy::Customer => b
                .customers
                .iter()
                .map(|((t, c), m)| (format!("{t}/{c}"), m.total_cost))
                .chain(
                    (b.other_customers.total_cost > 0.0)
                        .then(|| (OTHER.to_string(), b.other_customers.total_cost)),
                )
                .collect(),
        }
    }
}

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
    pub stack: StackBy,
    /// Keys most expensive first over the window, then [`OTHER`] if any.
    pub keys: Vec<String>,
    /// One colour per key: a model's own, otherwise by rank.
    pub colors: Vec<&'static str>,
    pub bars: Vec<SpendBar>,
    pub resolution: Duration,
    pub from: Timestamp,
    pub to: Timestamp,
    /// The y-axis reaches at least this far (see `views::Peak`).
    pub peak: f64,
}

impl SpendView {
    /// How far the y-axis reaches: the tallest bar, or the range's peak.
    pub fn max_total(&self) -> f64 {
        self.bars
            .iter()
            .map(SpendBar::total)
            .fold(self.peak, f64::max)
    }

    /// Cost over the chart's buckets.
    pub fn total(&self) -> f64 {
        self.bars.iter().map(SpendBar::total).sum()
    }

    /// How the legend and tooltip name a key.
    pub fn label(&self, key: &str) -> String {
        match self.stack {
            _ if key == OTHER => self.stack.other_label().to_string(),
            StackBy::Model => protocol::models::model_label(key).to_string(),
            StackBy::Tenant => key.to_string(),
            StackBy::Customer => key.replacen('/', " · ", 1),
        }
    }
}

/// Splits each of `points` (buckets of `series`) by `stack`.
pub fn spend_view(
    series: &Series,
    points: &[TokenPoint],
    stack: StackBy,
    resolution: Duration,
    from: Timestamp,
    to: Timestamp,
) -> SpendView {
    let shown = |p: &TokenPoint| !p.future && !p.missing;
    let parts: Vec<Vec<(String, f64)>> = points
        .iter()
        .map(|p| match series.bucket(p.start) {
            Some(b) if shown(p) => stack.parts(b),
            _ => Vec::new(),
        })
        .collect();
    let mut by_key: HashMap<&str, f64> = HashMap::new();
    for (key, cost) in parts.iter().flatten() {
        *by_key.entry(key.as_str()).or_default() += cost;
    }
    let summed_other = by_key.remove(OTHER).is_some();
    let mut ranked: Vec<(&str, f64)> = by_key.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let mut keys: Vec<String> = ranked
        .iter()
        .take(STACKED)
        .map(|(k, _)| k.to_string())
        .collect();
    if ranked.len() > STACKED || summed_other {
        keys.push(OTHER.to_string());
    }
    let index: HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let other = index.get(OTHER).copied();
    let bars = points
        .iter()
        .zip(&parts)
        .map(|(p, parts)| {
            let mut segments = vec![0.0; keys.len()];
            for (key, cost) in parts {
                if let Some(i) = index.get(key.as_str()).copied().or(other) {
                    segments[i] += cost;
                }
            }
            SpendBar {
                point: *p,
                segments,
            }
        })
        .collect();
    let colors = keys
        .iter()
        .enumerate()
        .map(|(i, k)| match stack {
            _ if k == OTHER => OTHER_COLOR,
            StackBy::Model => model_color(k),
            StackBy::Tenant | StackBy::Customer => PALETTE[i % PALETTE.len()],
        })
        .collect();
    SpendView {
        stack,
        keys,
        colors,
        bars,
        resolution,
        from,
        to,
        peak: 0.0,
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
        let v = spend_view(
            &s,
            &points,
            StackBy::Model,
            Duration::from_secs(5),
            points[0].start,
            now,
        );
        assert_eq!(v.keys.len(), STACKED + 1);
        assert_eq!(&v.keys[..2], ["o1", "gpt-4o"]);
        assert_eq!(v.keys.last().map(String::as_str), Some(OTHER));
        let bar = &v.bars[1];
        assert!((bar.total() - bar.point.metrics.total_cost).abs() < 1e-9);
        // m1 and m2 are the cheapest: together the "other" band.
        assert!(
            (bar.segments[STACKED] - 0.3).abs() < 1e-9,
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
        let v = spend_view(
            &s,
            &points,
            StackBy::Model,
            Duration::from_secs(5),
            points[0].start,
            now,
        );
        assert_eq!(v.keys, ["gpt-4o"]);
        let totals: Vec<f64> = v.bars.iter().map(SpendBar::total).collect();
        assert_eq!(totals, [0.0, 1.0, 0.0]);
    }

    #[test]
    fn tenants_and_customers_stack_too() {
        let mut s = Series::from_history(history(0, "2026-11-23T10:00:00Z", 3, 5), 10);
        let at = "2026-11-23T10:00:05Z";
        let mut u = update(1, at, "hooli-1", "o1", 4.0);
        u.tenant_id = "hooli".into();
        s.apply(&u);
        let now = ts("2026-11-23T10:00:10Z");
        let points = token_points(&s, now, 3, None);
        let v = spend_view(
            &s,
            &points,
            StackBy::Tenant,
            Duration::from_secs(5),
            points[0].start,
            now,
        );
        assert_eq!(v.keys, ["hooli", "acme"]);
        assert_eq!(v.bars[1].segments, [4.0, 1.0]);
        assert_eq!(v.colors, [PALETTE[0], PALETTE[1]]);
        let v = spend_view(
            &s,
            &points,
            StackBy::Customer,
            Duration::from_secs(5),
            points[0].start,
            now,
        );
        assert_eq!(v.keys, ["hooli/hooli-1", "acme/acme-1"]);
        assert_eq!(v.label("hooli/hooli-1"), "hooli · hooli-1");
        assert_eq!(v.label(OTHER), "Other customers");
        assert_eq!(StackBy::parse("tenant"), Some(StackBy::Tenant));
        assert_eq!(StackBy::parse("colour"), None);
    }
}
