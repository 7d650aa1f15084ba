//! The finance views in a real browser against the real backend: drilling
//! from a customer row into its view and Back out of it, a per-tenant wall
//! that is one link, a budget set over the API raising an alert in the
//! page, and the comparison with yesterday and last week over a store that
//! holds them, with the stack and time-zone toggles. Run by `.ci/test`
//! after `bash web/build.sh`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use backend::aggregation::{Entry, FrameCommit, SeriesKey, SeriesName, Usage};
use backend::storage::Storage;
use support::stores::{backend_with_nine_open_anomalies, open_store};
use support::{Backend, Browser, free_port, http_put_json, runtime, serial, wait_for_data};

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
        b.screenshot("drill-down").await;
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
        b.screenshot("tenant-wall").await;
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
        b.screenshot("budget-alert").await;
        b.close().await;
    });
}

/// A store whose earlier run spent $0.50 every 10 s for acme around this
/// time yesterday and a week ago, as a server restarted on it would find.
fn store_with_yesterday_and_last_week(dir: &std::path::Path) {
    let now_ms = chrono::Utc::now().timestamp_millis();
    let storage = open_store(dir);
    let run = "earlier";
    storage
        .begin_run(run, now_ms - 8 * 86_400_000)
        .expect("run starts");
    let key = SeriesKey {
        customer: 1,
        model: 1,
    };
    let name = SeriesName {
        tenant: "acme".into(),
        customer: "acme-1".into(),
        model: "gpt-4o".into(),
    };
    for (frame_no, days) in [(1u64, 7i64), (2, 1)] {
        let around = now_ms - days * 86_400_000;
        let entries = (0..120)
            .map(|i| Entry {
                ts_ms: around - 15 * 60_000 + i * 10_000,
                key,
                samples: 1,
                usage: Usage {
                    calls: 1,
                    tokens: 1_000,
                    input_tokens: 800,
                    output_tokens: 200,
                    cost: 0.5,
                    ..Usage::default()
                },
            })
            .collect();
        let frame = FrameCommit {
            frame_no,
            sealed_at_ms: around + 10 * 60_000,
            new_series: if frame_no == 1 {
                vec![(key, name.clone())]
            } else {
                vec![]
            },
            entries,
        };
        storage.commit(run, &frame).expect("frame commits");
    }
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn yesterday_and_last_week_overlay_the_spend_chart_and_the_toggles_stay_in_the_url() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("temporary directory");
    store_with_yesterday_and_last_week(dir.path());
    let data_dir = dir.path().to_string_lossy().to_string();
    let backend = Backend::launch(free_port(), &["--data-dir", &data_dir]);
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        wait_for_data(&b).await;
        // The gauge says how today compares with yesterday at this time.
        b.wait_for(
            Duration::from_secs(30),
            "the gauge against yesterday",
            || async {
                b.text("[data-testid=vs-yesterday]")
                    .await
                    .contains("vs yesterday same time ($")
            },
        )
        .await;
        assert!(
            b.text("[data-testid=spend-vs-yesterday]")
                .await
                .contains("vs yesterday same time"),
        );
        assert_eq!(b.count(".chart.spend path.compare").await, 0);

        b.click("[data-compare='1d']").await;
        b.wait_for(Duration::from_secs(20), "yesterday's line", || async {
            b.count(".chart.spend path.compare").await == 1
        })
        .await;
        assert!(search(&b).await.contains("compare=1d"));
        b.screenshot("comparison").await;
        assert!(b.text(".spend-keys").await.contains("Yesterday, same time"));
        b.click("[data-compare='7d']").await;
        b.wait_for(Duration::from_secs(20), "last week's line", || async {
            b.text(".spend-keys").await.contains("Last week, same time")
                && b.count(".chart.spend path.compare").await == 1
        })
        .await;
        assert!(search(&b).await.contains("compare=7d"));

        // Stacked by tenant, the legend names tenants.
        b.click("[data-stack=tenant]").await;
        b.wait_for(Duration::from_secs(10), "tenants in the legend", || async {
            b.text(".spend-keys").await.contains("acme")
        })
        .await;
        assert!(search(&b).await.contains("stack=tenant"));
        assert!(
            b.text("[data-panel=spend] .panel-sub")
                .await
                .contains("by tenant")
        );

        // Times in UTC, said in the subtitles.
        b.click("[data-zone=utc]").await;
        b.wait_for(Duration::from_secs(10), "UTC", || async {
            search(&b).await.contains("tz=utc")
        })
        .await;
        assert!(
            b.text("[data-panel=spend] .panel-sub")
                .await
                .ends_with("UTC")
        );
        assert!(
            b.text("[data-panel=tokens] .panel-sub")
                .await
                .ends_with("UTC")
        );

        // A reload keeps every toggle.
        b.client.refresh().await.expect("reload");
        wait_for_data(&b).await;
        b.wait_for(Duration::from_secs(20), "the toggles restored", || async {
            b.attr("[data-stack=tenant]", "aria-pressed").await == "true"
                && b.attr("[data-compare='7d']", "aria-pressed").await == "true"
                && b.attr("[data-zone=utc]", "aria-pressed").await == "true"
        })
        .await;
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn the_wall_shows_every_open_anomaly_most_pressing_first() {
    let _serial = serial();
    let (_dir, backend) = backend_with_nine_open_anomalies();
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client
            .goto(&backend.url("/?mode=wall"))
            .await
            .expect("page loads");
        wait_for_data(&b).await;
        b.wait_for(Duration::from_secs(20), "nine open anomalies", || async {
            b.count("[data-panel=anomalies] li.anomaly").await
                + b.count("[data-panel=anomalies] li.anomaly-row").await
                >= 9
        })
        .await;
        // Critical first, the largest excess spend first among them.
        let first = b
            .attr("[data-panel=anomalies] li.anomaly", "data-anomaly-id")
            .await;
        assert_eq!(first, "anm-earlier-000009");
        assert_eq!(b.count("[data-panel=anomalies] li.anomaly").await, 3);
        assert!(b.text(".anomaly-more").await.contains("+6 more"));
        let last = b
            .js("const r = document.querySelectorAll('[data-panel=anomalies] li.anomaly-row'); return r[r.length - 1].dataset.anomalyId;")
            .await;
        assert_eq!(last.as_str(), Some("anm-earlier-000001"), "warnings last");
        // Every row is on screen, none cut off by the panel.
        let hidden = b
            .js("const p = document.querySelector('[data-panel=anomalies]').getBoundingClientRect(); return [...document.querySelectorAll('li.anomaly-row')].filter(r => r.getBoundingClientRect().bottom > p.bottom + 1).length;")
            .await;
        assert_eq!(hidden.as_u64(), Some(0), "rows below the panel's edge");
        b.screenshot("wall-nine-anomalies").await;
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn acknowledging_by_keyboard_keeps_focus_takes_a_reason_and_can_be_undone() {
    use fantoccini::Locator;
    use fantoccini::key::Key;
    let _serial = serial();
    let (_dir, backend) = backend_with_nine_open_anomalies();
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        wait_for_data(&b).await;
        b.wait_for(Duration::from_secs(20), "the open anomalies", || async {
            b.count("[data-panel=anomalies] li.anomaly").await >= 9
        })
        .await;
        let ids: Vec<String> = serde_json::from_value(
            b.js("return [...document.querySelectorAll('[data-panel=anomalies] li.anomaly')].map(e => e.dataset.anomalyId);")
                .await,
        )
        .unwrap_or_default();
        let (first, second) = (ids[0].clone(), ids[1].clone());
        let card = format!("[data-panel=anomalies] li.anomaly[data-anomaly-id='{first}']");
        b.client
            .find(Locator::Css(&format!("{card} input.reason")))
            .await
            .expect("the reason field")
            .send_keys("known batch job")
            .await
            .expect("typed");
        b.client
            .find(Locator::Css(&format!("{card} button[aria-label^='Acknowledge']")))
            .await
            .expect("the acknowledge button")
            .send_keys(&Key::Enter.to_string())
            .await
            .expect("pressed");
        // Focus moves to the next card, not the page body.
        b.wait_for(Duration::from_secs(5), "focus on the next card", || async {
            b.js("return document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.anomalyId || '' : '';")
                .await
                .as_str()
                == Some(second.as_str())
        })
        .await;
        // The server has the decision with its reason.
        let decided = || {
            let body = support::http_get(backend.port, "/api/anomalies?status=all").unwrap_or_default();
            let list: protocol::AnomaliesResponse = serde_json::from_str(&body).expect("anomalies");
            list.anomalies.into_iter().find(|a| a.id == first).expect("the anomaly")
        };
        support::wait_until(Duration::from_secs(10), "the acknowledgement", || {
            decided().status == protocol::AnomalyStatus::Acknowledged
        });
        assert_eq!(decided().status_reason.as_deref(), Some("known batch job"));
        // Undo brings it back, here and on the server.
        assert!(b.text(".undo-bar").await.contains("Acknowledged"));
        b.click("[data-action=undo]").await;
        b.wait_for(Duration::from_secs(10), "the card back", || async {
            b.count(&card).await == 1
        })
        .await;
        support::wait_until(Duration::from_secs(10), "the reopening", || {
            decided().status == protocol::AnomalyStatus::Open
        });
        b.close().await;
    });
}
