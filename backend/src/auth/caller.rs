//! `Caller`: who a request comes from, as far as access is concerned.

use protocol::{Anomaly, Filter};

use super::roles::{Action, Role};
use crate::aggregation::NameFilter;

#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// The token's name from the tokens file; `None` on an open server.
    pub name: Option<String>,
    pub role: Role,
    /// The tenants this caller may see (and, for ingest, write).
    pub scope: NameFilter,
}

impl Caller {
    /// Anyone, on a server with no tokens configured: may do everything.
    pub fn open() -> Self {
        Caller {
            name: None,
            role: Role::Admin,
            scope: NameFilter::all(),
        }
    }

    pub fn may(&self, action: Action) -> bool {
        self.role.allows(action)
    }

    pub fn sees_tenant(&self, tenant: &str) -> bool {
        self.scope.admits_tenant(tenant)
    }

    /// The tenant of a token scoped to exactly one: where its reports go
    /// when they do not name one.
    pub fn only_tenant(&self) -> Option<&str> {
        match &self.scope.tenants {
            Some(set) if set.len() == 1 => set.iter().next().map(String::as_str),
            _ => None,
        }
    }

    /// What this caller sees of a request's filter: the filter within the
    /// token's scope, never more than either.
    pub fn view(&self, filter: &Filter) -> NameFilter {
        NameFilter::requested(filter).within(&self.scope)
    }

    /// An anomaly this caller may see and the filter shows.
    pub fn sees_anomaly_in(&self, filter: &Filter, anomaly: &Anomaly) -> bool {
        self.sees_anomaly(anomaly) && filter.admits_entity(&anomaly.entity)
    }

    /// A scoped caller sees the anomalies of its tenants and their
    /// customers; a model's anomaly spans tenants, so only unscoped callers see it.
    pub fn sees_anomaly(&self, anomaly: &Anomaly) -> bool {
        self.scope.tenants.is_none() || anomaly.entity.tenant().is_some_and(|t| self.sees_tenant(t))
    }
}
