//! The finance views in a real browser against the real backend: drilling
//! from a customer row into its view and Back out of it, a per-tenant wall
//! that is one link, and a budget set over the API raising an alert in the
//! page. Run by `.ci/test` after `bash web/build.sh`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use support::{Backend, Browser, http_put_json, runtime, serial, wait_for_data};

/// Distinct texts of the cells `css` matches.
async fn texts(b: &Browser, css: &str) -> Vec<String> {
    let script = format!(
        "return [...new Set([...document.querySelectorAll('{css}')].map(e => e.textContent.trim()))];"
    );
    let value = b.js(&script).await;
    serde_json::from_value(value).unwrap_or_default()
}

async fn search(b: &Browser) -> String {
    b.js("return location.search;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn drilling_into_a_customer_filters_every_panel_and_back_undoes_it() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        wait_for_data(&b).await;
        let cells = "[data-panel=customers] td.customer-id";
        b.wait_for(Duration::from_secs(20), "several customers", || async {
            texts(&b, cells).await.len() > 2
        })
        .await;
        let picked = b
            .text("[data-panel=customers] tbody tr:first-child button.drill[data-drill=customer]")
            .await;
        b.click("[data-panel=customers] tbody tr:first-child button.drill[data-drill=customer]")
            .await;
        b.wait_for(Duration::from_secs(20), "the customer's view", || async {
            texts(&b, cells).await == [picked.clone()]
        })
        .await;
        assert!(
            search(&b).await.contains(&format!("customer={picked}")),
            "the URL keeps the filter"
        );
        assert!(b.text(".filter-bar .crumb-name").await.contains(&picked));
        // The socket streams again, for this customer only.
        b.wait_for(Duration::from_secs(20), "streaming", || async {
            b.attr(".link", "data-state").await == "streaming"
        })
        .await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(texts(&b, cells).await, [picked]);

        b.js("history.back(); return true;").await;
        b.wait_for(Duration::from_secs(20), "every customer again", || async {
            texts(&b, cells).await.len() > 2
        })
        .await;
        assert!(!search(&b).await.contains("customer="));
        assert_eq!(b.count(".filter-bar .crumb").await, 0);
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn a_tenant_wall_is_one_link_and_shows_that_tenant_alone() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client
            .goto(&backend.url("/?mode=wall&tenant=acme"))
            .await
            .expect("page loads");
        wait_for_data(&b).await;
        let tenants = "[data-panel=customers] tbody td:nth-child(2)";
        b.wait_for(Duration::from_secs(20), "acme's customers", || async {
            !texts(&b, tenants).await.is_empty()
        })
        .await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(texts(&b, tenants).await, ["acme"]);
        assert!(b.text(".filter-wall").await.contains("acme"));
        // The wall has no controls: no drill buttons, no filter field.
        assert_eq!(b.count("button.drill").await, 0);
        assert_eq!(b.count(".filter-add").await, 0);
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn a_budget_set_over_the_api_raises_an_alert_and_shows_its_burn() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        wait_for_data(&b).await;
        // Whatever the simulator spent on acme so far, a cent is less.
        let body = r#"{"tenantId": "acme", "monthlyUsd": 0.01}"#.to_string();
        assert!(
            http_put_json(backend.port, "/api/budgets", body).is_some(),
            "the backend refused the budget"
        );
        b.wait_for(
            Duration::from_secs(30),
            "the budget alert in the list",
            || async {
                b.count("[data-panel=anomalies] li.anomaly[data-anomaly-id^='budget-']")
                    .await
                    >= 1
            },
        )
        .await;
        let alert = b
            .text("[data-panel=anomalies] li.anomaly[data-anomaly-id^='budget-']")
            .await;
        assert!(
            alert.contains("acme") && alert.contains("monthly budget"),
            "{alert}"
        );
        // The month panel shows the budget over its amount within a refresh.
        b.wait_for(
            Duration::from_secs(40),
            "the budget in the month panel",
            || async {
                b.count("[data-panel=budgets] li.budget[data-state=over]")
                    .await
                    == 1
            },
        )
        .await;
        assert!(
            b.text("[data-panel=budgets] .budget-scope")
                .await
                .contains("acme")
        );
        b.close().await;
    });
}
