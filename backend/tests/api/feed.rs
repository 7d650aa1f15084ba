//! `GET /api/metrics`: cursors, `since`, paging, and bad input.

use chrono::{Duration, Utc};

use crate::helpers::{error_code, error_field, report, spawn};

#[actix_web::test]
async fn catch_up_after_a_pause_returns_every_update_exactly_once() {
    let app = spawn(&[]).await;
    let (_, first) = app.get_json("/api/metrics").await;
    let start = first["cursor"].as_u64().unwrap();

    // The client "pauses" while 40 batches arrive over several frames.
    let mut reports = 0u64;
    let mut calls = 0u64;
    for batch in 0..40u64 {
        let now = Utc::now();
        let updates: Vec<_> = (0..25u64)
            .map(|i| {
                report(
                    &format!("acme-{}", (batch * 7 + i) % 60),
                    "gpt-4o",
                    now,
                    i + 1,
                    0.01,
                )
            })
            .collect();
        calls += updates.iter().map(|u| u.metrics.total_calls).sum::<u64>();
        reports += updates.len() as u64;
        assert_eq!(app.ingest(&updates).await.0, 200);
        if batch % 10 == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    }
    app.wait_for_reports(reports).await;

    // Back: page through with a small limit.
    let (updates, cursor) = app.drain_feed(start, 37).await;
    let seqs: Vec<u64> = updates.iter().map(|u| u.seq).collect();
    let expected: Vec<u64> = (start + 1..=cursor).collect();
    assert_eq!(seqs, expected, "consecutive, no gaps, no duplicates");
    assert_eq!(cursor, app.head());
    assert_eq!(
        updates.iter().map(|u| u64::from(u.samples)).sum::<u64>(),
        reports
    );
    assert_eq!(
        updates.iter().map(|u| u.metrics.total_calls).sum::<u64>(),
        calls
    );

    // Nothing new: same cursor back, nothing listed, wait at least a second.
    let (_, again) = app.get_json(&format!("/api/metrics?cursor={cursor}")).await;
    assert_eq!(again["metrics"].as_array().unwrap().len(), 0);
    assert_eq!(again["cursor"].as_u64(), Some(cursor));
    assert_eq!(again["hasMore"], false);
    assert!(again["nextPollAfter"].as_u64().unwrap() >= 1000);
}

#[actix_web::test]
async fn since_starts_at_the_first_frame_recorded_after_it() {
    let app = spawn(&[]).await;
    assert_eq!(
        app.ingest(&[report("acme-1", "gpt-4o", Utc::now(), 1, 0.1)])
            .await
            .0,
        200
    );
    app.wait_for_reports(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let between = Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.ingest(&[report("acme-2", "gpt-4o", Utc::now(), 2, 0.2)])
            .await
            .0,
        200
    );
    app.wait_for_reports(2).await;

    let since = between.timestamp_millis();
    let (status, body) = app.get_json(&format!("/api/metrics?since={since}")).await;
    assert_eq!(status, 200, "{body}");
    let listed = body["metrics"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["customerId"], "acme-2");

    let rfc = (between - Duration::minutes(1)).to_rfc3339();
    let (_, body) = app
        .get_json(&format!("/api/metrics?since={}", urlencode(&rfc)))
        .await;
    assert_eq!(body["metrics"].as_array().unwrap().len(), 2);
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[actix_web::test]
async fn bad_feed_parameters_are_400_naming_the_field() {
    let app = spawn(&[]).await;
    let head = app.head();
    let future = (Utc::now() + Duration::hours(1)).timestamp_millis();
    let old = (Utc::now() - Duration::days(401)).timestamp_millis();
    for (query, field) in [
        ("since=yesterday".to_string(), "since"),
        (format!("since={future}"), "since"),
        (format!("since={old}"), "since"),
        ("cursor=abc".to_string(), "cursor"),
        (format!("cursor={head}&since=0"), "cursor"),
        ("limit=0".to_string(), "limit"),
        ("limit=10001".to_string(), "limit"),
        ("limit=lots".to_string(), "limit"),
    ] {
        let (status, body) = app.get_json(&format!("/api/metrics?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(error_code(&body), "invalid_parameter", "{query}");
        assert_eq!(error_field(&body), Some(field), "{query}: {body}");
    }
}

#[actix_web::test]
async fn cursors_from_an_earlier_run_or_the_future_are_410() {
    let app = spawn(&[]).await;
    let head = app.head();
    for cursor in [0, head - 1, head + 1] {
        let (status, body) = app.get_json(&format!("/api/metrics?cursor={cursor}")).await;
        assert_eq!(status, 410, "{cursor}: {body}");
        assert_eq!(error_code(&body), "cursor_expired");
        assert_eq!(error_field(&body), Some("cursor"));
    }
    let (status, _) = app.get_json(&format!("/api/metrics?cursor={head}")).await;
    assert_eq!(status, 200);
}
