//! Browser tests: headless Chromium (through chromedriver) against the real
//! backend serving the built `web/dist`.
//!
//! Needs `bash web/build.sh` first, Chromium and chromedriver on PATH; the
//! backend binary is built with cargo (escargot). `.ci/test` runs them with
//! `--include-ignored`. Every wait is bounded, and each test stops its own
//! backend and browser (see `support/mod.rs`).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use serde_json::json;
use support::{
    Backend, Browser, http_get, http_post_json, runtime, serial, wait_for_data, wait_until,
};

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn page_shows_all_six_panels_with_live_data() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        wait_for_data(&b).await;
        for panel in [
            "gauge",
            "spend",
            "tokens",
            "models",
            "customers",
            "anomalies",
        ] {
            assert_eq!(
                b.count(&format!("[data-panel={panel}]")).await,
                1,
                "{panel}"
            );
        }
        assert!(b.text("[data-testid=spend-rate]").await.contains("/h"));
        // Live token chart: exactly 60 buckets of 5 s, the newest drawn partial.
        assert_eq!(b.count("[data-panel=tokens] rect.bar").await, 60);
        assert_eq!(b.count("[data-panel=tokens] rect.bar.partial").await, 1);
        // The spend chart has the same 60 buckets, stacked by model.
        assert_eq!(b.count("[data-panel=spend] g.stack").await, 60);
        assert!(b.count("[data-panel=spend] rect.segment").await > 0);
        b.wait_for(
            Duration::from_secs(20),
            "the WebSocket to stream",
            || async { b.attr(".link", "data-state").await == "streaming" },
        )
        .await;
        let version = b.counter("viewVersion").await;
        b.wait_for(Duration::from_secs(10), "more updates", || async {
            b.counter("viewVersion").await > version
        })
        .await;
        assert_eq!(b.counter("gaps").await, 0.0);
        assert!(b.counter("maxFlushesPerFrame").await <= 2.0);
        let title = b.js("return document.title;").await;
        assert!(
            title.as_str().unwrap_or_default().contains("/h"),
            "title {title}"
        );
        b.screenshot("default").await;
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn pause_stops_changes_and_resume_restarts_them() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        wait_for_data(&b).await;
        b.click("[data-action=pause]").await;
        b.wait_for(Duration::from_secs(5), "the paused state", || async {
            b.attr(".link", "data-state").await == "paused"
        })
        .await;
        let frames = b.counter("viewFrames").await;
        let table = b.text("[data-panel=customers] tbody").await;
        let version = b.counter("viewVersion").await;
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert_eq!(
            b.counter("viewFrames").await,
            frames,
            "no frame published while paused"
        );
        assert_eq!(b.text("[data-panel=customers] tbody").await, table);
        assert_eq!(
            b.counter("viewVersion").await,
            version,
            "nothing is fetched while paused"
        );
        b.click("[data-action=resume]").await;
        b.wait_for(Duration::from_secs(20), "updates after resume", || async {
            b.counter("viewVersion").await > version
                && b.text("[data-panel=customers] tbody").await != table
        })
        .await;
        assert_eq!(
            b.counter("gaps").await,
            0.0,
            "resumed exactly where it paused"
        );
        b.close().await;
    });
}

/// Makes every WebSocket fail as a blocking proxy would: it never opens.
const BLOCK_SOCKET: &str = r#"
(() => {
  class BlockedSocket extends EventTarget {
    constructor(url) {
      super();
      this.url = url; this.readyState = 0; this.binaryType = 'blob'; this.bufferedAmount = 0;
      this.protocol = ''; this.extensions = '';
      setTimeout(() => {
        this.readyState = 3;
        const error = new Event('error');
        if (this.onerror) this.onerror(error);
        this.dispatchEvent(error);
        const close = new CloseEvent('close', { code: 1006, reason: 'blocked' });
        if (this.onclose) this.onclose(close);
        this.dispatchEvent(close);
      }, 50);
    }
    send() { throw new DOMException('blocked', 'InvalidStateError'); }
    close() {}
  }
  BlockedSocket.CONNECTING = 0; BlockedSocket.OPEN = 1; BlockedSocket.CLOSING = 2; BlockedSocket.CLOSED = 3;
  window.WebSocket = BlockedSocket;
})();
"#;

/// Opens `url` with WebSockets blocked and waits until the page shows data by polling.
async fn open_without_socket(b: &Browser, url: &str) {
    b.cdp("Page.enable", json!({})).await;
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": BLOCK_SOCKET}),
    )
    .await;
    b.client.goto(url).await.expect("page loads");
    wait_for_data(b).await;
    b.wait_for(Duration::from_secs(20), "polling to take over", || async {
        b.attr(".link", "data-state").await == "polling"
    })
    .await;
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn blocked_socket_falls_back_to_polling() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        open_without_socket(&b, &backend.url("/")).await;
        assert_eq!(b.attr(".link", "data-transport").await, "polling");
        assert_eq!(b.counter("socketOpens").await, 0.0);
        let version = b.counter("viewVersion").await;
        b.wait_for(Duration::from_secs(15), "updates by polling", || async {
            b.counter("viewVersion").await > version
        })
        .await;
        assert!(b.text(".link").await.contains("polling every 2 s"));
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn changing_the_interval_changes_the_request_rate() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        open_without_socket(&b, &backend.url("/?interval=1")).await;
        let measure = |secs: u64| {
            let b = &b;
            async move {
                let before = b.counter("polls").await;
                tokio::time::sleep(Duration::from_secs(secs)).await;
                b.counter("polls").await - before
            }
        };
        let fast = measure(8).await;
        b.js("const s = document.querySelector('select[name=interval]'); s.value = '10'; s.dispatchEvent(new Event('change', {bubbles: true})); return true;")
            .await;
        b.wait_for(Duration::from_secs(5), "the URL to carry the interval", || async {
            b.js("return location.search;").await.as_str().unwrap_or_default().contains("interval=10")
        })
        .await;
        // The change itself may trigger one poll; then at most one per 10 s.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let slow = measure(8).await;
        assert!(fast >= 4.0, "1 s interval made {fast} polls in 8 s");
        assert!(slow <= 1.0, "10 s interval made {slow} polls in 8 s");
        assert!(b.text(".link").await.contains("every 10 s"));
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn killing_the_backend_shows_retrying_and_the_page_recovers() {
    let _serial = serial();
    let mut backend = Backend::start();
    let port = backend.port;
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        wait_for_data(&b).await;
        backend.kill();
        b.wait_for(Duration::from_secs(30), "the retrying state", || async {
            b.attr(".link", "data-state").await == "retrying"
        })
        .await;
        let label = b.text(".link").await;
        assert!(
            label.contains("Retrying in") && label.contains("attempt"),
            "{label}"
        );
        // Overdue data looks it: a banner, every panel dated, no all-clear.
        b.wait_for(Duration::from_secs(15), "the outage banner", || async {
            b.count("[data-testid=outage]").await == 1
        })
        .await;
        assert!(
            b.text("[data-testid=outage]")
                .await
                .contains("No data since")
        );
        for panel in ["gauge", "spend", "customers", "models", "anomalies"] {
            let css = format!("[data-panel={panel}]");
            assert_eq!(b.attr(&css, "data-stale").await, "true", "{panel}");
            assert!(b.text(&css).await.contains("as of"), "{panel}");
        }
        assert!(
            !b.text("[data-panel=anomalies]")
                .await
                .contains("within its baselines")
        );
        b.screenshot("outage-dashboard").await;
        // A screen reader is told the state once, not each second of the countdown.
        let said = b
            .js("return document.querySelector('[data-testid=announce-link]').textContent;")
            .await;
        assert_eq!(said.as_str(), Some("Connection lost: retrying."));
        assert_eq!(b.attr(".link", "aria-live").await, "off");
        let version = b.counter("viewVersion").await;
        let restarted = Backend::start_on(port);
        b.wait_for(
            Duration::from_secs(90),
            "recovery after the backend returned",
            || async {
                let state = b.attr(".link", "data-state").await;
                (state == "streaming" || state == "polling")
                    && b.counter("viewVersion").await > version
            },
        )
        .await;
        // A restarted server starts a new log: the page reloaded a snapshot rather than leave a gap.
        assert!(b.count("[data-panel=customers] tbody tr").await >= 1);
        b.wait_for(Duration::from_secs(10), "fresh again", || async {
            b.count("[data-testid=outage]").await == 0
                && b.attr("[data-panel=gauge]", "data-stale").await == "false"
        })
        .await;
        drop(restarted);
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn hidden_tab_polls_lightly_and_catches_up_without_a_gap() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        wait_for_data(&b).await;
        b.wait_for(Duration::from_secs(20), "streaming", || async {
            b.attr(".link", "data-state").await == "streaming"
        })
        .await;
        let dashboard = b.client.window().await.expect("window handle");
        let opens = b.counter("socketOpens").await;
        // A second tab in the same window hides the first.
        let other = b.client.new_window(true).await.expect("new tab");
        b.client
            .switch_to_window(other.handle)
            .await
            .expect("switch");
        tokio::time::sleep(Duration::from_secs(13)).await;
        b.client
            .switch_to_window(dashboard)
            .await
            .expect("switch back");
        b.js("return 1;").await;
        assert!(
            b.counter("hiddenPolls").await >= 1.0,
            "the hidden tab kept polling"
        );
        b.wait_for(Duration::from_secs(20), "the socket to reopen", || async {
            b.counter("socketOpens").await > opens
                && b.attr(".link", "data-state").await == "streaming"
        })
        .await;
        assert_eq!(
            b.counter("gaps").await,
            0.0,
            "caught up from the cursor, no gap"
        );
        b.close().await;
    });
}

/// Makes the backend detect an anomaly, the way a real source would: 25
/// minutes of steady spend for one customer, back-filled through
/// `POST /api/ingest`, then two minutes at 25 times the rate. Waits (bounded)
/// until the detector has reported it.
fn cause_an_anomaly(port: u16) {
    let now = chrono::Utc::now();
    let report = |seconds_ago: i64, cost: f64| protocol::MetricUpdate {
        seq: 0,
        timestamp: now - chrono::Duration::seconds(seconds_ago),
        tenant_id: "testco".into(),
        customer_id: "testco-1".into(),
        model: "claude-opus-4".into(),
        samples: 1,
        metrics: protocol::Metrics {
            total_calls: 2,
            total_tokens: 4_000,
            input_tokens: 3_500,
            output_tokens: 500,
            total_cost: cost,
            avg_latency_ms: 1_500.0,
            ..Default::default()
        },
    };
    let mut updates: Vec<protocol::MetricUpdate> =
        (120..1500).step_by(2).map(|s| report(s, 0.04)).collect();
    updates.extend((0..120).map(|s| report(s, 0.5)));
    let body = serde_json::to_string(&protocol::IngestRequest { updates }).expect("serialisable");
    assert!(
        http_post_json(port, "/api/ingest", body).is_some(),
        "the backend refused the ingest"
    );
    wait_until(
        Duration::from_secs(60),
        "the backend to detect the spike",
        || {
            http_get(port, "/api/anomalies?status=all")
                .and_then(|body| serde_json::from_str::<protocol::AnomaliesResponse>(&body).ok())
                .is_some_and(|r| r.anomalies.iter().any(|a| a.entity.id == "testco-1"))
        },
    );
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn acknowledging_an_anomaly_survives_a_reload() {
    let _serial = serial();
    let backend = Backend::start();
    cause_an_anomaly(backend.port);
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        b.wait_for(Duration::from_secs(30), "an open anomaly in the list", || async {
            b.count("[data-panel=anomalies] li.anomaly[data-status=open]").await >= 1
        })
        .await;
        let id = b.attr("li.anomaly[data-status=open]", "data-anomaly-id").await;
        b.click(&format!("li.anomaly[data-anomaly-id='{id}'] .anomaly-actions button")).await;
        b.wait_for(Duration::from_secs(5), "the anomaly to leave the open list", || {
            let id = id.clone();
            let b = &b;
            async move { b.count(&format!("li.anomaly[data-anomaly-id='{id}']")).await == 0 }
        })
        .await;
        // The server hears about it too.
        let server = |port| {
            http_get(port, "/api/anomalies?status=acknowledged")
                .and_then(|body| serde_json::from_str::<protocol::AnomaliesResponse>(&body).ok())
                .is_some_and(|r| r.anomalies.iter().any(|a| a.id == id))
        };
        wait_until(Duration::from_secs(10), "the backend to record the acknowledgement", || server(backend.port));
        b.client.refresh().await.expect("reload");
        wait_for_data(&b).await;
        assert_eq!(b.count(&format!("li.anomaly[data-anomaly-id='{id}']")).await, 0);
        let stored = b.js("return localStorage.getItem('finops.anomalyReviews') || '';").await;
        assert!(stored.as_str().unwrap_or_default().contains(&id), "saved: {stored}");
        // The filter shows acknowledged ones again.
        b.js("const s = document.querySelector('[data-panel=anomalies] select'); s.value = 'Acknowledged'; s.dispatchEvent(new Event('change', {bubbles: true})); return true;")
            .await;
        b.wait_for(Duration::from_secs(5), "the acknowledged anomaly under its filter", || {
            let id = id.clone();
            let b = &b;
            async move {
                b.count(&format!("li.anomaly[data-anomaly-id='{id}'][data-status=acknowledged]")).await == 1
            }
        })
        .await;
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn historical_hour_playback_advances_the_panels() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        wait_for_data(&b).await;
        b.click("[data-mode=historical]").await;
        b.click("[data-window='1h']").await;
        b.wait_for(Duration::from_secs(20), "the playback controls", || async {
            b.count("[data-action=play]").await == 1
        })
        .await;
        assert!(b.js("return location.search;").await.as_str().unwrap_or_default().contains("mode=historical&window=1h"));
        // A replay does not claim to be live.
        assert_eq!(b.attr(".link", "data-state").await, "historical");
        assert!(!b.text(".link").await.contains("Live"));
        b.js("const s = document.querySelector('select[aria-label=\"Playback speed\"]'); s.value = '60'; s.dispatchEvent(new Event('change', {bubbles: true})); return true;")
            .await;
        b.click("[data-action=play]").await;
        // A fresh server has data only in the hour's last minute: play starts
        // there, at the first bucket with data, not at an empty hour.
        b.wait_for(Duration::from_secs(5), "playback to start", || async {
            b.js("return Number(document.querySelector('.scrubber').value);").await.as_f64().unwrap_or(0.0) >= 900.0
        })
        .await;
        let playhead = b.text("[data-testid=playhead]").await;
        // An hour replays with seconds on the playhead and names its zone;
        // a day can be replayed in minutes.
        assert!(playhead.ends_with(" UTC") && playhead.matches(':').count() == 2, "{playhead}");
        assert!(b.text("select[aria-label='Playback speed']").await.contains("3600×"));
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn anomalies_stay_near_the_top_at_every_width() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        for width in [390u32, 820, 1024, 1440] {
            b.client
                .set_window_rect(0, 0, width, 1000)
                .await
                .expect("window resizes");
            b.client.goto(&backend.url("/")).await.expect("page loads");
            wait_for_data(&b).await;
            let top = |panel: &str| {
                format!("return document.querySelector('[data-panel={panel}]').getBoundingClientRect().top;")
            };
            let anomalies = b.js(&top("anomalies")).await.as_f64().unwrap_or(f64::MAX);
            let customers = b.js(&top("customers")).await.as_f64().unwrap_or(0.0);
            assert!(
                anomalies < customers,
                "at {width} px the anomalies ({anomalies}) sit below the customers ({customers})"
            );
        }
        b.close().await;
    });
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn top_customers_fit_their_panel_at_every_width() {
    let _serial = serial();
    let backend = Backend::start();
    runtime().block_on(async {
        let b = Browser::start().await;
        for (width, height) in [(390u32, 900u32), (820, 1000), (1024, 800), (1280, 720), (1440, 1000)] {
            b.client
                .set_window_rect(0, 0, width, height)
                .await
                .expect("window resizes");
            b.client.goto(&backend.url("/")).await.expect("page loads");
            wait_for_data(&b).await;
            b.wait_for(Duration::from_secs(20), "customer rows", || async {
                b.count("[data-panel=customers] tbody tr").await >= 3
            })
            .await;
            let fit = b
                .js("const s = document.querySelector('[data-panel=customers] .table-scroll'); const t = s.querySelector('table'); return [t.scrollWidth, s.clientWidth];")
                .await;
            let (table, room) = (fit[0].as_f64().unwrap_or(f64::MAX), fit[1].as_f64().unwrap_or(0.0));
            assert!(table <= room + 1.0, "at {width} px the table is {table} px in {room} px");
            // The sort column (cost) and the share stay.
            let shown = b
                .js("const th = [...document.querySelectorAll('[data-panel=customers] thead th')].filter(e => e.offsetParent !== null); return th.map(e => e.textContent.trim()).join('|');")
                .await;
            let shown = shown.as_str().unwrap_or_default().to_string();
            assert!(shown.contains("Cost") && shown.contains("Share"), "at {width} px: {shown}");
        }
        b.close().await;
    });
}
