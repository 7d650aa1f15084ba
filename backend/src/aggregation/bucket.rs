//! `Bucket`: usage in one time slot, by customer–model pair. Totals by
//! model, customer and tenant follow from the pairs, for all of them or for
//! a [`Selection`] (a tenant-scoped token, a filter), so a selected view
//! adds up exactly as the whole does.

use protocol::metric::most_expensive_first;
use rustc_hash::FxHashMap;

use super::names::{CustomerId, ModelId, Names, SeriesKey, TenantId};
use super::pair_map::PairMap;
use super::selection::Selection;
use super::usage::Usage;

/// Most customer–model pairs one bucket tracks individually; past it, new
/// pairs fold into their tenant's `(other)` customer on the same model, so a
/// bucket's size is bounded whatever arrives and every tenant's sum stays its own.
pub const MAX_PAIRS_PER_BUCKET: usize = 2_000;

#[derive(Debug, Clone, Default)]
pub struct Bucket {
    pub totals: Usage,
    pub pairs: PairMap,
}

impl Bucket {
    /// Adds one pair's usage; `overflow` is the `(other)` customer of the
    /// pair's tenant, used once the bucket is full.
    pub fn add(&mut self, key: SeriesKey, overflow: CustomerId, usage: &Usage) {
        self.totals.add(usage);
        let key = if self.pairs.len() >= MAX_PAIRS_PER_BUCKET && !self.pairs.contains_key(&key) {
            SeriesKey {
                customer: overflow,
                model: key.model,
            }
        } else {
            key
        };
        self.pairs.entry(key).add(usage);
    }

    pub fn merge(&mut self, other: &Bucket) {
        self.totals.add(&other.totals);
        self.pairs.add_all(&other.pairs);
    }

    /// Empties the bucket but keeps its allocations for the slot's next use.
    pub fn clear(&mut self) {
        self.totals = Usage::default();
        self.pairs.clear();
    }

    /// Gives back the room kept for growth (see `PairMap::shrink`).
    pub fn shrink(&mut self) {
        self.pairs.shrink();
    }

    pub fn is_empty(&self) -> bool {
        self.totals.calls == 0 && self.pairs.is_empty()
    }

    /// Totals of the selected pairs (all of them: the stored totals).
    pub fn selected_totals(&self, names: &Names, selection: &Selection) -> Usage {
        if selection.is_all() {
            return self.totals;
        }
        let mut sum = Usage::default();
        for (key, usage) in self.pairs.iter() {
            if selection.admits(names, *key) {
                sum.add(usage);
            }
        }
        sum
    }

    /// The selected pairs summed by model, customer and tenant.
    pub fn breakdown(&self, names: &Names, selection: &Selection) -> Breakdown {
        let mut out = Breakdown {
            totals: self.selected_totals(names, selection),
            ..Breakdown::default()
        };
        for (key, usage) in self.pairs.iter() {
            if !selection.admits(names, *key) {
                continue;
            }
            out.by_model.entry(key.model).or_default().add(usage);
            out.by_customer.entry(key.customer).or_default().add(usage);
            out.by_tenant
                .entry(names.customer_tenant(key.customer))
                .or_default()
                .add(usage);
        }
        out
    }
}

/// A bucket's selected usage, summed three ways.
#[derive(Debug, Clone, Default)]
pub struct Breakdown {
    pub totals: Usage,
    pub by_model: FxHashMap<ModelId, Usage>,
    pub by_customer: FxHashMap<CustomerId, Usage>,
    pub by_tenant: FxHashMap<TenantId, Usage>,
}

impl Breakdown {
    /// Models, most expensive first (ties by name for a stable order).
    pub fn models_by_cost(&self, names: &Names) -> Vec<protocol::ModelUsage> {
        let mut out: Vec<protocol::ModelUsage> = self
            .by_model
            .iter()
            .map(|(id, u)| protocol::ModelUsage {
                model: names.model(*id).to_string(),
                metrics: u.to_metrics(),
            })
            .collect();
        out.sort_by(|a, b| {
            most_expensive_first(
                (a.metrics.total_cost, &a.model),
                (b.metrics.total_cost, &b.model),
            )
        });
        out
    }

    /// Tenants, most expensive first.
    pub fn tenants_by_cost(&self, names: &Names) -> Vec<protocol::TenantUsage> {
        let mut out: Vec<protocol::TenantUsage> = self
            .by_tenant
            .iter()
            .map(|(id, u)| protocol::TenantUsage {
                tenant_id: names.tenant(*id).to_string(),
                metrics: u.to_metrics(),
            })
            .collect();
        out.sort_by(|a, b| {
            most_expensive_first(
                (a.metrics.total_cost, &a.tenant_id),
                (b.metrics.total_cost, &b.tenant_id),
            )
        });
        out
    }

    /// The `limit` most expensive customers, and the sum of the others if any.
    pub fn top_customers(
        &self,
        names: &Names,
        limit: usize,
    ) -> (Vec<protocol::CustomerUsage>, Option<protocol::Metrics>) {
        let mut ranked: Vec<(&CustomerId, &Usage)> = self.by_customer.iter().collect();
        ranked.sort_by(|a, b| b.1.cost.total_cmp(&a.1.cost).then_with(|| a.0.cmp(b.0)));
        let rest = ranked.split_off(ranked.len().min(limit));
        let top = ranked
            .into_iter()
            .map(|(id, u)| {
                let (tenant, customer) = names.customer(*id);
                protocol::CustomerUsage {
                    tenant_id: tenant.to_string(),
                    customer_id: customer.to_string(),
                    metrics: u.to_metrics(),
                }
            })
            .collect();
        let other = (!rest.is_empty()).then(|| {
            let mut sum = Usage::default();
            for (_, u) in rest {
                sum.add(u);
            }
            sum.to_metrics()
        });
        (top, other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::names::{Interner, NameCaps};

    fn usage(cost: f64) -> Usage {
        Usage {
            calls: 1,
            tokens: 10,
            input_tokens: 6,
            output_tokens: 4,
            cost,
            latency_ms_sum: 100.0,
            ..Default::default()
        }
    }

    fn add(b: &mut Bucket, names: &Names, key: SeriesKey, cost: f64) {
        let overflow = names.overflow_customer(names.customer_tenant(key.customer));
        b.add(key, overflow, &usage(cost));
    }

    #[test]
    fn totals_match_breakdowns_and_merge_adds() {
        let mut i = Interner::new(NameCaps::default());
        let a = i.intern("t1", "a", "m1");
        let b = i.intern("t2", "b", "m2");
        let names = i.names().clone();
        let mut x = Bucket::default();
        add(&mut x, &names, a, 1.0);
        add(&mut x, &names, b, 3.0);
        let mut y = x.clone();
        y.merge(&x);
        assert_eq!(y.totals.calls, 4);
        assert!((y.totals.cost - 8.0).abs() < 1e-12);
        let all = y.breakdown(&names, &Selection::all());
        let models = all.models_by_cost(&names);
        assert_eq!(models[0].model, "m2");
        assert!((models[0].metrics.total_cost - 6.0).abs() < 1e-12);
        let tenants = all.tenants_by_cost(&names);
        assert_eq!(tenants[0].tenant_id, "t2");
        let (top, other) = all.top_customers(&names, 1);
        assert_eq!(top.len(), 1);
        assert_eq!(top[0].customer_id, "b");
        assert_eq!(top[0].tenant_id, "t2");
        assert!((other.unwrap().total_cost - 2.0).abs() < 1e-12);
        let (all_customers, none) = all.top_customers(&names, 10);
        assert_eq!(all_customers.len(), 2);
        assert!(none.is_none());
        y.clear();
        assert!(y.is_empty());
    }

    #[test]
    fn a_selection_sees_only_its_tenant_in_every_breakdown() {
        let mut i = Interner::new(NameCaps::default());
        let a1 = i.intern("t1", "a", "m1");
        let a2 = i.intern("t1", "a", "m2");
        let b = i.intern("t2", "b", "m1");
        let names = i.names().clone();
        let mut x = Bucket::default();
        add(&mut x, &names, a1, 1.0);
        add(&mut x, &names, a2, 2.0);
        add(&mut x, &names, b, 10.0);
        let only_t1 = Selection::tenants(&names, |t| t == "t1");
        let view = x.breakdown(&names, &only_t1);
        assert!((view.totals.cost - 3.0).abs() < 1e-12);
        assert_eq!(view.totals.calls, 2);
        let models = view.models_by_cost(&names);
        assert_eq!(models.len(), 2);
        assert!(
            (models[1].metrics.total_cost - 1.0).abs() < 1e-12,
            "m1 holds only t1's $1"
        );
        assert_eq!(view.tenants_by_cost(&names).len(), 1);
        assert_eq!(view.top_customers(&names, 10).0[0].customer_id, "a");
        assert!((x.selected_totals(&names, &only_t1).cost - 3.0).abs() < 1e-12);
    }

    #[test]
    fn pairs_are_capped_and_fold_into_their_own_tenant() {
        let mut i = Interner::new(NameCaps::default());
        let mut b = Bucket::default();
        let mut keys = Vec::new();
        for c in 0..(MAX_PAIRS_PER_BUCKET + 50) {
            let tenant = if c % 2 == 0 { "even" } else { "odd" };
            keys.push(i.intern(tenant, &format!("c{c}"), "m"));
        }
        let names = i.names().clone();
        for key in &keys {
            add(&mut b, &names, *key, 1.0);
        }
        assert!(b.pairs.len() <= MAX_PAIRS_PER_BUCKET + 2);
        assert_eq!(b.totals.calls, MAX_PAIRS_PER_BUCKET as u64 + 50);
        // Each tenant still adds up to its own reports.
        for (tenant, expected) in [("even", 1_025), ("odd", 1_025)] {
            let s = Selection::tenants(&names, |t| t == tenant);
            assert_eq!(b.selected_totals(&names, &s).calls, expected, "{tenant}");
        }
    }
}
