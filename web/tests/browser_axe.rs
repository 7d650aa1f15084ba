//! axe-core over the real dashboard in Chromium: the WCAG 2.x A and AA rules
//! and axe's best practices, in the light theme, the dark theme, on a phone
//! and on the wall, with open, critical, warning and acknowledged anomalies
//! on screen (and their causes shown). Fails on any `serious` or `critical`
//! violation and prints every violation it found; then the header's theme
//! toggle switches `data-theme` on the page root and the URL keeps it. axe-core comes from npm
//! (`.ci/setup` installs it under `.tools/npm`); run by `.ci/test` after
//! `bash web/build.sh`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use fantoccini::wd::TimeoutConfiguration;
use serde_json::Value;
use support::stores::backend_with_nine_open_anomalies;
use support::{Browser, http_post_json, runtime, serial, wait_for_data, workspace_root};

/// The axe-core build `.ci/setup` installs.
fn axe_source() -> String {
    let path = workspace_root().join(".tools/npm/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is not installed at {} ({e}): run `bash .ci/setup`",
            path.display()
        )
    })
}

/// Runs axe on the page as it is; each violation as one line per element.
async fn audit(b: &Browser, axe: &str) -> Vec<(String, String)> {
    if b.js("return typeof window.axe;").await != "object" {
        b.js(axe).await;
    }
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, {
            runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
            resultTypes: ["violations"],
        }).then(
            (r) => done(r.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary || "" })),
            }))),
            (e) => done({ error: String(e) }),
        );
    "#;
    let result = b
        .client
        .execute_async(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("axe did not run: {e}"));
    if let Some(error) = result.get("error") {
        panic!("axe failed: {error}");
    }
    let mut found = Vec::new();
    for v in result.as_array().cloned().unwrap_or_default() {
        let field = |key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
        let impact = field("impact");
        for n in v
            .get("nodes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let target = n.get("target").and_then(Value::as_str).unwrap_or("");
            let summary = n.get("summary").and_then(Value::as_str).unwrap_or("");
            let line = format!(
                "{} ({}): {} at {target}: {}",
                field("id"),
                impact,
                field("help"),
                summary.replace('\n', " ")
            );
            found.push((impact.clone(), line));
        }
    }
    found
}

/// Opens `path`, waits for data and the stored anomalies, shows every
/// anomaly's cause (as hovering would), and audits.
async fn audit_page(b: &Browser, axe: &str, url: &str, theme: &str) -> Vec<(String, String)> {
    b.client.goto(url).await.expect("page loads");
    wait_for_data(b).await;
    b.wait_for(Duration::from_secs(20), "the stored anomalies", || async {
        b.count("[data-panel=anomalies] :is(li.anomaly, li.anomaly-row)")
            .await
            >= 8
    })
    .await;
    b.wait_for(
        Duration::from_secs(10),
        "the theme on the page root",
        || async { b.attr("html", "data-theme").await == theme },
    )
    .await;
    b.js("document.querySelectorAll('.anomaly-cause').forEach((e) => e.classList.add('shown')); return true;")
        .await;
    // Transitions (the gauge's needle and arc) settle.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    audit(b, axe).await
}

#[test]
#[ignore = "needs chromium and axe-core; run by .ci/test"]
fn axe_finds_nothing_serious_in_either_theme_on_a_phone_or_on_the_wall() {
    let _serial = serial();
    let axe = axe_source();
    let (_dir, backend) = backend_with_nine_open_anomalies();
    // One of them reviewed: its card steps back and must still read.
    assert!(
        http_post_json(
            backend.port,
            "/api/anomalies/anm-earlier-000003/ack",
            r#"{"reason": "known load test"}"#.into()
        )
        .is_some(),
        "the backend refused the acknowledgement"
    );
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(60)),
                Some(Duration::from_secs(60)),
                Some(Duration::from_secs(0)),
            ))
            .await
            .expect("timeouts");
        let pages = [
            ("light", "/?theme=light", "light", (1440, 1000)),
            ("dark", "/?theme=dark", "dark", (1440, 1000)),
            ("phone, dark", "/?theme=dark", "dark", (390, 844)),
            ("phone, light", "/?theme=light", "light", (390, 844)),
            ("wall", "/?mode=wall", "dark", (1920, 1080)),
        ];
        let mut serious = Vec::new();
        for (name, path, theme, (w, h)) in pages {
            b.client.set_window_size(w, h).await.expect("window size");
            let found = audit_page(&b, &axe, &backend.url(path), theme).await;
            b.screenshot(&format!("axe-{}", name.replace(", ", "-")))
                .await;
            println!("axe, {name} ({w}x{h}): {} violating elements", found.len());
            for (impact, line) in &found {
                println!("  {line}");
                if impact == "serious" || impact == "critical" {
                    serious.push(format!("{name}: {line}"));
                }
            }
        }
        // The header's toggle switches the page root's theme and keeps it across a reload.
        b.client
            .set_window_size(1440, 1000)
            .await
            .expect("window size");
        b.client
            .goto(&backend.url("/?theme=light"))
            .await
            .expect("page loads");
        wait_for_data(&b).await;
        assert_eq!(b.attr("[data-action=theme]", "aria-pressed").await, "false");
        b.click("[data-action=theme]").await;
        b.wait_for(Duration::from_secs(10), "the dark theme", || async {
            b.attr("html", "data-theme").await == "dark"
                && b.attr("[data-action=theme]", "aria-pressed").await == "true"
        })
        .await;
        let search = b.js("return location.search;").await;
        assert_eq!(search.as_str(), Some("?theme=dark"));
        b.client.refresh().await.expect("reload");
        wait_for_data(&b).await;
        assert_eq!(b.attr("html", "data-theme").await, "dark");
        b.close().await;
        assert!(
            serious.is_empty(),
            "{} serious or critical axe violations:\n{}",
            serious.len(),
            serious.join("\n")
        );
    });
}
