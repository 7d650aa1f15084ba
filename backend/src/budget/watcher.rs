//! The budget watcher: every few seconds, each budget's month so far is
//! checked against its thresholds, and what is crossed is announced like
//! any anomaly (booked, stored, pushed to every session).

use std::time::Duration;

use chrono::Utc;
use protocol::{Anomaly, BudgetStatus, Timestamp};

use super::alerts::{alert, levels};
use super::projection::{month, status};
use crate::state::AppState;

/// How often budgets are checked (and once right after one is set).
pub const CHECK_EVERY: Duration = Duration::from_secs(10);
/// An alert that still holds is refreshed this often, not on every check.
const REFRESH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Every budget's status now.
pub fn statuses(state: &AppState, now: Timestamp) -> Vec<BudgetStatus> {
    let budgets = state.budgets.read().all().to_vec();
    let rollups = state.rollups.read();
    budgets.iter().map(|b| status(&rollups, b, now)).collect()
}

/// Announces each crossed threshold that is new, or due for a refresh.
pub fn check(state: &AppState, now: Timestamp) {
    let month = month(now);
    for s in statuses(state, now) {
        for level in levels(&s) {
            let fresh = alert(&s, &month, level, now);
            let known: Option<Anomaly> = state.book.read().get(&fresh.id).cloned();
            let next = match known {
                None => Some(fresh),
                Some(k) if now - k.updated_at >= REFRESH_EVERY => Some(Anomaly {
                    started_at: k.started_at,
                    ..fresh
                }),
                Some(_) => None,
            };
            if let Some(a) = next {
                state.announcer.detected(a);
            }
        }
    }
}

/// Checks until shutdown.
pub async fn run(state: AppState) {
    let mut every = tokio::time::interval(CHECK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = every.tick() => check(&state, Utc::now()),
        }
    }
}
