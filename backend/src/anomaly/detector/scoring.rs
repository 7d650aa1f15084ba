//! Scoring one track for one window: its baselines (cached per sealed
//! block), each measure's reading against them, and the open/end state
//! machine with persistence and hysteresis. Pure: it sees one track at a
//! time and nothing of the tree around it.

use protocol::TrendPoint;

use super::config::{DetectorConfig, Geometry};
use super::measure::{Measure, PerMeasure};
use super::state::{Alarm, CachedBaselines, MetricState, Reading, Track};
use crate::anomaly::baseline::{Baseline, baseline};
use crate::anomaly::series::{Series, Totals};

fn compute_baselines(
    series: &Series,
    end: i64,
    config: &DetectorConfig,
    g: Geometry,
) -> PerMeasure<Option<Baseline>> {
    let to_rate = 3600.0 / g.window_secs();
    let mut cost = Vec::with_capacity(config.baseline_blocks);
    let mut tokens = Vec::with_capacity(config.baseline_blocks);
    let mut sum = Totals::default();
    for b in g.baseline_blocks(end) {
        if !series.covers(b) || series.is_excluded(b) {
            continue;
        }
        let totals = series.block(b);
        sum.add(&totals);
        cost.push(totals.cost * to_rate);
        if totals.calls >= config.min_calls
            && let Some(tpc) = totals.tokens_per_call()
        {
            tokens.push(tpc);
        }
    }
    let floor = config.relative_scale_floor;
    let enough = |v: &[f64]| v.len() >= config.min_baseline_blocks;
    // Reports arrive as a Poisson process: λ reports per window costing C
    // each make a window vary by √(λ·E[C²]) = √(mean Σ C² per window),
    // however small the MAD of mostly quiet windows is.
    let count_noise = if cost.is_empty() {
        0.0
    } else {
        config.count_noise_factor * (sum.cost_sq / cost.len() as f64).sqrt() * to_rate
    };
    PerMeasure::new(
        if enough(&cost) {
            baseline(&mut cost, config.cost_scale_floor.max(count_noise), floor)
        } else {
            None
        },
        if enough(&tokens) {
            baseline(&mut tokens, 1.0, floor)
        } else {
            None
        },
    )
}

/// A measure in the latest window, with the excess that counts as material.
#[derive(Debug, Clone, Copy)]
struct Observation {
    value: f64,
    /// Least excess over the median worth an alert, in the measure's unit.
    material: f64,
    /// Excess over the median for critical severity.
    critical: f64,
}

fn read(o: Observation, b: Baseline, config: &DetectorConfig) -> Reading {
    let score = b.z(o.value);
    let excess = o.value - b.median;
    Reading {
        observed: o.value,
        expected: b.median,
        score,
        exceeds: score >= config.open_z && excess >= o.material,
        calm: score < config.end_z || excess < o.material / 2.0,
        severe: score >= config.critical_z && excess >= o.critical,
    }
}

fn cost_reading(
    now: &Totals,
    baseline: Option<Baseline>,
    config: &DetectorConfig,
    g: Geometry,
) -> Option<Reading> {
    let b = baseline?;
    let observation = Observation {
        value: now.cost * 3600.0 / g.window_secs(),
        material: config
            .min_excess_usd_per_hour
            .max(config.min_excess_fraction * b.median),
        critical: config
            .critical_excess_usd_per_hour
            .max(config.critical_excess_fraction * b.median),
    };
    Some(read(observation, b, config))
}

fn tokens_reading(
    now: &Totals,
    baseline: Option<Baseline>,
    config: &DetectorConfig,
) -> Option<Reading> {
    let b = baseline?;
    if now.calls < config.min_calls || b.median <= 0.0 {
        return None;
    }
    let observation = Observation {
        value: now.tokens_per_call()?,
        material: (config.min_tokens_ratio - 1.0) * b.median,
        critical: (config.critical_tokens_ratio - 1.0) * b.median,
    };
    Some(read(observation, b, config))
}

/// Advances one measure's state machine by one window.
pub(super) fn step(
    state: &mut MetricState,
    reading: Option<Reading>,
    end: i64,
    config: &DetectorConfig,
    g: Geometry,
) {
    let t = g.time_of(end);
    state.reading = reading;
    if let Some(r) = reading {
        state.recent.push_back(TrendPoint {
            t,
            observed: r.observed,
            expected: r.expected,
        });
        while state.recent.len() > config.trend_lead_points.max(1) {
            state.recent.pop_front();
        }
    }
    let Some(alarm) = state.alarm.as_mut() else {
        if reading.is_some_and(|r| r.exceeds) {
            if state.streak == 0 {
                state.streak_start = end;
            }
            state.streak += 1;
            if state.streak >= config.open_after {
                state.alarm = Some(Alarm {
                    start_slot: state.streak_start - g.window,
                    age: 0,
                    decided: false,
                    started_at: g.time_of(state.streak_start),
                    calm: 0,
                    first_calm_at: None,
                    ended_at: None,
                    published: None,
                });
                state.streak = 0;
            }
        } else {
            state.streak = 0;
        }
        return;
    };
    if alarm.ended_at.is_some() {
        return;
    }
    alarm.age += 1;
    if reading.is_none_or(|r| r.calm) {
        alarm.calm += 1;
        let first_calm = *alarm.first_calm_at.get_or_insert(t);
        if alarm.calm >= config.end_after {
            if alarm.published.is_some() {
                alarm.ended_at = Some(first_calm);
            } else {
                state.alarm = None;
            }
        }
    } else {
        alarm.calm = 0;
        alarm.first_calm_at = None;
    }
}

/// Scores both measures of one entity for the window ending at slot `end`.
pub(super) fn score_track(track: &mut Track, end: i64, config: &DetectorConfig, g: Geometry) {
    let last_block = g.last_baseline_block(end);
    let exclusions = track.series.exclusions();
    let cached = match track.cache {
        Some(c) if c.last_block == last_block && c.exclusions == exclusions => c.baselines,
        _ => {
            let fresh = compute_baselines(&track.series, end, config, g);
            let previous = track.cache.map(|c| c.baselines).unwrap_or_default();
            // When anomalies have excluded too much of the history, the last
            // baseline stands in, for at most one baseline span.
            let baselines = PerMeasure::from_fn(|m| {
                fresh[m]
                    .map(|b| (b, last_block))
                    .or(previous[m].filter(|(_, at)| last_block - at < g.blocks))
            });
            track.cache = Some(CachedBaselines {
                last_block,
                exclusions,
                baselines,
            });
            baselines
        }
    };
    let baselines = cached.map(|b| b.map(|(b, _)| b));
    let now = track.series.slot_sum(end - g.window, end);
    step(
        &mut track.states[Measure::Cost],
        cost_reading(&now, baselines[Measure::Cost], config, g),
        end,
        config,
        g,
    );
    step(
        &mut track.states[Measure::Tokens],
        tokens_reading(&now, baselines[Measure::Tokens], config),
        end,
        config,
        g,
    );
    // Time inside an alarm stays out of the baseline, for a while.
    let max_slots = config.max_exclusion.as_millis() as i64 / g.slot_ms;
    for state in track.states.iter() {
        if let Some(alarm) = &state.alarm
            && alarm.ended_at.is_none()
        {
            let stop = end.min(alarm.start_slot + max_slots);
            track.series.exclude(alarm.start_slot, stop);
        }
    }
}

#[cfg(test)]
mod tests {
    use protocol::{Anomaly, AnomalyMetric, AnomalyStatus, Cause, EntityKind, EntityRef, Severity};

    use super::*;
    use crate::anomaly::detector::state::Published;
    use crate::anomaly::detector::testing::t0;

    fn reading(exceeds: bool, calm: bool) -> Option<Reading> {
        Some(Reading {
            observed: 10.0,
            expected: 5.0,
            score: 1.0,
            exceeds,
            calm,
            severe: false,
        })
    }

    fn geometry() -> Geometry {
        Geometry {
            slot_ms: 5000,
            window: 6,
            blocks: 60,
        }
    }

    #[test]
    fn alarms_need_persistence_to_open_and_to_end() {
        let config = DetectorConfig::default();
        let g = geometry();
        let mut state = MetricState::default();
        let high = reading(true, false);
        let normal = reading(false, true);
        // One exceeding window alone does nothing.
        step(&mut state, high, 100, &config, g);
        step(&mut state, normal, 101, &config, g);
        assert!(state.alarm.is_none());
        // Two in a row open, starting at the first.
        step(&mut state, high, 102, &config, g);
        step(&mut state, high, 103, &config, g);
        let alarm = state.alarm.as_ref().unwrap();
        assert_eq!(alarm.started_at, g.time_of(102));
        assert_eq!(alarm.start_slot, 96);
        // A calm window that is not followed by another does not end it.
        step(&mut state, normal, 104, &config, g);
        step(&mut state, reading(false, false), 105, &config, g);
        assert!(state.alarm.as_ref().unwrap().ended_at.is_none());
        // A published alarm ends after two calm windows, at the first.
        state.alarm.as_mut().unwrap().published = Some(Published {
            anomaly: test_anomaly(),
            last_emitted: None,
            trend_step_ms: 5000,
            peak_excess: 0.0,
        });
        step(&mut state, normal, 106, &config, g);
        step(&mut state, None, 107, &config, g);
        assert_eq!(state.alarm.as_ref().unwrap().ended_at, Some(g.time_of(106)));
        // An unpublished one simply goes away.
        let mut quiet = MetricState::default();
        for end in 0..2 {
            step(&mut quiet, high, end, &config, g);
        }
        for end in 2..4 {
            step(&mut quiet, normal, end, &config, g);
        }
        assert!(quiet.alarm.is_none());
        assert_eq!(quiet.recent.len(), 4);
    }

    fn test_anomaly() -> Anomaly {
        Anomaly {
            id: "anm-000001".into(),
            entity: EntityRef {
                kind: EntityKind::Tenant,
                id: "acme".into(),
                tenant_id: None,
            },
            metric: AnomalyMetric::CostRate,
            severity: Severity::Warning,
            score: 0.0,
            started_at: t0(),
            updated_at: t0(),
            ended_at: None,
            observed: 0.0,
            expected: 0.0,
            peak: 0.0,
            trend: Vec::new(),
            cause: Cause::default(),
            status: AnomalyStatus::Open,
            status_reason: None,
            status_changed_by: None,
            status_changed_at: None,
        }
    }
}
