//! Top customers by spend in the window: sortable columns, rank changes
//! (▲▼ against the ranking one rate span earlier), and a row order that holds
//! still while the pointer is over the table.

use dioxus::prelude::*;

use crate::components::csv_button::CsvButton;
use crate::components::drill_button::DrillButton;
use crate::components::panel::{Panel, Placeholder};
use crate::hooks::{current, use_panel_view};
use crate::logic::aggregate::CustomerRow;
use crate::logic::csv::{customers_csv, file_name};
use crate::logic::format::{
    cached_share, compact, duration_secs, group_thousands, latency_ms, percent, usd,
};
use crate::logic::ranking::{
    RankChange, SortColumn, SortKey, hold_order, rank_change, sort_rows, spend_ranks,
};
use crate::logic::views::{self, CustomersView};
use crate::services::{clock, instrumentation};
use crate::state::SETTINGS;
use protocol::filter::Dimension;

/// Rows shown; the CSV has them all.
pub const ROWS_SHOWN: usize = 15;
/// Rows on the wall, where the table must fit half the screen's height in large type.
pub const WALL_ROWS_SHOWN: usize = 8;

#[component]
pub fn TopCustomers() -> Element {
    instrumentation::panel_rendered();
    let view = use_panel_view(views::customers_view);
    let window = SETTINGS.read().window().as_str();
    let shown = if SETTINGS.read().wall {
        WALL_ROWS_SHOWN
    } else {
        ROWS_SHOWN
    };
    let sort = use_signal(SortKey::default);
    rsx! {
        Panel { name: "customers", title: "Top customers",
            subtitle: view().map(|v| format!("by spend in the window · ▲▼ vs {} earlier", duration_secs(v.compared_over.as_secs()))),
            actions: rsx! {
                CsvButton {
                    label: "Download the customers table as CSV",
                    file_name: file_name("customers", window, clock::server_now()),
                    contents: move |_| {
                        let mut rows = current(views::customers_view).map(|v: CustomersView| v.rows).unwrap_or_default();
                        sort_rows(&mut rows, sort());
                        customers_csv(&rows)
                    },
                }
            },
            match view() {
                Some(v) if !v.rows.is_empty() => rsx! { CustomerTable { view: v, sort, shown } },
                Some(_) => rsx! { Placeholder { text: "No customers in this window." } },
                None => rsx! { Placeholder { text: "Loading the window…" } },
            }
        }
    }
}

#[component]
pub fn CustomerTable(
    view: CustomersView,
    sort: Signal<SortKey>,
    /// How many rows to show.
    #[props(default = ROWS_SHOWN)]
    shown: usize,
) -> Element {
    // Row order held while the pointer is over the table (None when not held).
    let mut held = use_signal(|| None::<Vec<(String, String)>>);
    let ranks = spend_ranks(&view.rows);
    let mut rows = view.rows.clone();
    sort_rows(&mut rows, sort());
    let rows: Vec<CustomerRow> = match held.read().as_ref() {
        Some(order) => hold_order(rows, order),
        None => rows,
    };
    let rows: Vec<CustomerRow> = rows.into_iter().take(shown).collect();
    let shown_order: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.tenant_id.clone(), r.customer_id.clone()))
        .collect();
    rsx! {
        div { class: "table-scroll",
            table { class: "customers",
                onmouseenter: move |_| held.set(Some(shown_order.clone())),
                onmouseleave: move |_| held.set(None),
                thead {
                    tr {
                        th { scope: "col", class: "num", abbr: "Rank", "#" }
                        for column in SortColumn::ALL {
                            th {
                                scope: "col",
                                class: match column {
                                    SortColumn::Tenant => "tenant",
                                    SortColumn::Customer => "",
                                    SortColumn::Calls => "num calls",
                                    SortColumn::Tokens => "num tokens",
                                    SortColumn::Latency => "num latency",
                                    SortColumn::Cached => "num cached",
                                    SortColumn::Cost | SortColumn::Share => "num",
                                },
                                "aria-sort": sort().aria(column),
                                title: if column == SortColumn::Share { "Share: this customer's part of the window's spend, for the filter shown" } else { "" },
                                button {
                                    r#type: "button",
                                    class: "sort",
                                    onclick: move |_| sort.set(sort().toggled(column)),
                                    "{column.label()}"
                                    span { class: "sort-mark", "aria-hidden": "true",
                                        match sort().aria(column) { "descending" => "↓", "ascending" => "↑", _ => "" }
                                    }
                                }
                            }
                        }
                    }
                }
                tbody {
                    for row in rows.iter() {
                        {
                            let key = (row.tenant_id.clone(), row.customer_id.clone());
                            let rank = ranks.get(&key).copied().unwrap_or(0);
                            let change = rank_change(rank, view.ranks_before.get(&key).copied());
                            let (mark, label, class) = match change {
                                RankChange::Up(n) => (format!("▲{n}"), format!("up {n}"), "up"),
                                RankChange::Down(n) => (format!("▼{n}"), format!("down {n}"), "down"),
                                RankChange::Same => ("–".to_string(), "unchanged".to_string(), "same"),
                                RankChange::New => ("new".to_string(), "new".to_string(), "new"),
                            };
                            rsx! {
                                tr { key: "{row.tenant_id}/{row.customer_id}",
                                    td { class: "num rank",
                                        "{rank} "
                                        span { class: "rank-change {class}", title: "rank {label}", "aria-label": "rank {label}", "{mark}" }
                                    }
                                    td { class: "tenant",
                                        DrillButton { dimension: Dimension::Tenant, name: row.tenant_id.clone() }
                                    }
                                    td { class: "customer-id",
                                        DrillButton { dimension: Dimension::Customer, name: row.customer_id.clone() }
                                    }
                                    td { class: "num calls", "{group_thousands(row.metrics.total_calls)}" }
                                    td { class: "num tokens", "{compact(row.metrics.total_tokens as f64)}" }
                                    td { class: "num cached", title: "share of input tokens read from the prompt cache", "{cached_share(&row.metrics)}" }
                                    td { class: "num cost",
                                        "{usd(row.metrics.total_cost)}"
                                        if row.metrics.unpriced_calls > 0 {
                                            sup { class: "unpriced-mark",
                                                title: "plus {group_thousands(row.metrics.unpriced_calls)} unpriced calls",
                                                "aria-label": "plus {group_thousands(row.metrics.unpriced_calls)} unpriced calls",
                                                "†"
                                            }
                                        }
                                    }
                                    td { class: "num latency", "{latency_ms(row.metrics.avg_latency_ms)}" }
                                    td { class: "num",
                                        span { class: "share-bar", style: "width: {(row.share * 100.0).min(100.0):.1}%" }
                                        "{percent(row.share)}"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if rows.iter().any(|r| r.metrics.unpriced_calls > 0) {
            p { class: "hint", "† plus calls of models the price table does not know: their cost is unpriced, not zero." }
        }
        if held.read().is_some() {
            p { class: "hint", "Order held while the pointer is over the table." }
        }
    }
}
