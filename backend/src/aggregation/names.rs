//! Compact ids for tenants, customers and models, and the names behind them.
//!
//! Buckets and the update log rollups ids instead of strings: a bucket entry is
//! a few dozen bytes and ingest hashes each name once. The number of distinct
//! names is capped so that a source sending random ids cannot grow memory
//! without bound; past the cap, names fold into a shared `(other)` entry.

use std::collections::HashMap;

pub type TenantId = u32;
pub type CustomerId = u32;
pub type ModelId = u32;

/// Name used for everything past a cap.
pub const OVERFLOW_NAME: &str = "(other)";

/// Caps on distinct names.
#[derive(Debug, Clone, Copy)]
pub struct NameCaps {
    pub tenants: usize,
    pub customers: usize,
    pub models: usize,
}

impl Default for NameCaps {
    fn default() -> Self {
        NameCaps {
            tenants: 10_000,
            customers: 100_000,
            models: 1_000,
        }
    }
}

/// Id → name tables (append-only). Id 0 of each table is the overflow
/// entry; every tenant also has an overflow customer of its own, so names
/// past a cap stay under their own tenant (what a tenant-scoped viewer sees
/// adds up to that tenant's whole spend).
#[derive(Debug, Clone)]
pub struct Names {
    tenants: Vec<String>,
    /// Each tenant's `(other)` customer, by tenant id.
    tenant_overflow: Vec<CustomerId>,
    /// Each customer's tenant and name.
    customers: Vec<(TenantId, String)>,
    models: Vec<String>,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            tenants: vec![OVERFLOW_NAME.to_string()],
            tenant_overflow: vec![0],
            customers: vec![(0, OVERFLOW_NAME.to_string())],
            models: vec![OVERFLOW_NAME.to_string()],
        }
    }
}

impl Names {
    /// The `(other)` customer of `tenant`: where its customers past a cap go.
    pub fn overflow_customer(&self, tenant: TenantId) -> CustomerId {
        self.tenant_overflow
            .get(tenant as usize)
            .copied()
            .unwrap_or(0)
    }

    /// Tenant ids whose names are in `wanted`.
    pub fn tenant_ids<'a>(&self, wanted: impl Fn(&str) -> bool + 'a) -> Vec<TenantId> {
        (0..self.tenants.len() as TenantId)
            .filter(|id| wanted(self.tenant(*id)))
            .collect()
    }

    /// Customer ids whose names are in `wanted` (the same name may exist in several tenants).
    pub fn customer_ids(&self, wanted: impl Fn(&str) -> bool) -> Vec<CustomerId> {
        (0..self.customers.len() as CustomerId)
            .filter(|id| wanted(self.customer(*id).1))
            .collect()
    }

    /// Model ids whose names are in `wanted`.
    pub fn model_ids(&self, wanted: impl Fn(&str) -> bool) -> Vec<ModelId> {
        (0..self.models.len() as ModelId)
            .filter(|id| wanted(self.model(*id)))
            .collect()
    }

    pub fn tenant(&self, id: TenantId) -> &str {
        self.tenants
            .get(id as usize)
            .map_or(OVERFLOW_NAME, String::as_str)
    }

    pub fn customer(&self, id: CustomerId) -> (&str, &str) {
        match self.customers.get(id as usize) {
            Some((tenant, name)) => (self.tenant(*tenant), name.as_str()),
            None => (OVERFLOW_NAME, OVERFLOW_NAME),
        }
    }

    pub fn customer_tenant(&self, id: CustomerId) -> TenantId {
        self.customers.get(id as usize).map_or(0, |(t, _)| *t)
    }

    pub fn model(&self, id: ModelId) -> &str {
        self.models
            .get(id as usize)
            .map_or(OVERFLOW_NAME, String::as_str)
    }

    /// Appends the names `newer` has beyond this table (both only ever grow).
    pub fn catch_up(&mut self, newer: &Names) {
        self.tenants
            .extend_from_slice(&newer.tenants[self.tenants.len().min(newer.tenants.len())..]);
        self.tenant_overflow.extend_from_slice(
            &newer.tenant_overflow[self.tenant_overflow.len().min(newer.tenant_overflow.len())..],
        );
        self.customers
            .extend_from_slice(&newer.customers[self.customers.len().min(newer.customers.len())..]);
        self.models
            .extend_from_slice(&newer.models[self.models.len().min(newer.models.len())..]);
    }

    pub fn len(&self) -> (usize, usize, usize) {
        (self.tenants.len(), self.customers.len(), self.models.len())
    }
}

/// The ids of one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeriesKey {
    pub customer: CustomerId,
    pub model: ModelId,
}

/// Name → id lookup, owned by the aggregator (the only writer).
#[derive(Debug)]
pub struct Interner {
    caps: NameCaps,
    names: Names,
    tenants: HashMap<String, TenantId>,
    /// Customer ids per tenant id.
    customers: Vec<HashMap<String, CustomerId>>,
    models: HashMap<String, ModelId>,
    /// Reports whose names were folded into `(other)`.
    pub overflowed: u64,
}

impl Interner {
    pub fn new(caps: NameCaps) -> Self {
        Interner {
            caps,
            names: Names::default(),
            tenants: HashMap::new(),
            customers: vec![HashMap::new()],
            models: HashMap::new(),
            overflowed: 0,
        }
    }

    pub fn names(&self) -> &Names {
        &self.names
    }

    pub fn intern(&mut self, tenant: &str, customer: &str, model: &str) -> SeriesKey {
        let tenant_id = self.tenant(tenant);
        let customer = self.customer(tenant_id, customer);
        let model = self.model(model);
        SeriesKey { customer, model }
    }

    fn tenant(&mut self, name: &str) -> TenantId {
        if let Some(id) = self.tenants.get(name) {
            return *id;
        }
        if self.names.tenants.len() > self.caps.tenants {
            self.overflowed += 1;
            return 0;
        }
        let id = self.names.tenants.len() as TenantId;
        self.names.tenants.push(name.to_string());
        self.tenants.insert(name.to_string(), id);
        // The tenant's own `(other)` customer comes with it.
        let overflow = self.names.customers.len() as CustomerId;
        self.names.customers.push((id, OVERFLOW_NAME.to_string()));
        self.names.tenant_overflow.push(overflow);
        self.customers
            .push(HashMap::from([(OVERFLOW_NAME.to_string(), overflow)]));
        id
    }

    fn customer(&mut self, tenant: TenantId, name: &str) -> CustomerId {
        let Some(map) = self.customers.get_mut(tenant as usize) else {
            return 0;
        };
        if let Some(id) = map.get(name) {
            return *id;
        }
        if tenant == 0 || self.names.customers.len() > self.caps.customers {
            self.overflowed += 1;
            return self.names.overflow_customer(tenant);
        }
        let id = self.names.customers.len() as CustomerId;
        self.names.customers.push((tenant, name.to_string()));
        map.insert(name.to_string(), id);
        id
    }

    fn model(&mut self, name: &str) -> ModelId {
        if let Some(id) = self.models.get(name) {
            return *id;
        }
        if self.names.models.len() > self.caps.models {
            self.overflowed += 1;
            return 0;
        }
        let id = self.names.models.len() as ModelId;
        self.names.models.push(name.to_string());
        self.models.insert(name.to_string(), id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_names_same_ids_and_customers_are_per_tenant() {
        let mut i = Interner::new(NameCaps::default());
        let a = i.intern("acme", "c1", "gpt-4o");
        let b = i.intern("acme", "c1", "gpt-4o");
        let c = i.intern("globex", "c1", "gpt-4o");
        assert_eq!(a, b);
        assert_ne!(a.customer, c.customer);
        assert_eq!(a.model, c.model);
        assert_eq!(i.names().customer(a.customer), ("acme", "c1"));
        assert_eq!(i.names().customer(c.customer), ("globex", "c1"));
        assert_eq!(i.names().model(a.model), "gpt-4o");
        assert_eq!(
            i.names().tenant(i.names().customer_tenant(c.customer)),
            "globex"
        );
    }

    #[test]
    fn caps_fold_into_other() {
        let mut i = Interner::new(NameCaps {
            tenants: 1,
            customers: 2,
            models: 1,
        });
        let first = i.intern("t1", "c1", "m1");
        let _ = i.intern("t1", "c2", "m1");
        // Customers past the cap stay under their own tenant.
        let own = i.intern("t1", "c9", "m1");
        assert_eq!(i.names().customer(own.customer), ("t1", OVERFLOW_NAME));
        assert_eq!(
            own.customer,
            i.names()
                .overflow_customer(i.names().customer_tenant(first.customer))
        );
        // Tenants past their cap go to the shared `(other)` tenant.
        let over = i.intern("t2", "c3", "m2");
        assert_eq!(over.customer, 0);
        assert_eq!(over.model, 0);
        assert_eq!(
            i.names().customer(over.customer),
            (OVERFLOW_NAME, OVERFLOW_NAME)
        );
        assert!(i.overflowed >= 3);
        // A known customer still resolves after the cap is reached.
        assert_eq!(i.intern("t1", "c1", "m1"), first);
    }

    #[test]
    fn catch_up_copies_only_new_names() {
        let mut i = Interner::new(NameCaps::default());
        i.intern("a", "x", "m");
        let mut copy = i.names().clone();
        i.intern("b", "y", "n");
        copy.catch_up(i.names());
        assert_eq!(copy.len(), i.names().len());
        // Ids: 1 (other) of a, 2 x, 3 (other) of b, 4 y.
        assert_eq!(copy.customer(4), ("b", "y"));
        assert_eq!(copy.overflow_customer(2), 3);
        assert_eq!(copy.model(99), OVERFLOW_NAME);
    }
}
