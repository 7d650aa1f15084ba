//! `GET /api/stats`: spend rate and breakdowns.

use chrono::{Duration, Utc};
use protocol::StatsResponse;

use crate::helpers::{error_field, report, spawn};

#[actix_web::test]
async fn spend_rate_totals_and_rankings() {
    let app = spawn(&[]).await;
    let now = Utc::now();
    let mut updates = Vec::new();
    // $2 a second from acme-1 on opus and $1 a second from globex-2 on gpt-4o,
    // over the minute before the current second.
    for s in 2..=61 {
        let at = now - Duration::seconds(s);
        updates.push(report("acme-1", "claude-opus-4", at, 1, 2.0));
        updates.push(report("globex-2", "gpt-4o", at, 3, 1.0));
    }
    // Ten minutes ago: outside the 5 min window and the rate.
    updates.push(report(
        "initech-3",
        "gpt-4o",
        now - Duration::minutes(10),
        1,
        100.0,
    ));
    assert_eq!(app.ingest(&updates).await.0, 200);
    app.wait_for_reports(updates.len() as u64).await;

    let (status, body) = app.get_json("/api/stats?window=5m&customers=1").await;
    assert_eq!(status, 200, "{body}");
    let s: StatsResponse = serde_json::from_value(body).unwrap();
    assert!(
        (s.totals.total_cost - 180.0).abs() < 1e-6,
        "{}",
        s.totals.total_cost
    );
    assert_eq!(s.totals.total_calls, 240);
    // The last full minute holds 59 or 60 of the seconds depending on timing: ≈ $3/s.
    assert!(
        (10_000.0..=10_900.0).contains(&s.spend_rate_per_hour),
        "{}",
        s.spend_rate_per_hour
    );
    assert_eq!(s.spend_rate_5m_ago_per_hour, 0.0);
    assert_eq!(s.by_model[0].model, "claude-opus-4");
    assert_eq!(s.top_customers.len(), 1);
    assert_eq!(s.top_customers[0].customer_id, "acme-1");
    assert_eq!(s.by_tenant.len(), 2);
    assert_eq!(s.ingested_updates, updates.len() as u64);

    let (_, body) = app.get_json("/api/stats?window=15m").await;
    let s: StatsResponse = serde_json::from_value(body).unwrap();
    assert!((s.totals.total_cost - 280.0).abs() < 1e-6);
    assert_eq!(s.by_tenant[0].tenant_id, "acme");

    let (status, body) = app.get_json("/api/stats?window=week").await;
    assert_eq!(status, 400);
    assert_eq!(error_field(&body), Some("window"));
}
