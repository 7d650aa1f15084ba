//! The alerts a budget raises: its forecast crossing it, 80 % spent, and
//! 100 % spent. Each is an anomaly of metric `budget` with its own id per
//! budget, level and month, so acknowledging the 80 % alert does not hide
//! the 100 % one, and next month starts clean.

use chrono::NaiveDate;
use protocol::format::usd;
use protocol::{
    Anomaly, AnomalyMetric, AnomalyStatus, BudgetStatus, Cause, EntityKind, EntityRef, Severity,
    Timestamp, TrendPoint,
};

/// Share of the budget that raises the first alert.
pub const WARN_BURN: f64 = 0.8;

/// One threshold a budget can cross.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The forecast reaches the budget before the month ends.
    Forecast,
    /// 80 % of the budget spent.
    Warn,
    /// The whole budget spent.
    Spent,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            // protocol::anomaly::BUDGET_FORECAST_SUFFIX: the web shows it as a forecast.
            Level::Forecast => "forecast",
            Level::Warn => "80",
            Level::Spent => "100",
        }
    }
}

/// The thresholds this status has crossed.
pub fn levels(s: &BudgetStatus) -> Vec<Level> {
    let mut out = Vec::new();
    if s.forecast_burn >= 1.0 && s.burn < 1.0 {
        out.push(Level::Forecast);
    }
    if s.burn >= WARN_BURN {
        out.push(Level::Warn);
    }
    if s.burn >= 1.0 {
        out.push(Level::Spent);
    }
    out
}

/// FNV-1a of the scope: ids stay short and URL-safe whatever the names are.
fn scope_hash(s: &BudgetStatus) -> u64 {
    let b = &s.budget;
    let key = format!(
        "{}\u{1f}{}\u{1f}{}",
        b.tenant_id,
        b.customer_id.as_deref().unwrap_or(""),
        b.model.as_deref().unwrap_or("")
    );
    key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, c| {
        (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `budget-<scope>-<YYYYMM>-<level>`.
pub fn alert_id(s: &BudgetStatus, month: &str, level: Level) -> String {
    format!(
        "budget-{:016x}-{}-{}",
        scope_hash(s),
        month.replace('-', ""),
        level.word()
    )
}

fn crossing(s: &BudgetStatus) -> String {
    s.crosses_on
        .as_deref()
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .map(|d| d.format("%b %-d").to_string())
        .unwrap_or_else(|| "this month".into())
}

/// The anomaly for one crossed threshold, as of `now`.
pub fn alert(s: &BudgetStatus, month: &str, level: Level, now: Timestamp) -> Anomaly {
    let b = &s.budget;
    let p = &s.projection;
    let scope = b.scope_label();
    let (observed, severity, summary) = match level {
        Level::Forecast => (
            p.forecast_usd,
            Severity::Warning,
            format!(
                "{scope} is forecast to spend {} this month ({:.0}% of its {} budget; 80% band {}–{}), crossing it on {}; {} spent so far",
                usd(p.forecast_usd),
                s.forecast_burn * 100.0,
                usd(b.monthly_usd),
                usd(p.forecast_low_usd),
                usd(p.forecast_high_usd),
                crossing(s),
                usd(p.spent_usd),
            ),
        ),
        Level::Warn => (
            p.spent_usd,
            Severity::Warning,
            format!(
                "{scope} has spent {} of its {} monthly budget ({:.0}%); forecast {} by month end",
                usd(p.spent_usd),
                usd(b.monthly_usd),
                s.burn * 100.0,
                usd(p.forecast_usd),
            ),
        ),
        Level::Spent => (
            p.spent_usd,
            Severity::Critical,
            format!(
                "{scope} has spent its whole {} monthly budget: {} ({:.0}%), reached on {}; forecast {} by month end",
                usd(b.monthly_usd),
                usd(p.spent_usd),
                s.burn * 100.0,
                crossing(s),
                usd(p.forecast_usd),
            ),
        ),
    };
    let entity = match &b.customer_id {
        Some(c) => EntityRef {
            kind: EntityKind::Customer,
            id: c.clone(),
            tenant_id: Some(b.tenant_id.clone()),
        },
        None => EntityRef {
            kind: EntityKind::Tenant,
            id: b.tenant_id.clone(),
            tenant_id: None,
        },
    };
    Anomaly {
        id: alert_id(s, month, level),
        entity,
        metric: AnomalyMetric::Budget,
        severity,
        // For a budget alert: the share of the budget observed.
        score: observed / b.monthly_usd,
        started_at: now,
        updated_at: now,
        ended_at: None,
        observed,
        expected: b.monthly_usd,
        peak: observed,
        trend: vec![TrendPoint {
            t: now,
            observed,
            expected: b.monthly_usd,
        }],
        cause: Cause {
            excess_usd_per_hour: 0.0,
            summary,
            contributors: vec![],
        },
        status: AnomalyStatus::Open,
        status_reason: None,
        status_changed_by: None,
        status_changed_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{Budget, Projection};

    fn status(spent: f64, forecast: f64) -> BudgetStatus {
        BudgetStatus {
            budget: Budget {
                tenant_id: "acme".into(),
                customer_id: None,
                model: Some("claude-opus-4".into()),
                monthly_usd: 1_000.0,
            },
            projection: Projection {
                spent_usd: spent,
                forecast_usd: forecast,
                forecast_low_usd: forecast * 0.9,
                forecast_high_usd: forecast * 1.1,
            },
            burn: spent / 1_000.0,
            forecast_burn: forecast / 1_000.0,
            crosses_on: (forecast >= 1_000.0).then(|| "2026-12-24".into()),
        }
    }

    #[test]
    fn thresholds_are_forecast_then_80_then_100_percent() {
        assert!(levels(&status(100.0, 500.0)).is_empty());
        assert_eq!(levels(&status(300.0, 1_200.0)), [Level::Forecast]);
        assert_eq!(
            levels(&status(850.0, 1_400.0)),
            [Level::Forecast, Level::Warn]
        );
        assert_eq!(
            levels(&status(1_000.0, 1_400.0)),
            [Level::Warn, Level::Spent]
        );
    }

    #[test]
    fn alerts_have_stable_ids_per_scope_level_and_month_and_say_why() {
        let s = status(850.0, 1_400.0);
        let now = "2026-12-10T12:00:00Z".parse().unwrap();
        let warn = alert(&s, "2026-12", Level::Warn, now);
        assert_eq!(
            warn.id,
            alert(&status(900.0, 1.0), "2026-12", Level::Warn, now).id
        );
        assert_ne!(warn.id, alert(&s, "2026-12", Level::Spent, now).id);
        assert_ne!(warn.id, alert(&s, "2027-01", Level::Warn, now).id);
        assert!(warn.id.starts_with("budget-") && warn.id.ends_with("-202612-80"));
        assert_eq!(
            (warn.metric, warn.severity),
            (AnomalyMetric::Budget, Severity::Warning)
        );
        assert_eq!((warn.observed, warn.expected), (850.0, 1_000.0));
        assert_eq!(warn.entity.tenant(), Some("acme"));
        assert!(
            warn.cause
                .summary
                .contains("$850.00 of its $1,000.00 monthly budget (85%)"),
            "{}",
            warn.cause.summary
        );
        let forecast = alert(&s, "2026-12", Level::Forecast, now);
        assert!(
            forecast.cause.summary.contains("crossing it on Dec 24"),
            "{}",
            forecast.cause.summary
        );
        assert!(forecast.is_budget_forecast() && !warn.is_budget_forecast());
        let spent = alert(&status(1_100.0, 1_400.0), "2026-12", Level::Spent, now);
        assert_eq!(spent.severity, Severity::Critical);
    }
}
