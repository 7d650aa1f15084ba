//! What a screen reader is told, once: new critical anomalies and budget
//! alerts as they open (not the ones already there when the page loaded),
//! and the connection's state only when it changes kind.

use std::collections::HashSet;

use protocol::{Anomaly, AnomalyMetric, AnomalyStatus, Severity};

use super::connection::LinkState;

/// Anomalies already known to the page, so each is announced once.
#[derive(Debug, Default)]
pub struct Announced {
    seen: HashSet<String>,
    primed: bool,
}

impl Announced {
    /// The sentence for anomalies that are new since the last call: critical
    /// ones and budget alerts, still open. The first call (the page's first
    /// load) only learns what is there.
    pub fn news(&mut self, anomalies: &[Anomaly]) -> Option<String> {
        let fresh: Vec<&Anomaly> = anomalies
            .iter()
            .filter(|a| self.seen.insert(a.id.clone()))
            .filter(|a| a.status == AnomalyStatus::Open && a.ended_at.is_none())
            .filter(|a| a.severity == Severity::Critical || a.metric == AnomalyMetric::Budget)
            .collect();
        if !std::mem::replace(&mut self.primed, true) {
            return None;
        }
        let first = fresh.first()?;
        let what = if first.metric == AnomalyMetric::Budget {
            "Budget alert"
        } else {
            "New critical anomaly"
        };
        let more = match fresh.len() {
            1 => String::new(),
            n => format!(", and {} more", n - 1),
        };
        Some(format!("{what}: {}{more}.", first.cause.summary))
    }
}

/// The connection's state in words without counters, so it changes (and is
/// announced) only when the state does, not with each second of a retry.
pub fn link_words(state: &LinkState) -> &'static str {
    match state {
        LinkState::Connecting(_) => "Connecting.",
        LinkState::Streaming => "Live: streaming.",
        LinkState::Polling { .. } => "Live: polling.",
        LinkState::Retrying { .. } => "Connection lost: retrying.",
        LinkState::Error(_) => "Connection error.",
        LinkState::SignInNeeded => "Sign in to see live data.",
        LinkState::Paused => "Paused.",
        LinkState::Offline => "Offline.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{Cause, EntityKind, EntityRef};

    fn anomaly(id: &str, severity: Severity, metric: AnomalyMetric) -> Anomaly {
        let t = "2026-12-01T10:00:00Z".parse().unwrap();
        Anomaly {
            id: id.into(),
            entity: EntityRef {
                kind: EntityKind::Tenant,
                id: "acme".into(),
                tenant_id: Some("acme".into()),
            },
            metric,
            severity,
            score: 5.0,
            started_at: t,
            updated_at: t,
            ended_at: None,
            observed: 2.0,
            expected: 1.0,
            peak: 2.0,
            trend: vec![],
            cause: Cause {
                excess_usd_per_hour: 1.0,
                summary: format!("{id} spend doubled"),
                contributors: vec![],
            },
            status: AnomalyStatus::Open,
            status_reason: None,
            status_changed_by: None,
            status_changed_at: None,
        }
    }

    #[test]
    fn each_new_critical_or_budget_alert_is_said_once() {
        let mut said = Announced::default();
        let old = anomaly("a", Severity::Critical, AnomalyMetric::CostRate);
        // What the page loads with is not news.
        assert_eq!(said.news(std::slice::from_ref(&old)), None);
        let warning = anomaly("w", Severity::Warning, AnomalyMetric::CostRate);
        assert_eq!(said.news(&[old.clone(), warning.clone()]), None);
        let budget = anomaly("b", Severity::Warning, AnomalyMetric::Budget);
        let critical = anomaly("c", Severity::Critical, AnomalyMetric::TokensPerCall);
        let all = [old, warning, budget, critical];
        assert_eq!(
            said.news(&all).as_deref(),
            Some("Budget alert: b spend doubled, and 1 more.")
        );
        assert_eq!(said.news(&all), None, "said once");
    }

    #[test]
    fn a_retry_countdown_is_not_a_new_state() {
        let a = LinkState::Retrying {
            transport: crate::logic::connection::Transport::Socket,
            at_ms: 1.0,
            attempt: 1,
        };
        let b = LinkState::Retrying {
            transport: crate::logic::connection::Transport::Socket,
            at_ms: 9.0,
            attempt: 2,
        };
        assert_eq!(link_words(&a), link_words(&b));
        assert_ne!(link_words(&a), link_words(&LinkState::Streaming));
    }
}
