//! `subscribeView`: a live view computed on the server, sent in full and
//! then as changes; its buckets are the history endpoint's, watchers of one
//! view get the same bytes, and its filter is checked and kept in scope.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Duration;

use chrono::Utc;
use protocol::{ClientMessage, Filter, HistoryBucket, HistoryResponse, ServerMessage, ViewSpec};
use protocol::{TimeWindow, ViewEncoding, ViewUpdate};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{TestApp, report, spawn};
use crate::websocket::{Ws, connect, hello_cursor, next, next_frame, send};

async fn watch(app: &TestApp, spec: ViewSpec) -> Ws {
    watch_as(app, spec, ViewEncoding::Json).await
}

async fn watch_as(app: &TestApp, spec: ViewSpec, encoding: ViewEncoding) -> Ws {
    let mut ws = connect(app).await;
    hello_cursor(&mut ws).await;
    send(
        &mut ws,
        &ClientMessage::SubscribeView {
            view: spec,
            encoding,
        },
    )
    .await;
    ws
}

/// The next binary frame (a deflated `view` message), as sent and inflated.
async fn next_deflated(ws: &mut Ws) -> (Vec<u8>, String) {
    loop {
        if let Message::Binary(bytes) = next_frame(ws).await {
            let mut text = String::new();
            flate2::read::DeflateDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .expect("raw deflate");
            return (bytes.to_vec(), text);
        }
    }
}

/// The next `view` message as sent, text and parsed.
async fn next_view_text(ws: &mut Ws) -> (String, ViewUpdate) {
    loop {
        if let Message::Text(text) = next_frame(ws).await
            && let Ok(ServerMessage::View { view }) = serde_json::from_str(text.as_str())
        {
            return (text.to_string(), *view);
        }
    }
}

async fn next_view(ws: &mut Ws) -> ViewUpdate {
    next_view_text(ws).await.1
}

#[actix_web::test]
async fn a_view_comes_in_full_then_only_its_changes_and_equals_history() {
    let app = spawn(&[]).await;
    let now = Utc::now();
    let first = [
        report(
            "acme-1",
            "gpt-4o",
            now - chrono::Duration::seconds(40),
            2,
            1.25,
        ),
        report(
            "globex-1",
            "o1",
            now - chrono::Duration::seconds(20),
            1,
            0.5,
        ),
    ];
    assert_eq!(app.ingest(&first).await.0, 200);
    app.wait_for_reports(2).await;

    let mut ws = watch(&app, ViewSpec::default()).await;
    let full = next_view(&mut ws).await;
    assert!(full.full);
    // Seven minutes of 5 s buckets, the newest one filling.
    assert!(
        (84..=85).contains(&full.buckets.len()),
        "{}",
        full.buckets.len()
    );
    let totals = full.totals.expect("full views carry totals");
    assert_eq!(totals.total_calls, 3);
    assert!((totals.total_cost - 1.75).abs() < 1e-9);
    assert_eq!(full.top_customers.as_ref().map(Vec::len), Some(2));
    let mut held: BTreeMap<i64, HistoryBucket> = full
        .buckets
        .iter()
        .map(|b| (b.start.timestamp_millis(), b.clone()))
        .collect();

    assert_eq!(
        app.ingest(&[report("acme-2", "gpt-4o", Utc::now(), 4, 2.0)])
            .await
            .0,
        200
    );
    let mut version = full.version;
    let mut calls = 3;
    while calls < 7 {
        let change = next_view(&mut ws).await;
        assert!(!change.full);
        assert_eq!(change.version, version + 1, "versions follow each other");
        version = change.version;
        // Only the open bucket (and one just closed) changes, never the span.
        assert!(change.buckets.len() <= 2, "{:?}", change.buckets.len());
        for b in change.buckets {
            held.insert(b.start.timestamp_millis(), b);
        }
        if let Some(t) = change.totals {
            calls = t.total_calls;
        }
    }

    // Every bucket held equals the history endpoint's for the same span.
    let from = *held.keys().next().expect("buckets");
    let to = held.keys().last().expect("buckets") + 5_000;
    let (status, body) = app
        .get_json(&format!(
            "/api/metrics/history?from={from}&to={to}&step=5&customers=1"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let history: HistoryResponse = serde_json::from_value(body).unwrap();
    for h in history.buckets {
        let Some(v) = held.get(&h.start.timestamp_millis()) else {
            continue;
        };
        assert_eq!(v.totals.total_calls, h.totals.total_calls, "{}", h.start);
        assert!((v.totals.total_cost - h.totals.total_cost).abs() < 1e-6);
        assert_eq!(v.by_model.len(), h.by_model.len());
        assert_eq!(v.by_tenant.len(), h.by_tenant.len());
    }
}

#[actix_web::test]
async fn watchers_of_one_view_share_it_and_get_the_same_bytes() {
    let app = spawn(&[]).await;
    let spec = ViewSpec {
        window: TimeWindow::FifteenMinutes,
        ..ViewSpec::default()
    };
    let mut a = watch(&app, spec.clone()).await;
    let mut b = watch(&app, spec).await;
    let (fa, fb) = (next_view(&mut a).await, next_view(&mut b).await);
    assert_eq!(fa.version, fb.version);
    assert_eq!(app.state.views.len(), 1, "one view for both");
    assert_eq!(
        app.ingest(&[report("acme-1", "gpt-4o", Utc::now(), 1, 0.25)])
            .await
            .0,
        200
    );
    let (ta, va) = next_view_text(&mut a).await;
    let (tb, vb) = next_view_text(&mut b).await;
    assert_eq!(va.version, vb.version);
    assert_eq!(ta, tb, "the same bytes");
    // Another window is another view.
    let _c = watch(
        &app,
        ViewSpec {
            window: TimeWindow::OneHour,
            ..ViewSpec::default()
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.state.views.len(), 2);
}

#[actix_web::test]
async fn deflate_watchers_get_the_same_compressed_bytes_of_the_same_text() {
    let app = spawn(&[]).await;
    let mut text = watch(&app, ViewSpec::default()).await;
    let mut a = watch_as(&app, ViewSpec::default(), ViewEncoding::Deflate).await;
    let mut b = watch_as(&app, ViewSpec::default(), ViewEncoding::Deflate).await;
    let (full_a, inflated) = next_deflated(&mut a).await;
    let view: ServerMessage = serde_json::from_str(&inflated).expect("a server message");
    assert!(matches!(view, ServerMessage::View { view } if view.full));
    assert!(
        full_a.len() * 4 < inflated.len(),
        "{} B deflated of {} B",
        full_a.len(),
        inflated.len()
    );
    let _ = next_deflated(&mut b).await;
    let _ = next_view(&mut text).await;
    assert_eq!(
        app.ingest(&[report("acme-1", "gpt-4o", Utc::now(), 1, 0.25)])
            .await
            .0,
        200
    );
    let (bytes_a, text_a) = next_deflated(&mut a).await;
    let (bytes_b, _) = next_deflated(&mut b).await;
    let (sent_as_text, change) = next_view_text(&mut text).await;
    assert!(!change.full);
    assert_eq!(bytes_a, bytes_b, "the same bytes to each");
    assert_eq!(
        text_a, sent_as_text,
        "the same message as the text watcher's"
    );
}

#[actix_web::test]
async fn a_view_filter_is_checked_and_narrows_what_is_sent() {
    let app = spawn(&[]).await;
    let now = Utc::now();
    let reports = [
        report(
            "acme-1",
            "gpt-4o",
            now - chrono::Duration::seconds(10),
            1,
            1.0,
        ),
        report(
            "globex-1",
            "gpt-4o",
            now - chrono::Duration::seconds(10),
            1,
            9.0,
        ),
    ];
    assert_eq!(app.ingest(&reports).await.0, 200);
    app.wait_for_reports(2).await;

    let bad = |filter: Filter, customers: Option<u32>| ViewSpec {
        filter,
        customers,
        ..ViewSpec::default()
    };
    for (spec, field) in [
        (
            bad(
                Filter::default().with(protocol::filter::Dimension::Tenant, ""),
                None,
            ),
            "view.filter.tenant",
        ),
        (bad(Filter::default(), Some(0)), "view.customers"),
    ] {
        let mut ws = watch(&app, spec).await;
        match next(&mut ws).await {
            ServerMessage::Error { error } => assert_eq!(error.field.as_deref(), Some(field)),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    let acme = Filter::default().with(protocol::filter::Dimension::Tenant, "acme");
    let mut ws = watch(&app, bad(acme, None)).await;
    let full = next_view(&mut ws).await;
    let customers = full.top_customers.expect("customers");
    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0].tenant_id, "acme");
    assert!((full.totals.expect("totals").total_cost - 1.0).abs() < 1e-9);
}

#[actix_web::test]
async fn polling_gets_the_same_view_by_version() {
    let app = spawn(&[]).await;
    let poll = |after: Option<u64>| {
        let path = match after {
            Some(v) => format!("/api/view?window=15m&after={v}"),
            None => "/api/view?window=15m".to_string(),
        };
        let app = &app;
        async move {
            let (status, body) = app.get_json(&path).await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_value::<protocol::ViewPollResponse>(body)
                .expect("a view poll answer")
                .updates
        }
    };
    let first = poll(None).await;
    assert_eq!(first.len(), 1);
    assert!(first[0].full);
    let version = first[0].version;
    assert_eq!(first[0].totals.map(|t| t.total_calls), Some(0));
    // Current: nothing to send.
    assert!(poll(Some(version)).await.is_empty());

    assert_eq!(
        app.ingest(&[report("acme-1", "gpt-4o", Utc::now(), 3, 0.75)])
            .await
            .0,
        200
    );
    let mut held = version;
    let mut calls = 0;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        for u in poll(Some(held)).await {
            assert!(!u.full, "the log still holds what followed");
            assert_eq!(u.version, held + 1, "versions follow each other");
            held = u.version;
            if let Some(t) = u.totals {
                calls = t.total_calls;
            }
        }
        if calls == 3 {
            break;
        }
    }
    assert_eq!(calls, 3);
    // A version the server never made gets the view in full.
    let again = poll(Some(held + 1_000)).await;
    assert!(again.len() == 1 && again[0].full);

    for (query, field) in [
        ("window=2h", "window"),
        ("after=soon", "after"),
        ("customers=0", "customers"),
        ("tenant=", "tenant"),
    ] {
        let (status, body) = app.get_json(&format!("/api/view?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(crate::helpers::error_field(&body), Some(field), "{query}");
    }
}
