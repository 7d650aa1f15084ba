//! De-duplication: whether a new alarm is published, folded into another
//! alarm that tells the same story, or waits a window for its parent
//! ("One alert per cause", rules 1–4, in the detector's docs).

use super::config::{DetectorConfig, Geometry};
use super::entities::Entities;
use super::measure::Measure;
use super::state::{Key, MetricState};
use crate::anomaly::cause::{PairUsage, covered_share, dominant};

/// What to do with a new alarm (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    Publish,
    /// Another alarm already tells this story; stay quiet until it ends.
    Fold,
    /// The parent is rising but not yet in alarm; decide at the next window.
    Wait,
}

/// Windows a new alarm may wait for its parent to decide.
const MAX_WAIT: u32 = 2;

/// The decision for `key`'s alarm on `m` in the window ending at `end`, or
/// `None` when it has none still to decide (none, decided, or ended). One
/// that has waited `MAX_WAIT` windows is published.
pub(super) fn decide(
    entities: &Entities,
    config: &DetectorConfig,
    g: Geometry,
    key: &Key,
    m: Measure,
    end: i64,
) -> Option<Decision> {
    let age = entities
        .alarm(key, m)
        .filter(|a| !a.decided && a.ended_at.is_none())
        .map(|a| a.age)?;
    Some(match rules(entities, config, g, key, m, end) {
        Decision::Wait if age >= MAX_WAIT => Decision::Publish,
        decision => decision,
    })
}

/// The customer that accounts for at least `explain_share` of the
/// tenant's net excess on measure `m`, if there is one.
fn explainer<'e>(
    entities: &'e Entities,
    config: &DetectorConfig,
    g: Geometry,
    tenant: &str,
    m: Measure,
    end: i64,
) -> Option<&'e str> {
    let key = Key::Tenant(tenant.to_string());
    let track = entities.track(&key)?;
    let pairs = entities.pairs(&key, end, g);
    let (customer, share) = dominant(&pairs, m.metric(), track.fallback_tpc(), |p| p.customer_id)?;
    (share >= config.explain_share).then_some(customer)
}

/// The de-duplication rules of the module docs, for a new alarm.
fn rules(
    entities: &Entities,
    config: &DetectorConfig,
    g: Geometry,
    key: &Key,
    m: Measure,
    end: i64,
) -> Decision {
    let Some(track) = entities.track(key) else {
        return Decision::Fold;
    };
    // 1. One alert per entity: the other measure already speaks for it.
    if track.states[m.other()]
        .alarm
        .as_ref()
        .is_some_and(|a| a.published.is_some())
    {
        return Decision::Fold;
    }
    let share = config.explain_share;
    let publish_unless = |fold: bool| {
        if fold {
            Decision::Fold
        } else {
            Decision::Publish
        }
    };
    let explained_by = |t: &str| explainer(entities, config, g, t, m, end);
    match key {
        // 2. A tenant explained by one customer: that customer's alert.
        Key::Tenant(t) => publish_unless(explained_by(t).is_some()),
        // 3. A customer inside a tenant-wide alarm: the tenant's alert.
        Key::Customer(t, c) => {
            let Some(tenant) = entities.tenants.get(t) else {
                return Decision::Publish;
            };
            let state = &tenant.track.states[m];
            match &state.alarm {
                Some(a) if a.ended_at.is_none() => {
                    publish_unless(a.published.is_some() || explained_by(t) != Some(c.as_str()))
                }
                _ if state.streak > 0 => Decision::Wait,
                _ => Decision::Publish,
            }
        }
        // 4. A model explained by one customer, or mostly by tenants and
        //    customers that are (or are about to be) in alarm themselves.
        Key::Model(_) => {
            let pairs = entities.pairs(key, end, g);
            let fallback = track.fallback_tpc();
            let metric = m.metric();
            if dominant(&pairs, metric, fallback, |p| p.customer_id)
                .is_some_and(|(_, s)| s >= share)
            {
                return Decision::Fold;
            }
            let rising = |s: &MetricState| s.alarm.is_some() || s.streak > 0;
            let covered = |p: &PairUsage| {
                entities.tenants.get(p.tenant_id).is_some_and(|t| {
                    rising(&t.track.states[m])
                        || t.customers
                            .get(p.customer_id)
                            .is_some_and(|c| rising(&c.track.states[m]))
                })
            };
            publish_unless(covered_share(&pairs, metric, fallback, covered) >= config.covered_share)
        }
    }
}
