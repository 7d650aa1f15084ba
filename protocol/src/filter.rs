//! `Filter`: the tenants, customers and models a view shows. The same words
//! are the query parameters of every read endpoint (`?tenant=acme&model=x`,
//! each repeatable), the `filter` of a WebSocket `subscribe` or `setFilter`,
//! and the web client's URL, so a filtered wall display is one link.

use serde::{Deserialize, Serialize};

use crate::anomaly::{EntityKind, EntityRef};
use crate::error::FieldError;
use crate::validate::validate_id;

/// Query parameter naming a tenant to show (repeatable).
pub const TENANT_PARAM: &str = "tenant";
/// Query parameter naming a customer to show (repeatable).
pub const CUSTOMER_PARAM: &str = "customer";
/// Query parameter naming a model to show (repeatable).
pub const MODEL_PARAM: &str = "model";

/// Names per dimension a filter may list: a view, not a bulk export.
pub const MAX_FILTER_VALUES: usize = 100;

/// An empty list admits every name; names never seen match nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tenants: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
}

/// The three dimensions, in the order a breadcrumb shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Tenant,
    Customer,
    Model,
}

impl Dimension {
    pub const ALL: [Dimension; 3] = [Dimension::Tenant, Dimension::Customer, Dimension::Model];

    /// The query parameter (and URL word) for this dimension.
    pub fn param(self) -> &'static str {
        match self {
            Dimension::Tenant => TENANT_PARAM,
            Dimension::Customer => CUSTOMER_PARAM,
            Dimension::Model => MODEL_PARAM,
        }
    }

    pub fn from_param(word: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.param() == word)
    }
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.tenants.is_empty() && self.customers.is_empty() && self.models.is_empty()
    }

    pub fn values(&self, dimension: Dimension) -> &[String] {
        match dimension {
            Dimension::Tenant => &self.tenants,
            Dimension::Customer => &self.customers,
            Dimension::Model => &self.models,
        }
    }

    pub fn values_mut(&mut self, dimension: Dimension) -> &mut Vec<String> {
        match dimension {
            Dimension::Tenant => &mut self.tenants,
            Dimension::Customer => &mut self.customers,
            Dimension::Model => &mut self.models,
        }
    }

    /// Adds `name` to a dimension (once; kept in the order added).
    pub fn with(mut self, dimension: Dimension, name: &str) -> Filter {
        let values = self.values_mut(dimension);
        if !values.iter().any(|v| v == name) {
            values.push(name.to_string());
        }
        self
    }

    /// Each name checked as an id, and no more than [`MAX_FILTER_VALUES`]
    /// per dimension; errors name the field as `{prefix}{param}`.
    pub fn validate(&self, prefix: &str) -> Result<(), FieldError> {
        for dimension in Dimension::ALL {
            let field = format!("{prefix}{}", dimension.param());
            let values = self.values(dimension);
            if values.len() > MAX_FILTER_VALUES {
                return Err(FieldError::new(
                    &field,
                    format!("at most {MAX_FILTER_VALUES} values may be given"),
                ));
            }
            for value in values {
                validate_id(&field, value)?;
            }
        }
        Ok(())
    }

    /// The filter in decoded query pairs: `tenant`, `customer` and `model`
    /// collected (each repeatable, names exact), every other key ignored,
    /// then validated.
    pub fn from_pairs<'a, I>(pairs: I) -> Result<Filter, FieldError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut filter = Filter::default();
        let mut given = [0usize; 3];
        for (key, value) in pairs {
            if let Some(dimension) = Dimension::from_param(key) {
                // Counted as given, repeats too: the limit is on the request.
                given[dimension as usize] += 1;
                if given[dimension as usize] > MAX_FILTER_VALUES {
                    return Err(FieldError::new(
                        key,
                        format!("at most {MAX_FILTER_VALUES} values may be given"),
                    ));
                }
                if !filter.values(dimension).iter().any(|v| v == value) {
                    filter.values_mut(dimension).push(value.to_string());
                }
            }
        }
        filter.validate("")?;
        Ok(filter)
    }

    /// The filter as query pairs, in dimension order (for URLs).
    pub fn to_pairs(&self) -> Vec<(&'static str, &str)> {
        Dimension::ALL
            .into_iter()
            .flat_map(|d| self.values(d).iter().map(move |v| (d.param(), v.as_str())))
            .collect()
    }

    fn admits(values: &[String], name: &str) -> bool {
        values.is_empty() || values.iter().any(|v| v == name)
    }

    /// Whether usage of this tenant, customer and model is shown.
    pub fn admits_names(&self, tenant: &str, customer: &str, model: &str) -> bool {
        Filter::admits(&self.tenants, tenant)
            && Filter::admits(&self.customers, customer)
            && Filter::admits(&self.models, model)
    }

    /// Whether an anomaly on `entity` belongs in the filtered view: each
    /// dimension the entity has must be admitted, and when anything is
    /// filtered, the entity must have a filtered dimension — `tenant=acme`
    /// shows acme's and its customers' anomalies, not a model's that spans
    /// every tenant.
    pub fn admits_entity(&self, entity: &EntityRef) -> bool {
        if self.is_empty() {
            return true;
        }
        let (tenant, customer, model) = match entity.kind {
            EntityKind::Tenant => (Some(entity.id.as_str()), None, None),
            EntityKind::Customer => (entity.tenant_id.as_deref(), Some(entity.id.as_str()), None),
            EntityKind::Model => (None, None, Some(entity.id.as_str())),
        };
        let checks = [
            (&self.tenants, tenant),
            (&self.customers, customer),
            (&self.models, model),
        ];
        let mut touches_a_filtered_dimension = false;
        for (values, name) in checks {
            if let Some(name) = name {
                if !Filter::admits(values, name) {
                    return false;
                }
                touches_a_filtered_dimension |= !values.is_empty();
            }
        }
        touches_a_filtered_dimension
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(kind: EntityKind, id: &str, tenant: Option<&str>) -> EntityRef {
        EntityRef {
            kind,
            id: id.into(),
            tenant_id: tenant.map(Into::into),
        }
    }

    #[test]
    fn query_pairs_collect_repeated_names_and_ignore_other_keys() {
        let f = Filter::from_pairs([
            ("tenant", "acme"),
            ("window", "1h"),
            ("model", "gpt-4o"),
            ("tenant", "hooli"),
            ("tenant", "acme"),
        ])
        .unwrap();
        assert_eq!(f.tenants, ["acme", "hooli"]);
        assert_eq!(f.models, ["gpt-4o"]);
        assert!(f.customers.is_empty());
        assert_eq!(
            f.to_pairs(),
            [("tenant", "acme"), ("tenant", "hooli"), ("model", "gpt-4o")]
        );
    }

    #[test]
    fn malformed_names_are_refused_naming_the_parameter() {
        let err = Filter::from_pairs([("customer", "")]).unwrap_err();
        assert_eq!(err.field, "customer");
        let long = "x".repeat(200);
        assert_eq!(
            Filter::from_pairs([("model", long.as_str())])
                .unwrap_err()
                .field,
            "model"
        );
        let many: Vec<String> = (0..=MAX_FILTER_VALUES).map(|i| format!("t{i}")).collect();
        let err = Filter::from_pairs(many.iter().map(|t| ("tenant", t.as_str()))).unwrap_err();
        assert_eq!(err.field, "tenant");
        let repeated = vec![("model", "o1"); MAX_FILTER_VALUES + 1];
        assert_eq!(Filter::from_pairs(repeated).unwrap_err().field, "model");
        let f = Filter::default().with(Dimension::Model, "bad\u{202e}");
        assert_eq!(f.validate("filter.").unwrap_err().field, "filter.model");
    }

    #[test]
    fn names_are_admitted_by_every_dimension_at_once() {
        let f = Filter::default()
            .with(Dimension::Tenant, "acme")
            .with(Dimension::Model, "gpt-4o");
        assert!(f.admits_names("acme", "c1", "gpt-4o"));
        assert!(!f.admits_names("acme", "c1", "o1"));
        assert!(!f.admits_names("hooli", "c1", "gpt-4o"));
        assert!(Filter::default().admits_names("any", "one", "at all"));
    }

    #[test]
    fn anomalies_show_when_their_entity_is_inside_the_filter() {
        let tenant = Filter::default().with(Dimension::Tenant, "acme");
        assert!(tenant.admits_entity(&entity(EntityKind::Tenant, "acme", None)));
        assert!(tenant.admits_entity(&entity(EntityKind::Customer, "c1", Some("acme"))));
        assert!(!tenant.admits_entity(&entity(EntityKind::Customer, "c1", Some("hooli"))));
        assert!(!tenant.admits_entity(&entity(EntityKind::Model, "gpt-4o", None)));
        let model = Filter::default().with(Dimension::Model, "gpt-4o");
        assert!(model.admits_entity(&entity(EntityKind::Model, "gpt-4o", None)));
        assert!(!model.admits_entity(&entity(EntityKind::Tenant, "acme", None)));
        let both = tenant.clone().with(Dimension::Model, "gpt-4o");
        assert!(both.admits_entity(&entity(EntityKind::Model, "gpt-4o", None)));
        assert!(both.admits_entity(&entity(EntityKind::Tenant, "acme", None)));
        let customer = Filter::default().with(Dimension::Customer, "c1");
        assert!(customer.admits_entity(&entity(EntityKind::Customer, "c1", Some("acme"))));
        assert!(!customer.admits_entity(&entity(EntityKind::Tenant, "acme", None)));
        assert!(Filter::default().admits_entity(&entity(EntityKind::Model, "x", None)));
    }

    #[test]
    fn the_wire_form_leaves_out_empty_dimensions() {
        let f = Filter::default().with(Dimension::Customer, "c1");
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"customers":["c1"]}"#
        );
        let back: Filter = serde_json::from_str("{}").unwrap();
        assert!(back.is_empty());
    }
}
