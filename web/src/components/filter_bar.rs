//! The filter bar: a breadcrumb of what the view is narrowed to (each crumb
//! removable, Back and Clear), and a searchable field to add a tenant,
//! customer or model. On the wall it is one read-only line.

use dioxus::prelude::*;
use protocol::Filter;
use protocol::filter::Dimension;

use crate::logic::drill::{self, Crumb};

/// A name the search field offers.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub dimension: Dimension,
    pub name: String,
}

fn word(d: Dimension) -> &'static str {
    match d {
        Dimension::Tenant => "Tenant",
        Dimension::Customer => "Customer",
        Dimension::Model => "Model",
    }
}

#[component]
pub fn FilterBar(
    filter: Filter,
    suggestions: Vec<Suggestion>,
    wall: bool,
    on_change: EventHandler<Filter>,
) -> Element {
    let crumbs = drill::crumbs(&filter);
    if wall {
        return rsx! {
            if !crumbs.is_empty() {
                p { class: "filter-wall", "data-filter": "{drill::describe(&filter)}",
                    "Showing only "
                    strong { "{drill::describe(&filter)}" }
                }
            }
        };
    }
    let mut dimension = use_signal(|| Dimension::Customer);
    let mut text = use_signal(String::new);
    let options: Vec<String> = suggestions
        .iter()
        .filter(|s| s.dimension == dimension() && !filter.values(s.dimension).contains(&s.name))
        .map(|s| s.name.clone())
        .collect();
    let (back_filter, add_filter) = (filter.clone(), filter.clone());
    rsx! {
        section { class: "filter-bar", "aria-label": "Filters",
            nav { class: "crumbs", "aria-label": "Filter breadcrumb",
                ol {
                    li {
                        if crumbs.is_empty() {
                            span { class: "crumb-root", "aria-current": "page", "All spend" }
                        } else {
                            button {
                                r#type: "button",
                                class: "crumb-root link",
                                "data-action": "clear-filter",
                                onclick: move |_| on_change.call(Filter::default()),
                                "All spend"
                            }
                        }
                    }
                    for c in crumbs.iter().cloned() {
                        CrumbItem { key: "{c.kind()}/{c.name}", crumb: c, filter: filter.clone(), on_change }
                    }
                }
                if !crumbs.is_empty() {
                    button {
                        r#type: "button",
                        class: "btn btn-small",
                        "data-action": "filter-back",
                        title: "Remove the last filter",
                        onclick: move |_| on_change.call(drill::back(&back_filter)),
                        "← Back"
                    }
                }
            }
            form { class: "filter-add",
                onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    let name = text();
                    if !name.trim().is_empty() {
                        on_change.call(drill::add(&add_filter, dimension(), &name));
                        text.set(String::new());
                    }
                },
                label { class: "visually-hidden", r#for: "filter-dimension", "Filter by" }
                select {
                    id: "filter-dimension",
                    onchange: move |e: FormEvent| {
                        let d = Dimension::from_param(&e.value()).unwrap_or(Dimension::Customer);
                        dimension.set(d);
                    },
                    for d in Dimension::ALL {
                        option { value: d.param(), selected: d == dimension(), "{word(d)}" }
                    }
                }
                label { class: "visually-hidden", r#for: "filter-name", "Name" }
                input {
                    id: "filter-name",
                    r#type: "search",
                    list: "filter-suggestions",
                    placeholder: "Filter by {word(dimension()).to_ascii_lowercase()}…",
                    autocomplete: "off",
                    value: "{text}",
                    oninput: move |e: FormEvent| text.set(e.value()),
                }
                datalist { id: "filter-suggestions",
                    for name in options {
                        option { key: "{name}", value: "{name}" }
                    }
                }
                button { r#type: "submit", class: "btn btn-small", "Add" }
            }
        }
    }
}

#[component]
fn CrumbItem(crumb: Crumb, filter: Filter, on_change: EventHandler<Filter>) -> Element {
    let label = format!(
        "Remove {} {}",
        crumb.kind().to_ascii_lowercase(),
        crumb.name
    );
    let (d, name) = (crumb.dimension, crumb.name.clone());
    rsx! {
        li { class: "crumb",
            span { class: "crumb-kind", "{crumb.kind()}" }
            span { class: "crumb-name", "{crumb.name}" }
            button {
                r#type: "button",
                class: "crumb-remove",
                "aria-label": "{label}",
                title: "{label}",
                onclick: move |_| on_change.call(drill::remove(&filter, d, &name)),
                "×"
            }
        }
    }
}
