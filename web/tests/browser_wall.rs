//! The wall in headless Chromium: one screen at any resolution, large type,
//! and an outage shown across the screen.
//!
//! Needs `bash web/build.sh` first (see `browser.rs`).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use support::{Backend, Browser, runtime, serial, wait_for_data};

/// The page's layout boxes: `[top, bottom]` of a panel, in CSS pixels.
async fn panel_box(b: &Browser, panel: &str) -> (f64, f64) {
    let v = b
        .js(&format!(
            "const r = document.querySelector('[data-panel={panel}]').getBoundingClientRect(); return [r.top, r.bottom];"
        ))
        .await;
    (v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0))
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn wall_fills_one_screen_and_anomalies_span_the_rows_beside_them() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        for (width, height) in [(1920, 1080), (1280, 720)] {
            b.client
                .set_window_size(width, height)
                .await
                .expect("window resized");
            b.client
                .goto(&backend.url("/?mode=wall"))
                .await
                .expect("page loads");
            wait_for_data(&b).await;
            let size = b
                .js("return [innerWidth, innerHeight, document.documentElement.scrollHeight, parseFloat(getComputedStyle(document.documentElement).fontSize)];")
                .await;
            let (inner_h, scroll_h, font) = (
                size[1].as_f64().unwrap_or(0.0),
                size[2].as_f64().unwrap_or(f64::MAX),
                size[3].as_f64().unwrap_or(0.0),
            );
            assert!(scroll_h <= inner_h, "the wall scrolls at {width}×{height}: {size}");
            // Large type: about 1.9 % of the height (20 px at 1080 lines, 40 px on 4K).
            assert!(font >= inner_h * 0.0175, "type too small: {size}");
            let anomalies = panel_box(&b, "anomalies").await;
            let gauge = panel_box(&b, "gauge").await;
            let customers = panel_box(&b, "customers").await;
            assert!((anomalies.0 - gauge.0).abs() < 1.0, "{anomalies:?} vs {gauge:?}");
            assert!(
                (anomalies.1 - customers.1).abs() < 1.0,
                "{anomalies:?} vs {customers:?}"
            );
            // The grid reaches the bottom of the screen (less the page padding).
            assert!(customers.1 > inner_h - 2.0 * font, "{customers:?} in {size}");
        }
        // A laptop: the anomaly panel spans both rows beside it, no empty space below.
        b.client.set_window_size(1440, 900).await.expect("window resized");
        b.client.goto(&backend.url("/")).await.expect("page loads");
        wait_for_data(&b).await;
        let anomalies = panel_box(&b, "anomalies").await;
        let gauge = panel_box(&b, "gauge").await;
        let customers = panel_box(&b, "customers").await;
        assert!((anomalies.0 - gauge.0).abs() < 1.0, "{anomalies:?} vs {gauge:?}");
        assert!((anomalies.1 - customers.1).abs() < 1.0, "{anomalies:?} vs {customers:?}");
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn a_wall_shows_an_outage_across_the_screen_in_large_type() {
    let _serial = serial();
    let mut backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client
            .goto(&backend.url("/?mode=wall"))
            .await
            .expect("page loads");
        wait_for_data(&b).await;
        backend.kill();
        b.wait_for(Duration::from_secs(15), "the outage banner", || async {
            b.count("[data-testid=outage]").await == 1
        })
        .await;
        let px = b
            .js("return parseFloat(getComputedStyle(document.querySelector('[data-testid=outage]')).fontSize);")
            .await
            .as_f64()
            .unwrap_or(0.0);
        assert!(px >= 24.0, "outage type is {px} px");
        let width = b
            .js("return document.querySelector('[data-testid=outage]').getBoundingClientRect().width / innerWidth;")
            .await
            .as_f64()
            .unwrap_or(0.0);
        assert!(width > 0.9, "the banner spans {width} of the screen");
        assert_eq!(b.attr("[data-panel=spend]", "data-stale").await, "true");
        b.screenshot("outage-wall").await;
        b.close().await;
    });
}
