//! `GET /api/metrics/history`: resolutions, back-filled data, and bad ranges.

use chrono::{Duration, DurationRound, Utc};
use protocol::HistoryResponse;

use crate::helpers::{error_field, report, spawn};

fn parse(body: serde_json::Value) -> HistoryResponse {
    serde_json::from_value(body).expect("HistoryResponse")
}

#[actix_web::test]
async fn presets_pick_the_documented_resolutions() {
    let app = spawn(&[]).await;
    for (window, step, buckets) in [
        ("5m", 5, 60),
        ("15m", 15, 60),
        ("1h", 60, 60),
        ("24h", 600, 144),
    ] {
        let (status, body) = app
            .get_json(&format!("/api/metrics/history?window={window}"))
            .await;
        assert_eq!(status, 200, "{window}: {body}");
        let h = parse(body);
        assert_eq!(h.resolution_seconds, step, "{window}");
        assert_eq!(h.buckets.len(), buckets, "{window}");
        // Dense and aligned.
        for pair in h.buckets.windows(2) {
            assert_eq!(
                (pair[1].start - pair[0].start).num_seconds(),
                i64::from(step)
            );
        }
        assert_eq!(h.buckets[0].start.timestamp() % i64::from(step), 0);
    }
}

#[actix_web::test]
async fn back_filled_data_lands_in_its_own_buckets_with_breakdowns() {
    let app = spawn(&[]).await;
    let two_hours_ago = (Utc::now() - Duration::hours(2))
        .duration_trunc(Duration::minutes(1))
        .unwrap();
    let updates = vec![
        report(
            "acme-1",
            "claude-opus-4",
            two_hours_ago + Duration::seconds(10),
            2,
            3.0,
        ),
        report(
            "acme-2",
            "gpt-4o-mini",
            two_hours_ago + Duration::seconds(20),
            5,
            0.5,
        ),
        report(
            "globex-1",
            "claude-opus-4",
            two_hours_ago + Duration::seconds(70),
            1,
            1.0,
        ),
    ];
    assert_eq!(app.ingest(&updates).await.0, 200);
    app.wait_for_reports(3).await;

    let from = two_hours_ago.timestamp_millis();
    let to = (two_hours_ago + Duration::minutes(10)).timestamp_millis();
    let (status, body) = app
        .get_json(&format!(
            "/api/metrics/history?from={from}&to={to}&customers=1"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let h = parse(body);
    // 10 minutes → 15 s wanted, but two hours ago only minute buckets remain.
    assert_eq!(h.resolution_seconds, 60);
    assert_eq!(h.buckets.len(), 10);
    let first = &h.buckets[0];
    assert_eq!(first.totals.total_calls, 7);
    assert!((first.totals.total_cost - 3.5).abs() < 1e-9);
    assert_eq!(first.by_model[0].model, "claude-opus-4");
    assert_eq!(first.customers.len(), 1);
    assert_eq!(first.customers[0].customer_id, "acme-1");
    assert_eq!(first.other_customers.unwrap().total_calls, 5);
    assert_eq!(h.buckets[1].customers[0].tenant_id, "globex");
    assert_eq!(h.cursor, app.head());
}

#[actix_web::test]
async fn recent_data_is_available_per_five_seconds() {
    let app = spawn(&[]).await;
    let now = Utc::now();
    assert_eq!(
        app.ingest(&[report(
            "acme-1",
            "gpt-4o",
            now - Duration::seconds(30),
            4,
            1.0
        )])
        .await
        .0,
        200
    );
    app.wait_for_reports(1).await;
    let (_, body) = app.get_json("/api/metrics/history?window=5m").await;
    let h = parse(body);
    let calls: Vec<u64> = h.buckets.iter().map(|b| b.totals.total_calls).collect();
    assert_eq!(calls.iter().sum::<u64>(), 4);
    assert_eq!(calls.iter().filter(|c| **c > 0).count(), 1);
}

#[actix_web::test]
async fn bad_ranges_are_400_naming_the_field() {
    let app = spawn(&[]).await;
    let now = Utc::now();
    let ms = |d: Duration| (now + d).timestamp_millis();
    for (query, field) in [
        (String::new(), "from"),
        ("from=garbage".to_string(), "from"),
        (format!("from={}&to=later", ms(-Duration::hours(1))), "to"),
        (
            format!(
                "from={}&to={}",
                ms(-Duration::hours(1)),
                ms(-Duration::hours(2))
            ),
            "from",
        ),
        (format!("from={}", ms(Duration::hours(1))), "from"),
        (
            format!(
                "from={}&to={}",
                ms(-Duration::hours(1)),
                ms(Duration::hours(3))
            ),
            "to",
        ),
        (format!("from={}", ms(-Duration::days(401))), "from"),
        ("window=2h".to_string(), "window"),
        (
            format!("window=1h&from={}", ms(-Duration::hours(1))),
            "window",
        ),
        ("window=24h&step=1".to_string(), "step"),
        ("window=1h&step=0".to_string(), "step"),
        ("window=1h&customers=0".to_string(), "customers"),
        ("window=1h&customers=5000".to_string(), "customers"),
    ] {
        let (status, body) = app.get_json(&format!("/api/metrics/history?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(error_field(&body), Some(field), "{query}: {body}");
        assert!(!body["error"]["message"].as_str().unwrap_or("").is_empty());
    }
}

#[actix_web::test]
async fn compare_gives_each_bucket_its_cost_a_day_or_week_earlier() {
    let app = spawn(&[]).await;
    let (status, body) = app
        .get_json("/api/metrics/history?window=1h&compare=1d")
        .await;
    assert_eq!(status, 200, "{body}");
    let h = parse(body);
    assert_eq!(h.compare_offset_seconds, Some(86_400));
    assert_eq!(h.compare.len(), h.buckets.len());
    // This server was not recording a day ago: unknown, not zero.
    assert!(h.compare.iter().all(Option::is_none), "{:?}", h.compare);
    let (status, body) = app
        .get_json("/api/metrics/history?window=30d&compare=7d")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse(body).compare_offset_seconds, Some(604_800));
    let (status, body) = app
        .get_json("/api/metrics/history?window=1h&compare=2d")
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_field(&body), Some("compare"));
    // Without compare, nothing extra is sent.
    let (_, body) = app.get_json("/api/metrics/history?window=1h").await;
    assert!(body.get("compare").is_none());
}
