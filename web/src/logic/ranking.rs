//! The top-customers table: column sorting, rank changes, and holding the row
//! order while the pointer is over the table so rows never jump under it.

use std::collections::HashMap;

use super::aggregate::CustomerRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Tenant,
    Customer,
    Calls,
    Tokens,
    /// Share of input tokens read from the prompt cache.
    Cached,
    Cost,
    Latency,
    Share,
}

impl SortColumn {
    pub const ALL: [SortColumn; 8] = [
        SortColumn::Tenant,
        SortColumn::Customer,
        SortColumn::Calls,
        SortColumn::Tokens,
        SortColumn::Cached,
        SortColumn::Cost,
        SortColumn::Latency,
        SortColumn::Share,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortColumn::Tenant => "Tenant",
            SortColumn::Customer => "Customer",
            SortColumn::Calls => "Calls",
            SortColumn::Tokens => "Tokens",
            SortColumn::Cached => "Cached",
            SortColumn::Cost => "Cost",
            SortColumn::Latency => "Latency",
            SortColumn::Share => "Share",
        }
    }

    fn is_text(self) -> bool {
        matches!(self, SortColumn::Tenant | SortColumn::Customer)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub column: SortColumn,
    pub descending: bool,
}

impl Default for SortKey {
    /// Spend, highest first: what the panel is about.
    fn default() -> Self {
        SortKey {
            column: SortColumn::Cost,
            descending: true,
        }
    }
}

impl SortKey {
    /// The key after clicking `column`'s header: the same column flips,
    /// another starts with numbers high-to-low and names A–Z.
    pub fn toggled(self, column: SortColumn) -> SortKey {
        if self.column == column {
            SortKey {
                column,
                descending: !self.descending,
            }
        } else {
            SortKey {
                column,
                descending: !column.is_text(),
            }
        }
    }

    /// `aria-sort` value for a header.
    pub fn aria(self, column: SortColumn) -> &'static str {
        match (self.column == column, self.descending) {
            (false, _) => "none",
            (true, true) => "descending",
            (true, false) => "ascending",
        }
    }
}

fn cached(row: &CustomerRow) -> f64 {
    let m = &row.metrics;
    if m.input_tokens == 0 {
        0.0
    } else {
        m.cache_read_tokens as f64 / m.input_tokens as f64
    }
}

/// Sorts rows by `key`; ties fall back to spend, then ids, so the order is total and stable.
pub fn sort_rows(rows: &mut [CustomerRow], key: SortKey) {
    rows.sort_by(|a, b| {
        let primary = match key.column {
            SortColumn::Tenant => a.tenant_id.cmp(&b.tenant_id),
            SortColumn::Customer => a.customer_id.cmp(&b.customer_id),
            SortColumn::Calls => a.metrics.total_calls.cmp(&b.metrics.total_calls),
            SortColumn::Tokens => a.metrics.total_tokens.cmp(&b.metrics.total_tokens),
            SortColumn::Cached => cached(a).total_cmp(&cached(b)),
            SortColumn::Cost => a.metrics.total_cost.total_cmp(&b.metrics.total_cost),
            SortColumn::Latency => a
                .metrics
                .avg_latency_ms
                .total_cmp(&b.metrics.avg_latency_ms),
            SortColumn::Share => a.share.total_cmp(&b.share),
        };
        let primary = if key.descending {
            primary.reverse()
        } else {
            primary
        };
        primary
            .then_with(|| b.metrics.total_cost.total_cmp(&a.metrics.total_cost))
            .then_with(|| a.tenant_id.cmp(&b.tenant_id))
            .then_with(|| a.customer_id.cmp(&b.customer_id))
    });
}

/// Rank by spend (1 = highest), keyed by (tenant, customer).
pub fn spend_ranks(rows: &[CustomerRow]) -> HashMap<(String, String), usize> {
    let mut sorted = rows.to_vec();
    sort_rows(&mut sorted, SortKey::default());
    sorted
        .into_iter()
        .enumerate()
        .map(|(i, r)| ((r.tenant_id, r.customer_id), i + 1))
        .collect()
}

/// How a customer's spend rank moved against an earlier ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankChange {
    Up(usize),
    Down(usize),
    Same,
    New,
}

pub fn rank_change(now: usize, before: Option<usize>) -> RankChange {
    match before {
        None => RankChange::New,
        Some(b) if b > now => RankChange::Up(b - now),
        Some(b) if b < now => RankChange::Down(now - b),
        Some(_) => RankChange::Same,
    }
}

/// Puts rows in the `held` order (rows no longer present drop out; new rows go last).
pub fn hold_order(rows: Vec<CustomerRow>, held: &[(String, String)]) -> Vec<CustomerRow> {
    let position: HashMap<(&str, &str), usize> = held
        .iter()
        .enumerate()
        .map(|(i, (t, c))| ((t.as_str(), c.as_str()), i))
        .collect();
    let mut keyed: Vec<(usize, usize, CustomerRow)> = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let p = position
                .get(&(r.tenant_id.as_str(), r.customer_id.as_str()))
                .copied()
                .unwrap_or(usize::MAX);
            (p, i, r)
        })
        .collect();
    keyed.sort_by_key(|(p, i, _)| (*p, *i));
    keyed.into_iter().map(|(_, _, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::Metrics;

    fn row(tenant: &str, customer: &str, cost: f64, calls: u64) -> CustomerRow {
        CustomerRow {
            tenant_id: tenant.into(),
            customer_id: customer.into(),
            metrics: Metrics {
                total_calls: calls,
                total_tokens: calls * 10,
                total_cost: cost,
                avg_latency_ms: cost * 100.0,
                ..Metrics::default()
            },
            share: cost / 10.0,
        }
    }

    fn ids(rows: &[CustomerRow]) -> Vec<&str> {
        rows.iter().map(|r| r.customer_id.as_str()).collect()
    }

    #[test]
    fn default_sort_is_spend_descending() {
        let mut rows = vec![
            row("t", "a", 1.0, 5),
            row("t", "b", 3.0, 1),
            row("u", "c", 2.0, 9),
        ];
        sort_rows(&mut rows, SortKey::default());
        assert_eq!(ids(&rows), ["b", "c", "a"]);
        sort_rows(&mut rows, SortKey::default().toggled(SortColumn::Calls));
        assert_eq!(ids(&rows), ["c", "a", "b"]);
        sort_rows(
            &mut rows,
            SortKey {
                column: SortColumn::Tenant,
                descending: false,
            },
        );
        assert_eq!(ids(&rows), ["b", "a", "c"]);
    }

    #[test]
    fn toggling_headers() {
        let key = SortKey::default();
        assert_eq!(
            key.toggled(SortColumn::Cost),
            SortKey {
                column: SortColumn::Cost,
                descending: false
            }
        );
        assert_eq!(
            key.toggled(SortColumn::Tenant),
            SortKey {
                column: SortColumn::Tenant,
                descending: false
            }
        );
        assert!(key.toggled(SortColumn::Latency).descending);
        assert_eq!(key.aria(SortColumn::Cost), "descending");
        assert_eq!(key.aria(SortColumn::Calls), "none");
    }

    #[test]
    fn ranks_and_changes() {
        let rows = vec![row("t", "a", 1.0, 5), row("t", "b", 3.0, 1)];
        let ranks = spend_ranks(&rows);
        assert_eq!(ranks[&("t".into(), "b".into())], 1);
        assert_eq!(rank_change(1, Some(3)), RankChange::Up(2));
        assert_eq!(rank_change(4, Some(2)), RankChange::Down(2));
        assert_eq!(rank_change(2, Some(2)), RankChange::Same);
        assert_eq!(rank_change(2, None), RankChange::New);
    }

    #[test]
    fn held_order_keeps_rows_in_place() {
        let held = vec![
            ("t".to_string(), "a".to_string()),
            ("t".to_string(), "b".to_string()),
        ];
        let mut rows = vec![
            row("t", "b", 9.0, 1),
            row("t", "new", 5.0, 1),
            row("t", "a", 1.0, 1),
        ];
        sort_rows(&mut rows, SortKey::default());
        assert_eq!(ids(&hold_order(rows, &held)), ["a", "b", "new"]);
    }
}
