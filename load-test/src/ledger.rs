//! The ingest ledger: per tenant, customer and model, the sums of every
//! batch the server acknowledged (200) and of every batch whose fate is
//! unknown (the connection broke after the request went out, e.g. the server
//! was killed mid-request). A durable server stores at least the first and
//! at most both; written with `--ledger` for crash tests to check.

use std::collections::BTreeMap;

use protocol::{Filter, MetricUpdate};
use serde::{Deserialize, Serialize};

/// Sums of the reports of one series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sums {
    pub reports: u64,
    pub calls: u64,
    pub tokens: u64,
    pub cost: f64,
}

impl Sums {
    fn add(&mut self, u: &MetricUpdate) {
        self.reports += u64::from(u.samples);
        self.calls += u.metrics.total_calls;
        self.tokens += u.metrics.total_tokens;
        self.cost += u.metrics.total_cost;
    }
}

/// One series' line in the ledger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub tenant: String,
    pub customer: String,
    pub model: String,
    pub acked: Sums,
    pub in_doubt: Sums,
}

#[derive(Debug, Default)]
pub struct Ledger {
    lines: BTreeMap<(String, String, String), (Sums, Sums)>,
    pub acked_batches: u64,
    pub in_doubt_batches: u64,
}

fn key(u: &MetricUpdate) -> (String, String, String) {
    (u.tenant_id.clone(), u.customer_id.clone(), u.model.clone())
}

impl Ledger {
    /// The server answered 200: the batch must be stored.
    pub fn acked(&mut self, batch: &[MetricUpdate]) {
        self.acked_batches += 1;
        for u in batch {
            self.lines.entry(key(u)).or_default().0.add(u);
        }
    }

    /// No answer after the request went out: it may or may not be stored.
    pub fn in_doubt(&mut self, batch: &[MetricUpdate]) {
        self.in_doubt_batches += 1;
        for u in batch {
            self.lines.entry(key(u)).or_default().1.add(u);
        }
    }

    pub fn lines(&self) -> Vec<Line> {
        self.lines
            .iter()
            .map(|((tenant, customer, model), (acked, in_doubt))| Line {
                tenant: tenant.clone(),
                customer: customer.clone(),
                model: model.clone(),
                acked: *acked,
                in_doubt: *in_doubt,
            })
            .collect()
    }

    /// Acknowledged reports of the series `filter` admits: what a client
    /// subscribed with that filter must receive.
    pub fn acked_reports_admitted(&self, filter: &Filter) -> u64 {
        self.lines
            .iter()
            .filter(|((tenant, customer, model), _)| filter.admits_names(tenant, customer, model))
            .map(|(_, (acked, _))| acked.reports)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports;

    #[test]
    fn batches_are_summed_per_series() {
        let mut ledger = Ledger::default();
        let now = chrono::Utc::now();
        let batch = reports::batch(0, 20, 4, now);
        ledger.acked(&batch);
        ledger.in_doubt(&reports::batch(20, 4, 4, now));
        let lines = ledger.lines();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines.iter().map(|l| l.acked.reports).sum::<u64>(), 20);
        assert_eq!(lines.iter().map(|l| l.in_doubt.reports).sum::<u64>(), 4);
        let cost: f64 = batch.iter().map(|u| u.metrics.total_cost).sum();
        let summed: f64 = lines.iter().map(|l| l.acked.cost).sum();
        assert!((cost - summed).abs() < 1e-12);
        assert_eq!((ledger.acked_batches, ledger.in_doubt_batches), (1, 1));
    }

    #[test]
    fn a_filtered_client_expects_only_the_acked_reports_it_admits() {
        let mut ledger = Ledger::default();
        let now = chrono::Utc::now();
        // 70 reports over 14 series: each of the 7 tenants has two series.
        let batch = reports::batch(0, 70, 14, now);
        ledger.acked(&batch);
        ledger.in_doubt(&reports::batch(70, 14, 14, now));
        assert_eq!(ledger.acked_reports_admitted(&Filter::default()), 70);
        let one = Filter::default().with(protocol::filter::Dimension::Tenant, "lt-t0");
        let expected = batch.iter().filter(|u| u.tenant_id == "lt-t0").count() as u64;
        assert_eq!(expected, 10);
        assert_eq!(
            ledger.acked_reports_admitted(&one),
            expected,
            "in doubt not counted"
        );
        let model = &batch[0].model;
        let narrower = one.with(protocol::filter::Dimension::Model, model);
        let both = batch
            .iter()
            .filter(|u| u.tenant_id == "lt-t0" && &u.model == model)
            .count() as u64;
        assert_eq!(ledger.acked_reports_admitted(&narrower), both);
        let nobody = Filter::default().with(protocol::filter::Dimension::Tenant, "acme");
        assert_eq!(ledger.acked_reports_admitted(&nobody), 0);
    }
}
