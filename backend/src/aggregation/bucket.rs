//! `Bucket`: usage in one time slot, in total and by model, customer and tenant.

use rustc_hash::FxHashMap;

use super::names::{CustomerId, ModelId, Names, TenantId};
use super::usage::Usage;

/// Most customers one bucket tracks individually; the rest fold into the
/// overflow customer (id 0) so a bucket's size is bounded whatever arrives.
pub const MAX_CUSTOMERS_PER_BUCKET: usize = 1_000;

#[derive(Debug, Clone, Default)]
pub struct Bucket {
    pub totals: Usage,
    pub by_model: FxHashMap<ModelId, Usage>,
    pub by_customer: FxHashMap<CustomerId, Usage>,
    pub by_tenant: FxHashMap<TenantId, Usage>,
}

impl Bucket {
    pub fn add(&mut self, customer: CustomerId, tenant: TenantId, model: ModelId, usage: &Usage) {
        self.totals.add(usage);
        self.by_model.entry(model).or_default().add(usage);
        self.by_tenant.entry(tenant).or_default().add(usage);
        let customer = if self.by_customer.len() >= MAX_CUSTOMERS_PER_BUCKET
            && !self.by_customer.contains_key(&customer)
        {
            0
        } else {
            customer
        };
        self.by_customer.entry(customer).or_default().add(usage);
    }

    pub fn merge(&mut self, other: &Bucket) {
        self.totals.add(&other.totals);
        for (k, v) in &other.by_model {
            self.by_model.entry(*k).or_default().add(v);
        }
        for (k, v) in &other.by_tenant {
            self.by_tenant.entry(*k).or_default().add(v);
        }
        for (k, v) in &other.by_customer {
            self.by_customer.entry(*k).or_default().add(v);
        }
    }

    /// Empties the bucket but keeps its allocations for the slot's next use.
    pub fn clear(&mut self) {
        self.totals = Usage::default();
        self.by_model.clear();
        self.by_customer.clear();
        self.by_tenant.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.totals.calls == 0 && self.by_customer.is_empty()
    }

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
            b.metrics
                .total_cost
                .total_cmp(&a.metrics.total_cost)
                .then_with(|| a.model.cmp(&b.model))
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
            b.metrics
                .total_cost
                .total_cmp(&a.metrics.total_cost)
                .then_with(|| a.tenant_id.cmp(&b.tenant_id))
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
        }
    }

    #[test]
    fn totals_match_breakdowns_and_merge_adds() {
        let mut i = Interner::new(NameCaps::default());
        let a = i.intern("t1", "a", "m1");
        let b = i.intern("t2", "b", "m2");
        let names = i.names().clone();
        let mut x = Bucket::default();
        x.add(
            a.customer,
            names.customer_tenant(a.customer),
            a.model,
            &usage(1.0),
        );
        x.add(
            b.customer,
            names.customer_tenant(b.customer),
            b.model,
            &usage(3.0),
        );
        let mut y = x.clone();
        y.merge(&x);
        assert_eq!(y.totals.calls, 4);
        assert!((y.totals.cost - 8.0).abs() < 1e-12);
        let models = y.models_by_cost(&names);
        assert_eq!(models[0].model, "m2");
        assert!((models[0].metrics.total_cost - 6.0).abs() < 1e-12);
        let tenants = y.tenants_by_cost(&names);
        assert_eq!(tenants[0].tenant_id, "t2");
        let (top, other) = y.top_customers(&names, 1);
        assert_eq!(top.len(), 1);
        assert_eq!(top[0].customer_id, "b");
        assert_eq!(top[0].tenant_id, "t2");
        assert!((other.unwrap().total_cost - 2.0).abs() < 1e-12);
        let (all, none) = y.top_customers(&names, 10);
        assert_eq!(all.len(), 2);
        assert!(none.is_none());
        y.clear();
        assert!(y.is_empty());
    }

    #[test]
    fn customer_count_is_capped() {
        let mut b = Bucket::default();
        for c in 1..=(MAX_CUSTOMERS_PER_BUCKET as u32 + 50) {
            b.add(c, 1, 1, &usage(1.0));
        }
        assert_eq!(b.by_customer.len(), MAX_CUSTOMERS_PER_BUCKET + 1);
        assert_eq!(b.totals.calls, MAX_CUSTOMERS_PER_BUCKET as u64 + 50);
        assert_eq!(b.by_customer[&0].calls, 50);
    }
}
