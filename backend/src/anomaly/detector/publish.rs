//! Publication: building the anomaly of an alarm that is published, bringing
//! it up to date every window (numbers, severity, trend, the cause at its
//! height), deciding when it is re-sent, and thinning its trend.

use protocol::{Anomaly, AnomalyStatus, Cause, Severity, Timestamp, TrendPoint};

use super::config::{DetectorConfig, Geometry};
use super::entities::Entities;
use super::measure::Measure;
use super::state::{Alarm, Key, Published};
use crate::anomaly::cause::{Subject, explain};

/// Hands out anomaly ids in order of publication.
#[derive(Debug, Clone)]
pub(super) struct AnomalyIds {
    prefix: String,
    next: u64,
}

impl AnomalyIds {
    pub(super) fn new(prefix: &str) -> Self {
        AnomalyIds {
            prefix: prefix.to_string(),
            next: 1,
        }
    }

    /// The id of the next anomaly published: `<prefix>-000001`, `-000002`, …
    pub(super) fn next_id(&mut self) -> String {
        let id = format!("{}-{:06}", self.prefix, self.next);
        self.next += 1;
        id
    }
}

/// Publishes `key`'s alarm on `m`: an open anomaly with the trend so far and
/// no cause yet (`refresh` computes it before the first emission).
pub(super) fn publish(
    entities: &mut Entities,
    ids: &mut AnomalyIds,
    g: Geometry,
    key: &Key,
    m: Measure,
    now: Timestamp,
) {
    let Some(track) = entities.track_mut(key) else {
        return;
    };
    let entity = track.entity.clone();
    let state = &mut track.states[m];
    let trend: Vec<TrendPoint> = state.recent.iter().copied().collect();
    let (observed, expected, score, severe) = match (state.reading, trend.last()) {
        (Some(r), _) => (r.observed, r.expected, r.score, r.severe),
        (None, Some(p)) => (p.observed, p.expected, 0.0, false),
        (None, None) => (0.0, 0.0, 0.0, false),
    };
    let Some(alarm) = state.alarm.as_mut() else {
        return;
    };
    let peak = trend
        .iter()
        .filter(|p| p.t >= alarm.started_at)
        .map(|p| p.observed)
        .fold(observed, f64::max);
    alarm.published = Some(Published {
        anomaly: Anomaly {
            id: ids.next_id(),
            entity,
            metric: m.metric(),
            severity: if severe {
                Severity::Critical
            } else {
                Severity::Warning
            },
            score,
            started_at: alarm.started_at,
            updated_at: now,
            ended_at: None,
            observed,
            expected,
            peak,
            trend,
            cause: Cause::default(),
            status: AnomalyStatus::Open,
            status_reason: None,
            status_changed_by: None,
            status_changed_at: None,
        },
        last_emitted: None,
        trend_step_ms: g.slot_ms,
        peak_excess: 0.0,
    });
}

/// Brings a published anomaly up to date and returns it when it opened,
/// changed severity, ended, or is due for a refresh. Ended alarms are
/// dropped after their last emission.
pub(super) fn refresh(
    entities: &mut Entities,
    config: &DetectorConfig,
    g: Geometry,
    key: &Key,
    m: Measure,
    end: i64,
    now: Timestamp,
) -> Option<Anomaly> {
    let refresh_ms = config.refresh_every.as_millis() as i64;
    let max_points = config.max_trend_points;
    let t = g.time_of(end);
    let state = &mut entities.track_mut(key)?.states[m];
    let reading = state.reading;
    let Some(Alarm {
        ended_at,
        published: Some(p),
        ..
    }) = state.alarm.as_mut()
    else {
        return None;
    };
    let a = &mut p.anomaly;
    let mut changed = p.last_emitted.is_none();
    // The cause describes the anomaly at its height: it is recomputed
    // while the excess is within 10 % of the largest so far, then kept.
    let mut explain_now = a.cause.summary.is_empty();
    if let Some(r) = reading {
        let excess = r.observed - r.expected;
        explain_now |= r.exceeds && excess >= 0.9 * p.peak_excess;
        p.peak_excess = p.peak_excess.max(excess);
        a.observed = r.observed;
        a.expected = r.expected;
        a.score = r.score;
        a.peak = a.peak.max(r.observed);
        if r.severe && a.severity == Severity::Warning {
            a.severity = Severity::Critical;
            changed = true;
        }
        let point = TrendPoint {
            t,
            observed: r.observed,
            expected: r.expected,
        };
        push_trend(&mut a.trend, &mut p.trend_step_ms, point, max_points);
    }
    a.updated_at = now;
    let ending = ended_at.is_some();
    if ending {
        a.ended_at = *ended_at;
        changed = true;
    }
    let due = p
        .last_emitted
        .is_none_or(|last| (now - last).num_milliseconds() >= refresh_ms);
    if !changed && !due {
        return None;
    }
    if explain_now {
        let cause = cause(entities, config, g, key, m, end);
        if let Some(p) = published_mut(entities, key, m) {
            p.anomaly.cause = cause;
        }
    }
    let emitted = published_mut(entities, key, m).map(|p| {
        p.last_emitted = Some(now);
        p.anomaly.clone()
    });
    if ending && let Some(track) = entities.track_mut(key) {
        track.states[m].alarm = None;
    }
    emitted
}

fn published_mut<'e>(
    entities: &'e mut Entities,
    key: &Key,
    m: Measure,
) -> Option<&'e mut Published> {
    entities.alarm_mut(key, m)?.published.as_mut()
}

/// The cause of `key`'s published anomaly on `m`, from the pairs inside it.
fn cause(
    entities: &Entities,
    config: &DetectorConfig,
    g: Geometry,
    key: &Key,
    m: Measure,
    end: i64,
) -> Cause {
    let Some(track) = entities.track(key) else {
        return Cause::default();
    };
    let Some(p) = track.states[m]
        .alarm
        .as_ref()
        .and_then(|a| a.published.as_ref())
    else {
        return Cause::default();
    };
    let excess = track.states[Measure::Cost]
        .reading
        .map_or(0.0, |r| (r.observed - r.expected).max(0.0));
    let pairs = entities.pairs(key, end, g);
    let subject = Subject {
        entity: &track.entity,
        metric: m.metric(),
        observed: p.anomaly.observed,
        expected: p.anomaly.expected,
        excess_usd_per_hour: excess,
        fallback_tpc: track.fallback_tpc(),
    };
    explain(&subject, &pairs, config.max_contributors)
}

/// Appends a trend point at least one step after the last; past
/// `max` points, every other point goes and the step doubles.
pub(super) fn push_trend(
    trend: &mut Vec<TrendPoint>,
    step_ms: &mut i64,
    point: TrendPoint,
    max: usize,
) {
    if let Some(last) = trend.last_mut() {
        if last.t >= point.t {
            *last = point;
            return;
        }
        if (point.t - last.t).num_milliseconds() < *step_ms {
            return;
        }
    }
    trend.push(point);
    if trend.len() > max {
        let mut i = 0;
        trend.retain(|_| {
            i += 1;
            i % 2 == 1
        });
        *step_ms *= 2;
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration as ChronoDuration;

    use super::*;
    use crate::anomaly::detector::testing::t0;

    #[test]
    fn trends_thin_out_instead_of_growing() {
        let point = |s: i64| TrendPoint {
            t: t0() + ChronoDuration::seconds(s),
            observed: s as f64,
            expected: 0.0,
        };
        let mut trend = Vec::new();
        let mut step_ms = 5000;
        for s in (0..1000).step_by(5) {
            push_trend(&mut trend, &mut step_ms, point(s), 60);
            assert!(trend.len() <= 60);
        }
        assert!(step_ms > 5000);
        assert_eq!(trend[0].t, t0());
        assert!(
            trend
                .windows(2)
                .all(|w| w[1].t - w[0].t >= ChronoDuration::seconds(5))
        );
        assert!(
            t0() + ChronoDuration::seconds(995) - trend[trend.len() - 1].t
                <= ChronoDuration::milliseconds(step_ms)
        );
        // A point for the same instant replaces the last one.
        let len = trend.len();
        let last = trend[len - 1];
        push_trend(
            &mut trend,
            &mut step_ms,
            TrendPoint {
                observed: -1.0,
                ..last
            },
            60,
        );
        assert_eq!((trend.len(), trend[len - 1].observed), (len, -1.0));
    }
}
