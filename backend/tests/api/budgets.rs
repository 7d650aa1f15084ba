//! `GET/PUT/DELETE /api/budgets`: month to date and forecasts for a filter,
//! budgets set and removed by an admin only, kept across a restart, and the
//! `budget` alerts they raise in the anomaly list.

use chrono::Utc;
use protocol::{AnomaliesResponse, AnomalyMetric, BudgetsResponse, Severity};
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::{ACME_VIEWER, ADMIN, tokens_toml};
use crate::helpers::{TestApp, error_field, report, spawn, tokens_file};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    token: &str,
) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn budgets(app: &TestApp, query: &str, token: &str) -> BudgetsResponse {
    let (status, body) = send(
        app,
        Method::GET,
        &format!("/api/budgets{query}"),
        None,
        token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

/// acme spends $30 today ($10 on gpt-4o, $20 on o1); globex $100.
async fn ingest_today(app: &TestApp) {
    let now = Utc::now();
    let updates = vec![
        report("acme-1", "gpt-4o", now, 1, 10.0),
        report("acme-2", "o1", now, 1, 20.0),
        report("globex-1", "gpt-4o", now, 1, 100.0),
    ];
    let (status, body) = app
        .post_json_as("/api/ingest", &json!({ "updates": updates }), ADMIN)
        .await;
    assert_eq!(status, 200, "{body}");
    app.wait_for_reports(3).await;
}

#[actix_web::test]
async fn month_to_date_is_shown_per_tenant_and_for_the_filter() {
    let file = tokens_file(&tokens_toml());
    let path = file.path().to_string_lossy().to_string();
    let app = spawn(&["--tokens-file", &path]).await;
    ingest_today(&app).await;
    let all = budgets(&app, "", ADMIN).await;
    assert_eq!(all.currency, "USD");
    assert_eq!(all.month, Utc::now().format("%Y-%m").to_string());
    assert!((all.total.spent_usd - 130.0).abs() < 1e-9, "{all:?}");
    assert!(all.total.forecast_usd >= all.total.spent_usd);
    let tenants: Vec<&str> = all.tenants.iter().map(|t| t.tenant_id.as_str()).collect();
    assert_eq!(tenants, ["globex", "acme"], "most spent first");
    let filtered = budgets(&app, "?tenant=acme&model=o1", ADMIN).await;
    assert!((filtered.total.spent_usd - 20.0).abs() < 1e-9);
    // A scoped viewer sees its tenant alone, whatever it asks for.
    let scoped = budgets(&app, "?tenant=globex", ACME_VIEWER).await;
    assert_eq!(scoped.total.spent_usd, 0.0);
    assert!(scoped.tenants.is_empty());
    let scoped = budgets(&app, "", ACME_VIEWER).await;
    assert!((scoped.total.spent_usd - 30.0).abs() < 1e-9);
}

#[actix_web::test]
async fn budgets_are_set_replaced_and_removed_by_admins_only() {
    let file = tokens_file(&tokens_toml());
    let path = file.path().to_string_lossy().to_string();
    let app = spawn(&["--tokens-file", &path]).await;
    let acme = json!({"tenantId": "acme", "monthlyUsd": 1000.0});
    let (status, body) = send(
        &app,
        Method::PUT,
        "/api/budgets",
        Some(acme.clone()),
        ACME_VIEWER,
    )
    .await;
    assert_eq!(status, 403, "a viewer may not set budgets: {body}");
    let (status, body) = send(&app, Method::PUT, "/api/budgets", Some(acme), ADMIN).await;
    assert_eq!(status, 200, "{body}");
    let model = json!({"tenantId": "acme", "model": "o1", "monthlyUsd": 50.0});
    assert_eq!(
        send(&app, Method::PUT, "/api/budgets", Some(model), ADMIN)
            .await
            .0,
        200
    );
    let again = json!({"tenantId": "acme", "monthlyUsd": 2000.0});
    assert_eq!(
        send(&app, Method::PUT, "/api/budgets", Some(again), ADMIN)
            .await
            .0,
        200
    );
    let list = budgets(&app, "", ADMIN).await;
    let amounts: Vec<f64> = list.budgets.iter().map(|s| s.budget.monthly_usd).collect();
    assert_eq!(amounts, [2000.0, 50.0], "one budget per scope, replaced");
    assert_eq!(budgets(&app, "", ACME_VIEWER).await.budgets.len(), 2);

    for (body, field) in [
        (json!({"tenantId": "acme", "monthlyUsd": -5}), "monthlyUsd"),
        (json!({"tenantId": "acme", "monthlyUsd": 0}), "monthlyUsd"),
        (json!({"tenantId": "", "monthlyUsd": 5}), "tenantId"),
        (
            json!({"tenantId": "acme", "customerId": "a\u{202e}b", "monthlyUsd": 5}),
            "customerId",
        ),
    ] {
        let (status, response) =
            send(&app, Method::PUT, "/api/budgets", Some(body.clone()), ADMIN).await;
        assert_eq!(status, 400, "{body}: {response}");
        assert_eq!(error_field(&response), Some(field), "{body}: {response}");
    }
    let (status, _) = send(
        &app,
        Method::PUT,
        "/api/budgets",
        Some(json!({"monthlyUsd": 5})),
        ADMIN,
    )
    .await;
    assert_eq!(status, 400, "a budget names its tenant");

    let (status, _) = send(
        &app,
        Method::DELETE,
        "/api/budgets?tenant=acme&model=o1",
        None,
        ACME_VIEWER,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = send(
        &app,
        Method::DELETE,
        "/api/budgets?tenant=acme&model=o1",
        None,
        ADMIN,
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = send(
        &app,
        Method::DELETE,
        "/api/budgets?tenant=acme&model=o1",
        None,
        ADMIN,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = send(&app, Method::DELETE, "/api/budgets", None, ADMIN).await;
    assert_eq!((status, error_field(&body)), (400, Some("tenant")));
    assert_eq!(budgets(&app, "", ADMIN).await.budgets.len(), 1);
}

#[actix_web::test]
async fn budgets_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_string_lossy().to_string();
    let first = spawn(&["--data-dir", &data]).await;
    let (status, body) = first
        .client
        .put(first.url("/api/budgets"))
        .json(&json!({"tenantId": "acme", "customerId": "acme-1", "monthlyUsd": 123.5}))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .expect("sent");
    assert_eq!(status, 200, "{body:?}");
    first.stopper.stop().await;
    let second = spawn(&["--data-dir", &data]).await;
    let (status, body) = second.get_json("/api/budgets").await;
    assert_eq!(status, 200);
    let list: BudgetsResponse = serde_json::from_value(body).unwrap();
    assert_eq!(list.budgets.len(), 1);
    assert_eq!(
        list.budgets[0].budget.customer_id.as_deref(),
        Some("acme-1")
    );
    assert_eq!(list.budgets[0].budget.monthly_usd, 123.5);
}

#[actix_web::test]
async fn crossing_a_budget_raises_budget_alerts_in_the_anomaly_list() {
    let app = spawn(&[]).await;
    ingest_today(&app).await;
    // acme has spent $30: 80 % and 100 % of a $25 budget.
    let (status, body) = app
        .client
        .put(app.url("/api/budgets"))
        .json(&json!({"tenantId": "acme", "monthlyUsd": 25.0}))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .expect("sent");
    assert_eq!(status, 200, "{body:?}");
    let (_, body) = app.get_json("/api/budgets").await;
    let list: BudgetsResponse = serde_json::from_value(body).unwrap();
    let acme = &list.budgets[0];
    assert!((acme.burn - 1.2).abs() < 1e-9, "{acme:?}");
    assert_eq!(
        acme.crosses_on.as_deref(),
        Some(Utc::now().format("%Y-%m-%d").to_string().as_str())
    );

    let (status, body) = app.get_json("/api/anomalies?tenant=acme").await;
    assert_eq!(status, 200);
    let alerts: AnomaliesResponse = serde_json::from_value(body).unwrap();
    let budget_alerts: Vec<_> = alerts
        .anomalies
        .iter()
        .filter(|a| a.metric == AnomalyMetric::Budget)
        .collect();
    assert_eq!(budget_alerts.len(), 2, "{budget_alerts:#?}");
    assert!(
        budget_alerts
            .iter()
            .any(|a| a.severity == Severity::Critical && a.id.ends_with("-100"))
    );
    assert!(budget_alerts.iter().any(|a| a.id.ends_with("-80")));
    assert!(
        budget_alerts[0].cause.summary.contains("$25.00"),
        "{}",
        budget_alerts[0].cause.summary
    );
    // They are anomalies like any other: acknowledged the same way.
    let id = &budget_alerts[0].id;
    let (status, body) = app
        .post_json(&format!("/api/anomalies/{id}/ack"), &json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
}
