//! The anomaly detector: per-entity baselines, scoring, persistence and
//! hysteresis, de-duplication, and the anomalies people see. This file holds
//! the public [`Detector`] and its entry points; each file beside it has one
//! job (config, state, scoring, entities, dedup, publish).
//!
//! # Method
//!
//! Every tenant, customer and model has a [`Series`] of 5 s slots. At each
//! evaluation the detector scores the latest sealed 30 s window (6 slots) of
//! two measures, **cost rate** (USD/h) and **tokens per call**, with a robust
//! z-score against the median and MAD of the same measure over the previous
//! 60 aligned 30 s blocks (30 min). Why this and not a seasonal EWMA:
//!
//! - The only seasonality that matters within minutes is the slow daily
//!   rhythm, and a 30 min trailing median follows it (it moves a few % per
//!   minute, so the median lags by a few %). A seasonal model would need days
//!   of history before it is any use; this one needs ten minutes.
//! - Spend per window is skewed and heavy-tailed (a few whales, log-normal
//!   prompts). Mean and standard deviation (what an EWMA tracks) are dragged
//!   by every past spike; median and MAD are not, and there is no smoothing
//!   constant to tune per entity.
//! - Blocks that overlap an anomaly of the entity are left out of its
//!   baseline, so an incident does not become its own normal. They are left
//!   out for at most `max_exclusion` (20 min) after the start, so a lasting
//!   shift does become the new normal instead of an endless alarm.
//!
//! # Rules
//!
//! - **Warm-up**: an entity is scored only once it has `min_baseline_blocks`
//!   usable blocks (20 × 30 s = 10 min) recorded after it was first seen.
//!   Tokens per call needs as many blocks with at least `min_calls` calls.
//! - **Open**: z ≥ `open_z` and a material excess, in `open_after` (2)
//!   consecutive windows. Material for cost: excess ≥ `min_excess_usd_per_hour`
//!   and ≥ `min_excess_fraction` × expected, so a $0.02/h customer doubling is
//!   not an alert. Material for tokens per call: at least `min_calls` calls in
//!   the window and observed ≥ `min_tokens_ratio` × expected. Only rises are
//!   anomalies: a FinOps team acts on spend going up.
//! - **End** (hysteresis): z < `end_z` or the excess below half of the
//!   material threshold, in `end_after` (2) consecutive windows.
//! - **Severity**: critical once z ≥ `critical_z` and the excess is large
//!   (cost: ≥ `critical_excess_usd_per_hour` and ≥ `critical_excess_fraction` ×
//!   expected; tokens: ≥ `critical_tokens_ratio` × expected); it never goes back.
//! - **One alert per cause**. An entity in alarm is published unless:
//!   1. the same entity already has a published anomaly on the other measure
//!      (cost is decided first when both begin together): one entity, one alert;
//!   2. it is a tenant and one customer accounts for ≥ `explain_share` (70 %)
//!      of its net excess: that customer's own alert says it better;
//!   3. it is a customer whose tenant is in alarm on the same metric and the
//!      tenant's alarm is published or not explained by this customer: the
//!      tenant-wide alert (a surge) lists it among its contributors;
//!   4. it is a model and one customer accounts for ≥ `explain_share` of its
//!      net excess, or tenants and customers that are themselves in alarm on
//!      the same measure account for ≥ `covered_share` (50 %) of it.
//!
//!   The decision is made once, when the alarm begins (a customer whose
//!   tenant is exceeding but not yet in alarm waits up to two windows for it);
//!   published anomalies stay until they end, and folded alarms stay quiet
//!   until they end but still keep their blocks out of the baseline. "In
//!   alarm" in rule 4 includes entities exceeding for the first time.
//!
//! # Cost and memory
//!
//! `observe` is O(updates): four ordered-map lookups per update. `evaluate`
//! scores every entity from 6 slots plus a baseline cached per sealed block,
//! and decomposes pairs only for entities in alarm (release build, 321
//! entities and 600 pairs: ~40 µs per evaluation, ~0.5 ms when the baselines
//! roll over every 30 s). Memory is bounded by `max_series` (tenants +
//! customers + models + customer–model pairs; updates for ids beyond it are
//! not tracked), each series a fixed (2 × window + 16 slots + baseline + 6
//! blocks) × 64 bytes ≈ 6 KB with the defaults, plus ~2 KB of recent trend
//! points per scored entity: at most ≈ 30 MB at the default cap of 4,096
//! series. Entities silent for longer than the baseline and not in alarm are
//! dropped every 10 min. `cargo bench -p backend --bench detector` measures
//! the cost.
//!
//! [`Series`]: super::series::Series

mod config;
mod dedup;
mod entities;
mod measure;
mod publish;
mod scoring;
mod state;
#[doc(hidden)]
pub mod testing;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use protocol::{Anomaly, MetricUpdate, Timestamp};

pub use config::DetectorConfig;

use config::Geometry;
use dedup::Decision;
use entities::Entities;
use publish::AnomalyIds;

/// Finds anomalies in a stream of usage updates; see the module docs.
#[derive(Debug, Clone)]
pub struct Detector {
    config: DetectorConfig,
    geometry: Geometry,
    entities: Entities,
    /// End slot (exclusive) of the last scored window.
    last_end: Option<i64>,
    ids: AnomalyIds,
}

impl Detector {
    pub fn new(config: DetectorConfig) -> Self {
        let config = config.normalized();
        Detector {
            geometry: Geometry::new(&config),
            entities: Entities::new(&config),
            ids: AnomalyIds::new(&config.id_prefix),
            config,
            last_end: None,
        }
    }

    /// Folds updates into per-entity slots. O(updates).
    pub fn observe(&mut self, updates: &[MetricUpdate]) {
        for update in updates {
            let slot = self.geometry.slot_of(update.timestamp);
            self.entities.observe(slot, update);
        }
    }

    /// Scores every tracked entity at `now` and returns the anomalies that
    /// opened, changed materially (severity, ended, or a refresh at most every
    /// `refresh_every`) or ended, with `status: Open` and no status reason.
    pub fn evaluate(&mut self, now: Timestamp) -> Vec<Anomaly> {
        let settle = chrono::Duration::from_std(self.config.settle).unwrap_or_default();
        let latest = self.geometry.slot_of(now - settle);
        let first = match self.last_end {
            Some(last) => (last + 1).max(latest - self.config.max_catch_up as i64 + 1),
            None => latest,
        };
        let mut out: Vec<Anomaly> = Vec::new();
        for end in first..=latest {
            self.evaluate_window(end, now, &mut out);
            self.last_end = Some(end);
        }
        // A window can change an anomaly twice in one call; keep the latest.
        let mut seen = HashSet::new();
        let mut latest_first: Vec<Anomaly> = out
            .into_iter()
            .rev()
            .filter(|a| seen.insert(a.id.clone()))
            .collect();
        latest_first.reverse();
        latest_first
    }

    /// One window: score every track, decide new alarms once, bring the
    /// published ones up to date, and now and then drop silent entities.
    fn evaluate_window(&mut self, end: i64, now: Timestamp, out: &mut Vec<Anomaly>) {
        let config = &self.config;
        let geometry = self.geometry;
        self.entities
            .for_each_track_mut(|track| scoring::score_track(track, end, config, geometry));

        let alarms = self.entities.alarm_keys();
        for (key, m) in &alarms {
            let Some(decision) = dedup::decide(&self.entities, config, geometry, key, *m, end)
            else {
                continue;
            };
            if decision == Decision::Publish {
                publish::publish(&mut self.entities, &mut self.ids, geometry, key, *m, now);
            }
            if decision != Decision::Wait
                && let Some(alarm) = self.entities.alarm_mut(key, *m)
            {
                alarm.decided = true;
            }
        }
        for (key, m) in &alarms {
            out.extend(publish::refresh(
                &mut self.entities,
                config,
                geometry,
                key,
                *m,
                end,
                now,
            ));
        }

        self.entities.after_window(end, geometry);
    }
}
