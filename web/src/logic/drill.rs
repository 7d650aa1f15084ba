//! Drill-down over the filter: clicking a tenant, customer or model narrows
//! the view to it; the breadcrumb lists what is narrowed, in the order
//! tenant › customer › model, and steps back from the end.

use protocol::Filter;
use protocol::filter::Dimension;

/// One narrowing the breadcrumb shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crumb {
    pub dimension: Dimension,
    pub name: String,
}

impl Crumb {
    /// How the breadcrumb labels its dimension.
    pub fn kind(&self) -> &'static str {
        match self.dimension {
            Dimension::Tenant => "Tenant",
            Dimension::Customer => "Customer",
            Dimension::Model => "Model",
        }
    }
}

/// The view narrowed to `name` alone in `dimension` (others kept): a
/// drill-down replaces a dimension's choice rather than adding to it.
pub fn drill(filter: &Filter, dimension: Dimension, name: &str) -> Filter {
    let mut next = filter.clone();
    *next.values_mut(dimension) = vec![name.to_string()];
    next
}

/// `name` added to `dimension` (the filter bar's multi-select).
pub fn add(filter: &Filter, dimension: Dimension, name: &str) -> Filter {
    let name = name.trim();
    if name.is_empty() {
        return filter.clone();
    }
    filter.clone().with(dimension, name)
}

/// The filter without `name` in `dimension`.
pub fn remove(filter: &Filter, dimension: Dimension, name: &str) -> Filter {
    let mut next = filter.clone();
    next.values_mut(dimension).retain(|v| v != name);
    next
}

pub fn crumbs(filter: &Filter) -> Vec<Crumb> {
    Dimension::ALL
        .into_iter()
        .flat_map(|d| {
            filter.values(d).iter().map(move |name| Crumb {
                dimension: d,
                name: name.clone(),
            })
        })
        .collect()
}

/// One step back: the last crumb removed.
pub fn back(filter: &Filter) -> Filter {
    match crumbs(filter).last() {
        Some(last) => remove(filter, last.dimension, &last.name),
        None => filter.clone(),
    }
}

/// Words for the view's scope, for titles and the wall: "acme · claude-opus-4".
pub fn describe(filter: &Filter) -> String {
    crumbs(filter)
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drilling_narrows_one_dimension_and_keeps_the_others() {
        let f = drill(&Filter::default(), Dimension::Tenant, "acme");
        let f = drill(&f, Dimension::Customer, "acme-17");
        assert_eq!(f.tenants, ["acme"]);
        assert_eq!(f.customers, ["acme-17"]);
        let f = drill(&f, Dimension::Customer, "acme-3");
        assert_eq!(f.customers, ["acme-3"], "a new customer replaces the old");
    }

    #[test]
    fn crumbs_run_tenant_customer_model_and_back_drops_the_last() {
        let f = add(&Filter::default(), Dimension::Model, "o1");
        let f = add(&f, Dimension::Tenant, "acme");
        let f = add(&f, Dimension::Tenant, "hooli");
        let f = add(&f, Dimension::Tenant, "  ");
        let words: Vec<String> = crumbs(&f)
            .iter()
            .map(|c| format!("{}:{}", c.kind(), c.name))
            .collect();
        assert_eq!(words, ["Tenant:acme", "Tenant:hooli", "Model:o1"]);
        assert_eq!(describe(&f), "acme · hooli · o1");
        let f = back(&f);
        assert!(f.models.is_empty());
        let f = back(&back(&f));
        assert!(f.is_empty());
        assert!(back(&f).is_empty());
    }

    #[test]
    fn removing_takes_out_one_name() {
        let f = add(
            &add(&Filter::default(), Dimension::Customer, "a"),
            Dimension::Customer,
            "b",
        );
        assert_eq!(remove(&f, Dimension::Customer, "a").customers, ["b"]);
    }
}
