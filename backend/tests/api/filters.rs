//! `tenant=`, `customer=` and `model=` on every read, and `filter` on the
//! WebSocket: each narrows what is returned, combines with the others and
//! with the token's scope, and never widens it.

use chrono::Utc;
use protocol::filter::Dimension;
use protocol::{
    AnomaliesResponse, ClientMessage, EntityKind, EntityRef, Filter, HistoryResponse,
    MetricsResponse, ServerMessage, StatsResponse,
};
use serde_json::json;

use crate::access::{ACME_VIEWER, ADMIN, tokens_toml};
use crate::helpers::{TestApp, anomaly, customer_entity, error_field, report, spawn, tokens_file};
use crate::websocket::{Ws, connect, hello_cursor, next, send};

/// acme-1 on gpt-4o $1, acme-2 on claude-opus-4 $2, globex-1 on gpt-4o $10,
/// globex-2 on claude-opus-4 $20; an anomaly on each tenant, on acme-1 and
/// on gpt-4o.
async fn server() -> (TestApp, tempfile::NamedTempFile) {
    let file = tokens_file(&tokens_toml());
    let path = file.path().to_string_lossy().to_string();
    let app = spawn(&["--tokens-file", &path]).await;
    let now = Utc::now();
    let updates = vec![
        report("acme-1", "gpt-4o", now, 1, 1.0),
        report("acme-2", "claude-opus-4", now, 2, 2.0),
        report("globex-1", "gpt-4o", now, 3, 10.0),
        report("globex-2", "claude-opus-4", now, 4, 20.0),
    ];
    let (status, body) = app
        .post_json_as("/api/ingest", &json!({ "updates": updates }), ADMIN)
        .await;
    assert_eq!(status, 200, "{body}");
    app.wait_for_reports(4).await;
    let tenant = |id: &str| EntityRef {
        kind: EntityKind::Tenant,
        id: id.into(),
        tenant_id: None,
    };
    let mut book = app.state.book.write();
    book.upsert(anomaly("anm-acme", tenant("acme"), 1));
    book.upsert(anomaly("anm-globex", tenant("globex"), 2));
    book.upsert(anomaly("anm-acme-1", customer_entity("acme", "acme-1"), 3));
    book.upsert(anomaly(
        "anm-gpt",
        EntityRef {
            kind: EntityKind::Model,
            id: "gpt-4o".into(),
            tenant_id: None,
        },
        4,
    ));
    drop(book);
    (app, file)
}

async fn stats(app: &TestApp, query: &str, token: &str) -> StatsResponse {
    let (status, body) = app
        .get_as(&format!("/api/stats?window=5m{query}"), token)
        .await;
    assert_eq!(status, 200, "{query}: {body}");
    serde_json::from_value(body).unwrap()
}

fn cost(s: &StatsResponse) -> f64 {
    (s.totals.total_cost * 100.0).round() / 100.0
}

#[actix_web::test]
async fn every_filter_and_combination_narrows_the_stats() {
    let (app, _file) = server().await;
    let cases = [
        ("", 33.0, 4, 4),
        ("&tenant=acme", 3.0, 2, 2),
        ("&tenant=acme&tenant=globex", 33.0, 4, 4),
        ("&customer=globex-2", 20.0, 1, 1),
        ("&model=gpt-4o", 11.0, 2, 2),
        ("&tenant=globex&model=gpt-4o", 10.0, 1, 1),
        ("&tenant=acme&customer=globex-1", 0.0, 0, 0),
        ("&model=no-such-model", 0.0, 0, 0),
    ];
    for (query, want_cost, want_customers, want_reports) in cases {
        let s = stats(&app, query, ADMIN).await;
        assert_eq!(cost(&s), want_cost, "{query}");
        assert_eq!(s.top_customers.len(), want_customers, "{query}");
        assert_eq!(s.ingested_updates, want_reports, "{query}");
        let by_model: f64 = s.by_model.iter().map(|m| m.metrics.total_cost).sum();
        assert!(
            (by_model - want_cost).abs() < 1e-9,
            "{query}: cost by model adds up"
        );
    }
    let s = stats(&app, "&model=gpt-4o", ADMIN).await;
    assert_eq!(s.by_model.len(), 1);
    assert_eq!(s.by_tenant.len(), 2);
    // Anomalies counted are those the filtered view shows.
    assert_eq!(stats(&app, "", ADMIN).await.open_anomalies, 4);
    assert_eq!(stats(&app, "&tenant=acme", ADMIN).await.open_anomalies, 2);
    assert_eq!(stats(&app, "&model=gpt-4o", ADMIN).await.open_anomalies, 1);
}

#[actix_web::test]
async fn history_feed_and_anomalies_take_the_same_filter() {
    let (app, _file) = server().await;
    let (status, body) = app
        .get_as("/api/metrics/history?window=5m&customer=acme-2", ADMIN)
        .await;
    assert_eq!(status, 200, "{body}");
    let history: HistoryResponse = serde_json::from_value(body).unwrap();
    let total: f64 = history.buckets.iter().map(|b| b.totals.total_cost).sum();
    assert!((total - 2.0).abs() < 1e-9, "{total}");
    assert!(
        history
            .buckets
            .iter()
            .flat_map(|b| &b.customers)
            .all(|c| c.customer_id == "acme-2")
    );

    let (status, body) = app.get_as("/api/metrics?model=claude-opus-4", ADMIN).await;
    assert_eq!(status, 200, "{body}");
    let feed: MetricsResponse = serde_json::from_value(body).unwrap();
    let customers: Vec<&str> = feed
        .metrics
        .iter()
        .map(|u| u.customer_id.as_str())
        .collect();
    assert_eq!(customers, ["acme-2", "globex-2"]);

    let ids = |body: serde_json::Value| -> Vec<String> {
        let list: AnomaliesResponse = serde_json::from_value(body).unwrap();
        let mut ids: Vec<String> = list.anomalies.into_iter().map(|a| a.id).collect();
        ids.sort();
        ids
    };
    let (_, body) = app.get_as("/api/anomalies?tenant=acme", ADMIN).await;
    assert_eq!(ids(body), ["anm-acme", "anm-acme-1"]);
    let (_, body) = app.get_as("/api/anomalies?model=gpt-4o", ADMIN).await;
    assert_eq!(ids(body), ["anm-gpt"]);
    let (_, body) = app.get_as("/api/anomalies?customer=nobody", ADMIN).await;
    assert!(ids(body).is_empty());
}

#[actix_web::test]
async fn a_filter_never_widens_a_scoped_viewer() {
    let (app, _file) = server().await;
    // acme's viewer asking for globex sees nothing rather than globex.
    let s = stats(&app, "&tenant=globex", ACME_VIEWER).await;
    assert_eq!((cost(&s), s.top_customers.len()), (0.0, 0));
    let s = stats(&app, "&tenant=acme&tenant=globex", ACME_VIEWER).await;
    assert_eq!(cost(&s), 3.0);
    let s = stats(&app, "&customer=globex-1", ACME_VIEWER).await;
    assert_eq!(cost(&s), 0.0);
    let s = stats(&app, "&model=gpt-4o", ACME_VIEWER).await;
    assert_eq!(cost(&s), 1.0);
    let (_, body) = app
        .get_as("/api/anomalies?tenant=globex", ACME_VIEWER)
        .await;
    let list: AnomaliesResponse = serde_json::from_value(body).unwrap();
    assert!(list.anomalies.is_empty());
}

#[actix_web::test]
async fn malformed_filter_values_are_400s_naming_the_parameter() {
    let (app, _file) = server().await;
    let long = "x".repeat(129);
    for (query, field) in [
        ("/api/stats?tenant=", "tenant"),
        (
            &format!("/api/metrics/history?window=1h&model={long}") as &str,
            "model",
        ),
        ("/api/metrics?customer=%E2%80%AEevil", "customer"),
        ("/api/anomalies?tenant=a%00b", "tenant"),
    ] {
        let (status, body) = app.get_as(query, ADMIN).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(error_field(&body), Some(field), "{query}: {body}");
    }
}

async fn subscribe_filtered(ws: &mut Ws, cursor: u64, filter: Filter) {
    send(
        ws,
        &ClientMessage::Subscribe {
            cursor: Some(cursor),
            tick_ms: None,
            filter,
        },
    )
    .await;
    match next(ws).await {
        ServerMessage::Subscribed { .. } => {}
        other => panic!("expected subscribed, got {other:?}"),
    }
}

/// Customers in the deltas until one carries `last`.
async fn customers_until(ws: &mut Ws, last: &str) -> Vec<String> {
    let mut seen = Vec::new();
    while !seen.iter().any(|c| c == last) {
        if let ServerMessage::Delta { updates, .. } = next(ws).await {
            seen.extend(updates.into_iter().map(|u| u.customer_id));
        }
    }
    seen
}

#[actix_web::test]
async fn a_filtered_subscription_receives_only_matching_updates() {
    let app = spawn(&[]).await;
    let mut ws = connect(&app).await;
    let cursor = hello_cursor(&mut ws).await;
    let filter = Filter::default()
        .with(Dimension::Tenant, "acme")
        .with(Dimension::Model, "gpt-4o");
    subscribe_filtered(&mut ws, cursor, filter).await;
    let now = Utc::now();
    let (status, _) = app
        .ingest(&[
            report("globex-1", "gpt-4o", now, 1, 1.0),
            report("acme-1", "claude-opus-4", now, 1, 1.0),
            report("acme-1", "gpt-4o", now, 1, 1.0),
            report("acme-9", "gpt-4o", now, 1, 1.0),
        ])
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        customers_until(&mut ws, "acme-9").await,
        ["acme-1", "acme-9"]
    );

    // setFilter switches from the cursor held; a bad one is refused.
    send(
        &mut ws,
        &ClientMessage::SetFilter {
            filter: Filter::default().with(Dimension::Customer, ""),
        },
    )
    .await;
    match next(&mut ws).await {
        ServerMessage::Error { error } => {
            assert_eq!(error.field.as_deref(), Some("filter.customer"))
        }
        other => panic!("expected an error, got {other:?}"),
    }
    send(
        &mut ws,
        &ClientMessage::SetFilter {
            filter: Filter::default().with(Dimension::Tenant, "globex"),
        },
    )
    .await;
    assert!(matches!(
        next(&mut ws).await,
        ServerMessage::Subscribed { .. }
    ));
    let (status, _) = app
        .ingest(&[
            report("acme-1", "gpt-4o", now, 1, 1.0),
            report("globex-7", "o1", now, 1, 1.0),
        ])
        .await;
    assert_eq!(status, 200);
    assert_eq!(customers_until(&mut ws, "globex-7").await, ["globex-7"]);
}
