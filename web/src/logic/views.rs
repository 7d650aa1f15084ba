//! What each panel shows, computed from the store (live) or a loaded history
//! range (historical, up to the playhead). Components call these and draw.

use std::collections::HashMap;
use std::time::Duration;

use chrono::TimeDelta;
use protocol::time::align_floor;
use protocol::{TimeWindow, Timestamp};

use super::aggregate::{
    self, CustomerRow, ModelShare, TokenPoint, customers, known_rate_per_hour, models,
    peak_rate_per_hour, rate_per_hour, rate_span, token_points,
};
use super::ranking::spend_ranks;
use super::series::{Bucket, Series};
use super::spend::{SpendView, StackBy, spend_view};
use super::store::{LIVE_CHART_BUCKETS, LiveView, MetricStore, RANKS_COMPARED_OVER};

/// Where the panels' data comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Live {
        store: &'a MetricStore,
        window: TimeWindow,
        now: Timestamp,
        /// When the data is overdue: the last time the server was heard
        /// from. Buckets after it are unknown, not zero.
        as_of: Option<Timestamp>,
    },
    Historical {
        series: &'a Series,
        from: Timestamp,
        to: Timestamp,
        playhead: Timestamp,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaugeView {
    /// Spend rate now (or at the playhead), USD/h.
    pub rate: f64,
    /// The rate five minutes earlier, when the data reaches back that far.
    pub rate_5m_ago: Option<f64>,
    /// Highest rate in the data shown: the dial scales to it.
    pub peak: f64,
    /// What the rate is measured over.
    pub span: Duration,
    /// End of that span (the comparison with yesterday ends here too).
    pub end: Timestamp,
}

pub fn gauge(source: &Source) -> Option<GaugeView> {
    let (series, at) = match *source {
        // Overdue data is shown as of its last contact, not as a collapse.
        Source::Live {
            store, now, as_of, ..
        } => (store.fine()?, as_of.map_or(now, |t| t.min(now))),
        Source::Historical {
            series, playhead, ..
        } => (series, playhead),
    };
    // Complete buckets only: the one still filling would read as a drop.
    let end = align_floor(at, series.resolution());
    let span = rate_span(series.resolution());
    let rate = rate_per_hour(series, end, span)?;
    let rate_5m_ago = known_rate_per_hour(series, end - TimeDelta::minutes(5), span);
    Some(GaugeView {
        rate,
        rate_5m_ago,
        peak: peak_rate_per_hour(series, end, span),
        span,
        end,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct TokenView {
    pub points: Vec<TokenPoint>,
    pub resolution: Duration,
    pub from: Timestamp,
    pub to: Timestamp,
    /// The charts' y-axes reach at least this far: in a replay, the peaks of
    /// the whole range, so the axis holds still while the playhead moves.
    pub peak: Peak,
}

/// The largest bucket of a chart's range, in tokens and in cost.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Peak {
    pub tokens: f64,
    pub cost: f64,
}

impl Peak {
    fn over<'b>(buckets: impl Iterator<Item = &'b Bucket>) -> Peak {
        buckets.fold(Peak::default(), |p, b| Peak {
            tokens: p.tokens.max(b.totals.total_tokens as f64),
            cost: p.cost.max(b.totals.total_cost),
        })
    }
}

pub fn tokens(source: &Source) -> Option<TokenView> {
    charted(source).map(|(_, view)| view)
}

/// The spend chart: the token chart's buckets, their cost split by model.
pub fn spend(source: &Source, stack: StackBy) -> Option<SpendView> {
    let (series, v) = charted(source)?;
    let mut view = spend_view(series, &v.points, stack, v.resolution, v.from, v.to);
    view.peak = v.peak.cost;
    Some(view)
}

/// The charts' buckets and the series they come from.
fn charted<'a>(source: &Source<'a>) -> Option<(&'a Series, TokenView)> {
    let view = match *source {
        Source::Live {
            store, now, as_of, ..
        } => {
            let fine = store.fine()?;
            let mut points = token_points(fine, now, LIVE_CHART_BUCKETS, None);
            if let Some(as_of) = as_of {
                mark_unknown_after(&mut points, as_of);
            }
            let step = fine.resolution();
            let from = points.first()?.start;
            let to = points.last()?.start + TimeDelta::milliseconds(step.as_millis() as i64);
            // Live charts scale to their own bars.
            let view = TokenView {
                peak: Peak::default(),
                points,
                resolution: step,
                from,
                to,
            };
            (fine, view)
        }
        Source::Historical {
            series,
            from,
            to,
            playhead,
        } => {
            let step = series.resolution();
            let step_ms = step.as_millis().max(1) as i64;
            let first = align_floor(from, step);
            let last = align_floor(to - TimeDelta::milliseconds(1), step);
            let count = ((last - first).num_milliseconds() / step_ms + 1).max(1) as usize;
            let points = token_points(series, last, count, Some(playhead));
            let view = TokenView {
                peak: Peak::over(series.range(first, last + TimeDelta::milliseconds(step_ms))),
                points,
                resolution: step,
                from: first,
                to: last + TimeDelta::milliseconds(step_ms),
            };
            (series, view)
        }
    };
    Some(view)
}

/// Buckets that start after `as_of` (the last contact) are unknown: drawn
/// as gaps, left out of trends, never read as a drop to zero.
fn mark_unknown_after(points: &mut [crate::logic::aggregate::TokenPoint], as_of: Timestamp) {
    for p in points.iter_mut().filter(|p| p.start > as_of) {
        p.missing = true;
        p.partial = false;
        p.metrics = protocol::Metrics::default();
    }
}

/// The time series for the CSV download: in live mode the live chart's
/// buckets, in historical mode the whole range.
pub fn window_series(source: &Source) -> Option<TokenView> {
    tokens(source)
}

/// The live view when it is the one for `window`: a view for another window
/// shows nothing rather than wrong figures.
fn live_view(store: &MetricStore, window: TimeWindow) -> Option<&LiveView> {
    store.view.as_ref().filter(|v| v.spec.window == window)
}

/// The buckets the window-wide panels sum over in historical mode: the range
/// up to the playhead, and where "earlier" ends for their rank changes.
fn replayed(series: &Series, from: Timestamp, playhead: Timestamp) -> (Timestamp, Timestamp) {
    let from = align_floor(from, series.resolution());
    // The playhead's own bucket counts: it is being replayed.
    let end = align_floor(playhead, series.resolution())
        + TimeDelta::milliseconds(series.resolution().as_millis() as i64);
    (from, end)
}

pub fn models_view(source: &Source) -> Option<Vec<ModelShare>> {
    match *source {
        Source::Live { store, window, .. } => {
            let view = live_view(store, window)?;
            let total: f64 = view.by_model.iter().map(|m| m.metrics.total_cost).sum();
            Some(
                view.by_model
                    .iter()
                    .map(|m| ModelShare {
                        model: m.model.clone(),
                        metrics: m.metrics,
                        share: aggregate::share(m.metrics.total_cost, total),
                    })
                    .collect(),
            )
        }
        Source::Historical {
            series,
            from,
            playhead,
            ..
        } => {
            let (from, to) = replayed(series, from, playhead);
            Some(models(series.range(from, to)))
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomersView {
    pub rows: Vec<CustomerRow>,
    /// Spend ranks one rate span earlier, for the ▲▼ column.
    pub ranks_before: HashMap<(String, String), usize>,
    /// What "earlier" means: the rate span.
    pub compared_over: Duration,
    pub total_cost: f64,
}

pub fn customers_view(source: &Source) -> Option<CustomersView> {
    match *source {
        Source::Live {
            store, window, now, ..
        } => {
            let view = live_view(store, window)?;
            let total = view.totals.total_cost;
            let rows = view
                .top_customers
                .iter()
                .map(|c| CustomerRow {
                    tenant_id: c.tenant_id.clone(),
                    customer_id: c.customer_id.clone(),
                    metrics: c.metrics,
                    share: aggregate::share(c.metrics.total_cost, total),
                })
                .collect();
            Some(CustomersView {
                rows,
                ranks_before: view.ranks_before(now),
                compared_over: RANKS_COMPARED_OVER,
                total_cost: total,
            })
        }
        Source::Historical {
            series,
            from,
            playhead,
            ..
        } => {
            let (from, to) = replayed(series, from, playhead);
            let rows = customers(series.range(from, to));
            let span = rate_span(series.resolution());
            let last = series.range(from, to).last().map_or(to, |b| {
                b.start + TimeDelta::milliseconds(series.resolution().as_millis() as i64)
            });
            let earlier_end = last - TimeDelta::milliseconds(span.as_millis() as i64);
            let before = customers(series.range(from, earlier_end));
            Some(CustomersView {
                total_cost: aggregate::totals(series.range(from, to)).total_cost,
                rows,
                ranks_before: spend_ranks(&before),
                compared_over: span,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::series::tests::{history, ts};
    use protocol::{CustomerUsage, Metrics, ModelUsage, ViewSpec, ViewUpdate};

    fn live_store() -> MetricStore {
        let mut store = MetricStore::default();
        // 7 minutes of 5 s buckets at $1 each: $12/min = $720/h.
        let buckets = history(0, "2026-11-23T10:00:00Z", 84, 5).buckets;
        let at = ts("2026-11-23T10:06:58Z");
        let full = ViewUpdate {
            version: 1,
            full: true,
            at,
            buckets,
            totals: Some(Metrics {
                total_cost: 200.0,
                ..Metrics::default()
            }),
            by_model: Some(vec![
                ModelUsage {
                    model: "claude-opus-4".into(),
                    metrics: Metrics {
                        total_cost: 150.0,
                        ..Metrics::default()
                    },
                },
                ModelUsage {
                    model: "gpt-4o".into(),
                    metrics: Metrics {
                        total_cost: 50.0,
                        ..Metrics::default()
                    },
                },
            ]),
            top_customers: Some(vec![CustomerUsage {
                tenant_id: "acme".into(),
                customer_id: "big".into(),
                metrics: Metrics {
                    total_cost: 100.0,
                    ..Metrics::default()
                },
            }]),
            ..ViewUpdate::default()
        };
        let spec = ViewSpec {
            window: TimeWindow::FiveMinutes,
            ..ViewSpec::default()
        };
        store.apply(&spec, vec![full]);
        store
    }

    #[test]
    fn live_gauge_uses_complete_buckets() {
        let store = live_store();
        let now = ts("2026-11-23T10:06:58Z");
        let source = Source::Live {
            store: &store,
            window: TimeWindow::FiveMinutes,
            now,
            as_of: None,
        };
        let g = gauge(&source).unwrap();
        assert_eq!(g.rate, 720.0);
        assert_eq!(g.rate_5m_ago, Some(720.0));
        assert_eq!(g.peak, 720.0);
        let empty = MetricStore::default();
        assert!(
            gauge(&Source::Live {
                store: &empty,
                window: TimeWindow::FiveMinutes,
                now,
                as_of: None,
            })
            .is_none()
        );
    }

    #[test]
    fn overdue_data_is_shown_as_of_its_last_contact() {
        let store = live_store();
        let as_of = ts("2026-11-23T10:06:58Z");
        let source = Source::Live {
            store: &store,
            window: TimeWindow::FiveMinutes,
            now: as_of + TimeDelta::seconds(30),
            as_of: Some(as_of),
        };
        // The gauge holds the rate it had, not a collapse to zero.
        assert_eq!(gauge(&source).map(|g| g.rate), Some(720.0));
        // The 30 s since are six unknown buckets, not six empty ones.
        let view = tokens(&source).unwrap();
        let unknown: Vec<_> = view.points.iter().filter(|p| p.missing).collect();
        assert_eq!(unknown.len(), 6);
        assert!(
            unknown
                .iter()
                .all(|p| p.start > as_of && p.metrics.total_tokens == 0)
        );
        assert!(!view.points.iter().any(|p| p.partial));
    }

    #[test]
    fn live_tokens_are_sixty_buckets_ending_now() {
        let store = live_store();
        let now = ts("2026-11-23T10:06:58Z");
        let view = tokens(&Source::Live {
            store: &store,
            window: TimeWindow::FiveMinutes,
            now,
            as_of: None,
        })
        .unwrap();
        assert_eq!(view.points.len(), 60);
        assert_eq!(view.to, ts("2026-11-23T10:07:00Z"));
        assert_eq!(view.from, ts("2026-11-23T10:02:00Z"));
        assert!(view.points[59].partial);
    }

    #[test]
    fn live_models_and_customers_are_the_views() {
        let store = live_store();
        let now = ts("2026-11-23T10:06:58Z");
        let source = Source::Live {
            store: &store,
            window: TimeWindow::FiveMinutes,
            now,
            as_of: None,
        };
        let m = models_view(&source).unwrap();
        assert_eq!(m[0].model, "claude-opus-4");
        assert_eq!(m[0].share, 0.75);
        let c = customers_view(&source).unwrap();
        assert_eq!(c.rows[0].customer_id, "big");
        assert_eq!(
            c.rows[0].share, 0.5,
            "of the window's total, not of the rows'"
        );
        assert_eq!(c.ranks_before[&("acme".to_string(), "big".to_string())], 1);
        // A window the store was not loaded for shows nothing rather than wrong data.
        let other = Source::Live {
            store: &store,
            window: TimeWindow::OneHour,
            now,
            as_of: None,
        };
        assert!(models_view(&other).is_none());
        assert!(customers_view(&other).is_none());
    }

    #[test]
    fn historical_views_stop_at_the_playhead() {
        let series = Series::from_history(history(0, "2026-11-23T09:00:00Z", 60, 60), 62);
        let from = ts("2026-11-23T09:00:00Z");
        let to = ts("2026-11-23T10:00:00Z");
        let at = |p: &str| Source::Historical {
            series: &series,
            from,
            to,
            playhead: ts(p),
        };
        let view = tokens(&at("2026-11-23T09:30:30Z")).unwrap();
        assert_eq!(view.points.len(), 60);
        assert!(view.points[30].partial);
        assert!(view.points[31].future);
        let early = customers_view(&at("2026-11-23T09:09:59Z")).unwrap();
        let late = customers_view(&at("2026-11-23T09:59:59Z")).unwrap();
        assert_eq!(early.total_cost, 10.0);
        assert_eq!(late.total_cost, 60.0);
        // One-minute buckets: the rate of the bucket before the playhead's, per hour.
        assert_eq!(gauge(&at("2026-11-23T09:30:30Z")).unwrap().rate, 60.0);
    }
}
