//! The entity tree: tenants, their customers and each customer's
//! customer–model pairs, plus models; how updates land in it under the
//! `max_series` cap, lookups by key, the pair usage causes are built from,
//! and the sweep that drops silent entities.

use std::collections::BTreeMap;

use protocol::{EntityKind, EntityRef, MetricUpdate};

use super::config::{DetectorConfig, Geometry, Shape};
use super::measure::Measure;
use super::state::{Alarm, Key, Track, new_series};
use crate::anomaly::cause::{PairUsage, Usage};
use crate::anomaly::series::{Series, Totals};

#[derive(Debug, Clone)]
pub(super) struct CustomerNode {
    pub(super) track: Track,
    /// Customer–model pairs, by model; scored only through their parents.
    pub(super) pairs: BTreeMap<String, Series>,
}

#[derive(Debug, Clone)]
pub(super) struct TenantNode {
    pub(super) track: Track,
    pub(super) customers: BTreeMap<String, CustomerNode>,
}

/// Windows between sweeps of silent entities.
const SWEEP_EVERY: u32 = 120;

/// Every tracked entity, and what bounds their number.
#[derive(Debug, Clone)]
pub(super) struct Entities {
    pub(super) tenants: BTreeMap<String, TenantNode>,
    pub(super) models: BTreeMap<String, Track>,
    /// Tenants + customers + models + customer–model pairs tracked.
    pub(super) series_count: usize,
    max_series: usize,
    shape: Shape,
    windows_since_sweep: u32,
}

impl Entities {
    pub(super) fn new(config: &DetectorConfig) -> Self {
        Entities {
            tenants: BTreeMap::new(),
            models: BTreeMap::new(),
            series_count: 0,
            max_series: config.max_series,
            shape: config.shape(),
            windows_since_sweep: 0,
        }
    }

    /// Adds one update, in `slot`, to its model, tenant, customer and pair,
    /// creating those not yet tracked while there is room under `max_series`.
    pub(super) fn observe(&mut self, slot: i64, u: &MetricUpdate) {
        let (samples, m) = (u.samples, &u.metrics);
        let shape = self.shape;
        let cap = self.max_series;
        let count = &mut self.series_count;

        if !self.models.contains_key(&u.model) && *count < cap {
            let entity = EntityRef {
                kind: EntityKind::Model,
                id: u.model.clone(),
                tenant_id: None,
            };
            self.models
                .insert(u.model.clone(), Track::new(entity, shape));
            *count += 1;
        }
        if let Some(track) = self.models.get_mut(&u.model) {
            track.series.add(slot, samples, m);
        }

        if !self.tenants.contains_key(&u.tenant_id) {
            if *count >= cap {
                return;
            }
            let entity = EntityRef {
                kind: EntityKind::Tenant,
                id: u.tenant_id.clone(),
                tenant_id: None,
            };
            let node = TenantNode {
                track: Track::new(entity, shape),
                customers: BTreeMap::new(),
            };
            self.tenants.insert(u.tenant_id.clone(), node);
            *count += 1;
        }
        let Some(tenant) = self.tenants.get_mut(&u.tenant_id) else {
            return;
        };
        tenant.track.series.add(slot, samples, m);

        if !tenant.customers.contains_key(&u.customer_id) {
            if *count >= cap {
                return;
            }
            let entity = EntityRef {
                kind: EntityKind::Customer,
                id: u.customer_id.clone(),
                tenant_id: Some(u.tenant_id.clone()),
            };
            let node = CustomerNode {
                track: Track::new(entity, shape),
                pairs: BTreeMap::new(),
            };
            tenant.customers.insert(u.customer_id.clone(), node);
            *count += 1;
        }
        let Some(customer) = tenant.customers.get_mut(&u.customer_id) else {
            return;
        };
        customer.track.series.add(slot, samples, m);

        if !customer.pairs.contains_key(&u.model) {
            if *count >= cap {
                return;
            }
            customer.pairs.insert(u.model.clone(), new_series(shape));
            *count += 1;
        }
        if let Some(series) = customer.pairs.get_mut(&u.model) {
            series.add(slot, samples, m);
        }
    }

    /// Every track (not the pairs): each tenant, then its customers, then models.
    pub(super) fn for_each_track_mut(&mut self, mut f: impl FnMut(&mut Track)) {
        for tenant in self.tenants.values_mut() {
            f(&mut tenant.track);
            for customer in tenant.customers.values_mut() {
                f(&mut customer.track);
            }
        }
        for track in self.models.values_mut() {
            f(track);
        }
    }

    pub(super) fn track(&self, key: &Key) -> Option<&Track> {
        match key {
            Key::Tenant(t) => self.tenants.get(t).map(|n| &n.track),
            Key::Customer(t, c) => self.tenants.get(t)?.customers.get(c).map(|n| &n.track),
            Key::Model(m) => self.models.get(m),
        }
    }

    pub(super) fn track_mut(&mut self, key: &Key) -> Option<&mut Track> {
        match key {
            Key::Tenant(t) => self.tenants.get_mut(t).map(|n| &mut n.track),
            Key::Customer(t, c) => self
                .tenants
                .get_mut(t)?
                .customers
                .get_mut(c)
                .map(|n| &mut n.track),
            Key::Model(m) => self.models.get_mut(m),
        }
    }

    pub(super) fn alarm(&self, key: &Key, m: Measure) -> Option<&Alarm> {
        self.track(key)?.states[m].alarm.as_ref()
    }

    pub(super) fn alarm_mut(&mut self, key: &Key, m: Measure) -> Option<&mut Alarm> {
        self.track_mut(key)?.states[m].alarm.as_mut()
    }

    /// Every (entity, measure) in alarm, tenants first, then customers, then models.
    pub(super) fn alarm_keys(&self) -> Vec<(Key, Measure)> {
        let mut keys = Vec::new();
        let mut push = |key: Key, track: &Track| {
            for m in Measure::ALL {
                if track.states[m].alarm.is_some() {
                    keys.push((key.clone(), m));
                }
            }
        };
        for (t, tenant) in &self.tenants {
            push(Key::Tenant(t.clone()), &tenant.track);
        }
        for (t, tenant) in &self.tenants {
            for (c, customer) in &tenant.customers {
                push(Key::Customer(t.clone(), c.clone()), &customer.track);
            }
        }
        for (m, track) in &self.models {
            push(Key::Model(m.clone()), track);
        }
        keys
    }

    /// The usage of every customer–model pair inside `key`'s entity, now and
    /// over the blocks of that entity's current baseline.
    pub(super) fn pairs(&self, key: &Key, end: i64, g: Geometry) -> Vec<PairUsage<'_>> {
        let Some(track) = self.track(key) else {
            return Vec::new();
        };
        let blocks: Vec<i64> = g
            .baseline_blocks(end)
            .filter(|b| track.series.covers(*b) && !track.series.is_excluded(*b))
            .collect();
        let window = g.window;
        let window_secs = g.window_secs();
        let mut out = Vec::new();
        for (tenant_id, tenant) in &self.tenants {
            if let Key::Tenant(t) | Key::Customer(t, _) = key
                && t != tenant_id
            {
                continue;
            }
            for (customer_id, customer) in &tenant.customers {
                if let Key::Customer(_, c) = key
                    && c != customer_id
                {
                    continue;
                }
                for (model, series) in &customer.pairs {
                    if let Key::Model(m) = key
                        && m != model
                    {
                        continue;
                    }
                    let mut base = Totals::default();
                    for b in &blocks {
                        base.add(&series.block(*b));
                    }
                    let now = series.slot_sum(end - window, end);
                    if now.calls == 0 && base.calls == 0 {
                        continue;
                    }
                    out.push(PairUsage {
                        tenant_id,
                        customer_id,
                        model,
                        now: Usage {
                            totals: now,
                            secs: window_secs,
                        },
                        base: Usage {
                            totals: base,
                            secs: window_secs * blocks.len() as f64,
                        },
                    });
                }
            }
        }
        out
    }

    /// Counts a scored window and sweeps every `SWEEP_EVERY` of them.
    pub(super) fn after_window(&mut self, end: i64, g: Geometry) {
        self.windows_since_sweep += 1;
        if self.windows_since_sweep >= SWEEP_EVERY {
            self.windows_since_sweep = 0;
            self.sweep(end, g);
        }
    }

    /// Drops entities silent for longer than the baseline and not in alarm.
    fn sweep(&mut self, end: i64, g: Geometry) {
        let horizon = end - g.window * (g.blocks + 2);
        let silent = |s: &Series| s.last_slot().is_none_or(|l| l < horizon);
        let idle = |t: &Track| silent(&t.series) && t.states.iter().all(|s| s.alarm.is_none());
        for tenant in self.tenants.values_mut() {
            for customer in tenant.customers.values_mut() {
                customer.pairs.retain(|_, s| !silent(s));
            }
            tenant
                .customers
                .retain(|_, c| !(c.pairs.is_empty() && idle(&c.track)));
        }
        self.tenants
            .retain(|_, t| !(t.customers.is_empty() && idle(&t.track)));
        self.models.retain(|_, t| !idle(t));
        self.series_count = self.models.len()
            + self
                .tenants
                .values()
                .map(|t| {
                    1 + t
                        .customers
                        .values()
                        .map(|c| 1 + c.pairs.len())
                        .sum::<usize>()
                })
                .sum::<usize>();
    }
}
