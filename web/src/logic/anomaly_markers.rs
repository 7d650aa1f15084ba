//! Where anomalies sit on the token chart's time axis, and what each marker
//! says to a screen reader and in its tooltip.

use chrono::FixedOffset;
use protocol::{Anomaly, Severity, Timestamp};

use super::format::clock;

/// An anomaly on the time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub id: String,
    /// 0–1 along the axis.
    pub x: f64,
    pub severity: Severity,
    pub label: String,
    /// Anomalies this marker stands for (close ones share one).
    pub count: usize,
}

impl Marker {
    /// The marker's `data-severity`, which styles it.
    pub fn severity_name(&self) -> &'static str {
        match self.severity {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
        }
    }
}

/// Markers closer than this (a fraction of the axis) join into one, which
/// says how many it holds: a pile of triangles reads as a blob.
pub const CLUSTER_GAP: f64 = 0.025;

/// Markers for the anomalies that started in `[from, to)`, placed by their
/// start and labelled in the viewer's time zone (`offset`); close ones are
/// one marker with a count.
pub fn markers(
    anomalies: &[Anomaly],
    from: Timestamp,
    to: Timestamp,
    offset: FixedOffset,
) -> Vec<Marker> {
    let span = (to - from).num_milliseconds() as f64;
    let singles = anomalies
        .iter()
        .filter(|a| a.started_at >= from && a.started_at < to && span > 0.0)
        .map(|a| Marker {
            id: a.id.clone(),
            x: (a.started_at - from).num_milliseconds() as f64 / span,
            severity: a.severity,
            label: format!(
                "{} anomaly on {} at {}",
                if a.severity == Severity::Critical {
                    "Critical"
                } else {
                    "Warning"
                },
                a.entity.id,
                clock(a.started_at, offset, true)
            ),
            count: 1,
        })
        .collect();
    cluster(singles, CLUSTER_GAP)
}

/// Joins markers within `gap` of the previous one (left to right): at their
/// mean position, the most severe's severity, every label.
pub fn cluster(mut markers: Vec<Marker>, gap: f64) -> Vec<Marker> {
    markers.sort_by(|a, b| a.x.total_cmp(&b.x));
    let mut out: Vec<Marker> = Vec::new();
    for m in markers {
        match out.last_mut() {
            Some(last) if m.x - last.x <= gap => {
                let n = last.count as f64;
                last.x = (last.x * n + m.x) / (n + 1.0);
                last.severity = last.severity.max(m.severity);
                last.label = format!("{}; {}", last.label, m.label);
                last.count += 1;
            }
            _ => out.push(m),
        }
    }
    for m in out.iter_mut().filter(|m| m.count > 1) {
        m.label = format!("{} anomalies: {}", m.count, m.label);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{AnomalyMetric, AnomalyStatus, Cause, EntityKind, EntityRef};

    fn anomaly(id: &str, started: &str, severity: Severity) -> Anomaly {
        Anomaly {
            id: id.into(),
            entity: EntityRef {
                kind: EntityKind::Customer,
                id: "acme-17".into(),
                tenant_id: Some("acme".into()),
            },
            metric: AnomalyMetric::CostRate,
            severity,
            score: 9.0,
            started_at: started.parse().unwrap(),
            updated_at: started.parse().unwrap(),
            ended_at: None,
            observed: 500.0,
            expected: 100.0,
            peak: 520.0,
            trend: vec![],
            cause: Cause {
                excess_usd_per_hour: 400.0,
                summary: String::new(),
                contributors: vec![],
            },
            status: AnomalyStatus::Open,
            status_reason: None,
            status_changed_by: None,
            status_changed_at: None,
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).unwrap()
    }

    #[test]
    fn markers_sit_where_their_anomaly_started() {
        let list = [
            anomaly("anm-1", "2026-11-23T10:02:30Z", Severity::Critical),
            anomaly("anm-2", "2026-11-23T10:00:00Z", Severity::Warning),
            anomaly("anm-3", "2026-11-23T10:03:45Z", Severity::Warning),
        ];
        let marks = markers(
            &list,
            ts("2026-11-23T10:00:00Z"),
            ts("2026-11-23T10:05:00Z"),
            utc(),
        );
        let placed: Vec<(&str, f64)> = marks.iter().map(|m| (m.id.as_str(), m.x)).collect();
        // Left to right along the axis.
        assert_eq!(placed, [("anm-2", 0.0), ("anm-1", 0.5), ("anm-3", 0.75)]);
        assert_eq!(marks[1].label, "Critical anomaly on acme-17 at 10:02:30");
        assert_eq!(marks[1].severity_name(), "critical");
        assert_eq!(marks[0].label, "Warning anomaly on acme-17 at 10:00:00");
        assert_eq!(marks[0].severity_name(), "warning");
    }

    #[test]
    fn anomalies_outside_the_axis_get_no_marker() {
        let list = [
            anomaly("before", "2026-11-23T09:59:59Z", Severity::Critical),
            // The axis ends where the next bucket would start.
            anomaly("at-end", "2026-11-23T10:05:00Z", Severity::Critical),
        ];
        let (from, to) = (ts("2026-11-23T10:00:00Z"), ts("2026-11-23T10:05:00Z"));
        assert!(markers(&list, from, to, utc()).is_empty());
        // An empty axis places nothing (and divides by nothing).
        assert!(markers(&list, to, to, utc()).is_empty());
    }

    #[test]
    fn labels_use_the_viewers_clock() {
        let list = [anomaly("anm-1", "2026-11-23T10:02:30Z", Severity::Critical)];
        let (from, to) = (ts("2026-11-23T10:00:00Z"), ts("2026-11-23T10:05:00Z"));
        let berlin = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(
            markers(&list, from, to, berlin)[0].label,
            "Critical anomaly on acme-17 at 11:02:30"
        );
    }

    #[test]
    fn close_markers_join_and_say_how_many() {
        let m = |id: &str, x: f64, severity: Severity| Marker {
            id: id.into(),
            x,
            severity,
            label: id.into(),
            count: 1,
        };
        let joined = cluster(
            vec![
                m("c", 0.52, Severity::Critical),
                m("a", 0.50, Severity::Warning),
                m("b", 0.51, Severity::Warning),
                m("far", 0.9, Severity::Warning),
            ],
            CLUSTER_GAP,
        );
        assert_eq!(joined.len(), 2);
        assert_eq!(joined[0].count, 3);
        assert_eq!(joined[0].severity, Severity::Critical);
        assert!((joined[0].x - 0.51).abs() < 1e-9);
        assert_eq!(joined[0].label, "3 anomalies: a; b; c");
        assert_eq!(joined[1].count, 1);
    }
}
