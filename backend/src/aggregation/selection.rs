//! What a caller may see and asked to see, by name ([`NameFilter`]), and the
//! same resolved to ids for the rollups' buckets ([`Selection`]).
//!
//! A tenant-scoped token is a filter on tenants; request filters narrow it
//! further and can never widen it ([`NameFilter::within`]).

use std::collections::BTreeSet;

use protocol::MetricUpdate;
use rustc_hash::FxHashSet;

use super::names::{CustomerId, ModelId, Names, SeriesKey, TenantId};

/// Tenants, customers and models by name; `None` admits any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NameFilter {
    pub tenants: Option<BTreeSet<String>>,
    pub customers: Option<BTreeSet<String>>,
    pub models: Option<BTreeSet<String>>,
}

fn admits(set: &Option<BTreeSet<String>>, name: &str) -> bool {
    set.as_ref().is_none_or(|s| s.contains(name))
}

fn intersect(
    a: &Option<BTreeSet<String>>,
    b: &Option<BTreeSet<String>>,
) -> Option<BTreeSet<String>> {
    match (a, b) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (Some(x), Some(y)) => Some(x.intersection(y).cloned().collect()),
    }
}

impl NameFilter {
    /// Admits everything.
    pub fn all() -> Self {
        NameFilter::default()
    }

    /// Admits only these tenants.
    pub fn tenants<I: IntoIterator<Item = S>, S: Into<String>>(tenants: I) -> Self {
        NameFilter {
            tenants: Some(tenants.into_iter().map(Into::into).collect()),
            ..NameFilter::default()
        }
    }

    /// What a request's [`protocol::Filter`] asks to see (empty lists admit any).
    pub fn requested(filter: &protocol::Filter) -> Self {
        fn set(values: &[String]) -> Option<BTreeSet<String>> {
            (!values.is_empty()).then(|| values.iter().cloned().collect())
        }
        NameFilter {
            tenants: set(&filter.tenants),
            customers: set(&filter.customers),
            models: set(&filter.models),
        }
    }

    pub fn is_all(&self) -> bool {
        self.tenants.is_none() && self.customers.is_none() && self.models.is_none()
    }

    pub fn admits_tenant(&self, tenant: &str) -> bool {
        admits(&self.tenants, tenant)
    }

    pub fn admits_names(&self, tenant: &str, customer: &str, model: &str) -> bool {
        admits(&self.tenants, tenant)
            && admits(&self.customers, customer)
            && admits(&self.models, model)
    }

    pub fn admits_update(&self, u: &MetricUpdate) -> bool {
        self.admits_names(&u.tenant_id, &u.customer_id, &u.model)
    }

    /// This filter narrowed to what `scope` admits: never more than either.
    pub fn within(&self, scope: &NameFilter) -> NameFilter {
        NameFilter {
            tenants: intersect(&self.tenants, &scope.tenants),
            customers: intersect(&self.customers, &scope.customers),
            models: intersect(&self.models, &scope.models),
        }
    }

    /// The ids these names have in `names` (names never seen match nothing).
    pub fn resolve(&self, names: &Names) -> Selection {
        fn ids<T: Copy + std::hash::Hash + Eq>(
            set: &Option<BTreeSet<String>>,
            find: impl FnOnce(&dyn Fn(&str) -> bool) -> Vec<T>,
        ) -> Option<FxHashSet<T>> {
            set.as_ref()
                .map(|wanted| find(&|name| wanted.contains(name)).into_iter().collect())
        }
        Selection {
            tenants: ids(&self.tenants, |f| names.tenant_ids(f)),
            customers: ids(&self.customers, |f| names.customer_ids(f)),
            models: ids(&self.models, |f| names.model_ids(f)),
        }
    }
}

/// A [`NameFilter`] resolved to ids: which customer–model pairs count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    tenants: Option<FxHashSet<TenantId>>,
    customers: Option<FxHashSet<CustomerId>>,
    models: Option<FxHashSet<ModelId>>,
}

impl Selection {
    pub fn all() -> Self {
        Selection::default()
    }

    /// The tenants whose names `wanted` admits.
    pub fn tenants(names: &Names, wanted: impl Fn(&str) -> bool) -> Self {
        Selection {
            tenants: Some(names.tenant_ids(wanted).into_iter().collect()),
            ..Selection::default()
        }
    }

    pub fn is_all(&self) -> bool {
        self.tenants.is_none() && self.customers.is_none() && self.models.is_none()
    }

    pub fn admits(&self, names: &Names, key: SeriesKey) -> bool {
        self.customers
            .as_ref()
            .is_none_or(|c| c.contains(&key.customer))
            && self.models.as_ref().is_none_or(|m| m.contains(&key.model))
            && self
                .tenants
                .as_ref()
                .is_none_or(|t| t.contains(&names.customer_tenant(key.customer)))
    }

    pub fn admits_tenant(&self, tenant: TenantId) -> bool {
        self.tenants.as_ref().is_none_or(|t| t.contains(&tenant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::names::{Interner, NameCaps};

    #[test]
    fn names_resolve_to_ids_and_unknown_names_match_nothing() {
        let mut i = Interner::new(NameCaps::default());
        let a = i.intern("acme", "acme-1", "gpt-4o");
        let b = i.intern("globex", "globex-1", "gpt-4o");
        let names = i.names();
        let acme = NameFilter::tenants(["acme"]).resolve(names);
        assert!(acme.admits(names, a));
        assert!(!acme.admits(names, b));
        let nobody = NameFilter::tenants(["initech"]).resolve(names);
        assert!(!nobody.admits(names, a) && !nobody.admits(names, b));
        assert!(NameFilter::all().resolve(names).is_all());
        let by_model = NameFilter {
            models: Some(["gpt-4o".to_string()].into()),
            ..NameFilter::all()
        }
        .resolve(names);
        assert!(by_model.admits(names, a) && by_model.admits(names, b));
    }

    #[test]
    fn a_filter_never_widens_a_scope() {
        let scope = NameFilter::tenants(["acme"]);
        let asked = NameFilter::tenants(["acme", "globex"]);
        assert_eq!(asked.within(&scope), NameFilter::tenants(["acme"]));
        assert_eq!(NameFilter::all().within(&scope), scope);
        let other = NameFilter::tenants(["globex"]).within(&scope);
        assert!(!other.admits_tenant("acme") && !other.admits_tenant("globex"));
        assert!(NameFilter::all().within(&NameFilter::all()).is_all());
    }
}
