//! Monthly budgets and month-to-date spend with its forecast, as
//! `GET/PUT/DELETE /api/budgets` carry them. Months are calendar months in
//! UTC; amounts are US dollars.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::time::{self, Timestamp};
use crate::validate::validate_id;

/// The largest budget accepted: a trillion dollars a month.
pub const MAX_BUDGET_USD: f64 = 1e12;

/// A monthly amount for a tenant, or for one customer or model within it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    /// 1–128 characters, no control or invisible formatting characters
    /// (the same rule for `customerId` and `model`).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 128,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$"
        )
    )]
    pub tenant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 128,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$"
        )
    )]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 128,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029\\uFEFF]+$"
        )
    )]
    pub model: Option<String>,
    /// US dollars per calendar month (UTC), more than 0 and at most 10^12.
    #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 0.0, maximum = 1e12))]
    pub monthly_usd: f64,
}

impl Budget {
    /// Whether `other` is the same budget (same tenant, customer and model).
    pub fn same_scope(&self, other: &Budget) -> bool {
        self.tenant_id == other.tenant_id
            && self.customer_id == other.customer_id
            && self.model == other.model
    }

    /// "acme", "acme › acme-17", "acme · claude-opus-4".
    pub fn scope_label(&self) -> String {
        let mut out = self.tenant_id.clone();
        if let Some(c) = &self.customer_id {
            out.push_str(" › ");
            out.push_str(c);
        }
        if let Some(m) = &self.model {
            out.push_str(" · ");
            out.push_str(m);
        }
        out
    }

    /// Each name an id, the amount a positive number of dollars.
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_id("tenantId", &self.tenant_id)?;
        if let Some(c) = &self.customer_id {
            validate_id("customerId", c)?;
        }
        if let Some(m) = &self.model {
            validate_id("model", m)?;
        }
        if !self.monthly_usd.is_finite() || self.monthly_usd <= 0.0 {
            return Err(FieldError::new(
                "monthlyUsd",
                "must be a positive number of US dollars",
            ));
        }
        if self.monthly_usd > MAX_BUDGET_USD {
            return Err(FieldError::new(
                "monthlyUsd",
                format!("must be at most {MAX_BUDGET_USD:.0}"),
            ));
        }
        Ok(())
    }
}

/// Month-to-date spend and where the month is heading.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Projection {
    /// Spent since the first of the month (UTC), USD.
    pub spent_usd: f64,
    /// Expected by the end of the month, USD.
    pub forecast_usd: f64,
    /// The forecast's 80 % band.
    pub forecast_low_usd: f64,
    pub forecast_high_usd: f64,
}

/// A budget with its month so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BudgetStatus {
    pub budget: Budget,
    pub projection: Projection,
    /// Spent / budget.
    pub burn: f64,
    /// Forecast / budget.
    pub forecast_burn: f64,
    /// The day (UTC, `YYYY-MM-DD`) spend reached the budget, or the
    /// forecast says it will; absent if it stays under this month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crosses_on: Option<String>,
}

/// Month-to-date spend of one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TenantProjection {
    pub tenant_id: String,
    pub projection: Projection,
}

/// `GET /api/budgets`: the month so far for the request's filter, each
/// tenant, and every budget the caller may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BudgetsResponse {
    /// The month, `YYYY-MM` (UTC).
    pub month: String,
    /// Always `USD`.
    pub currency: String,
    #[serde(with = "time::rfc3339_millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub as_of: Timestamp,
    /// Everything the filter (within the token's scope) shows.
    pub total: Projection,
    pub tenants: Vec<TenantProjection>,
    pub budgets: Vec<BudgetStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(usd: f64) -> Budget {
        Budget {
            tenant_id: "acme".into(),
            customer_id: None,
            model: Some("gpt-4o".into()),
            monthly_usd: usd,
        }
    }

    #[test]
    fn budgets_validate_each_field_by_name() {
        assert!(budget(10_000.0).validate().is_ok());
        for (usd, field) in [
            (0.0, "monthlyUsd"),
            (-1.0, "monthlyUsd"),
            (f64::NAN, "monthlyUsd"),
            (2e12, "monthlyUsd"),
        ] {
            assert_eq!(budget(usd).validate().unwrap_err().field, field);
        }
        let mut b = budget(1.0);
        b.tenant_id = String::new();
        assert_eq!(b.validate().unwrap_err().field, "tenantId");
        b.tenant_id = "acme".into();
        b.customer_id = Some("x\u{0}".into());
        assert_eq!(b.validate().unwrap_err().field, "customerId");
    }

    #[test]
    fn the_wire_form_is_camel_case_without_absent_scopes() {
        let json = serde_json::to_value(budget(5.0)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"tenantId": "acme", "model": "gpt-4o", "monthlyUsd": 5.0})
        );
        assert_eq!(budget(5.0).scope_label(), "acme · gpt-4o");
        let mut other = budget(9.0);
        assert!(other.same_scope(&budget(5.0)));
        other.model = None;
        assert!(!other.same_scope(&budget(5.0)));
    }
}
