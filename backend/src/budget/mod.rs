//! Monthly budgets: the book of budgets (kept in the durable store), the
//! month so far and its forecast for any filter, and the alerts a budget
//! raises when spend or its forecast crosses it.

pub mod alerts;
pub mod forecast;
pub mod projection;
pub mod watcher;

use protocol::Budget;

/// Every budget, one per tenant–customer–model scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BudgetBook {
    budgets: Vec<Budget>,
}

impl BudgetBook {
    pub fn new(budgets: Vec<Budget>) -> Self {
        let mut book = BudgetBook::default();
        for b in budgets {
            book.put(b);
        }
        book
    }

    /// Sets the budget of its scope; true if it replaced one.
    pub fn put(&mut self, budget: Budget) -> bool {
        match self.budgets.iter_mut().find(|b| b.same_scope(&budget)) {
            Some(existing) => {
                *existing = budget;
                true
            }
            None => {
                self.budgets.push(budget);
                self.budgets.sort_by(|a, b| {
                    (&a.tenant_id, &a.customer_id, &a.model).cmp(&(
                        &b.tenant_id,
                        &b.customer_id,
                        &b.model,
                    ))
                });
                false
            }
        }
    }

    /// Removes the budget of this scope; the one removed, if there was one.
    pub fn remove(&mut self, scope: &Budget) -> Option<Budget> {
        let i = self.budgets.iter().position(|b| b.same_scope(scope))?;
        Some(self.budgets.remove(i))
    }

    pub fn all(&self) -> &[Budget] {
        &self.budgets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(tenant: &str, model: Option<&str>, usd: f64) -> Budget {
        Budget {
            tenant_id: tenant.into(),
            customer_id: None,
            model: model.map(Into::into),
            monthly_usd: usd,
        }
    }

    #[test]
    fn one_budget_per_scope_kept_in_order() {
        let mut book = BudgetBook::default();
        assert!(!book.put(budget("hooli", None, 5.0)));
        assert!(!book.put(budget("acme", Some("o1"), 1.0)));
        assert!(!book.put(budget("acme", None, 2.0)));
        assert!(book.put(budget("acme", None, 3.0)), "replaced");
        let scopes: Vec<String> = book.all().iter().map(Budget::scope_label).collect();
        assert_eq!(scopes, ["acme", "acme · o1", "hooli"]);
        assert_eq!(book.all()[0].monthly_usd, 3.0);
        assert_eq!(
            book.remove(&budget("acme", Some("o1"), 0.0))
                .map(|b| b.monthly_usd),
            Some(1.0)
        );
        assert!(book.remove(&budget("acme", Some("o1"), 0.0)).is_none());
    }
}
