//! `GET /ws` with a real WebSocket client: subscribe, deltas, resume, resync,
//! anomaly events, slow consumers, heartbeats and shutdown.

use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use protocol::{ClientMessage, HistoryResponse, MetricUpdate, ServerMessage};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{TestApp, report, spawn};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn connect(app: &TestApp) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}/ws", app.port))
        .await
        .expect("websocket connects");
    ws
}

pub async fn send(ws: &mut Ws, message: &ClientMessage) {
    let text = serde_json::to_string(message).unwrap();
    ws.send(Message::Text(text.into())).await.expect("sent");
}

/// The next frame of any kind, within 10 s.
pub async fn next_frame(ws: &mut Ws) -> Message {
    tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("a message within 10 s")
        .expect("stream open")
        .expect("no websocket error")
}

/// The next protocol message, skipping heartbeats and control frames.
pub async fn next(ws: &mut Ws) -> ServerMessage {
    loop {
        if let Message::Text(text) = next_frame(ws).await {
            match serde_json::from_str(text.as_str()).expect("a server message") {
                ServerMessage::Heartbeat { .. } => continue,
                message => return message,
            }
        }
    }
}

pub async fn hello_cursor(ws: &mut Ws) -> u64 {
    match next(ws).await {
        ServerMessage::Hello {
            cursor,
            tick_options_ms,
            ..
        } => {
            assert_eq!(tick_options_ms, vec![250, 500, 1000, 2000, 5000]);
            cursor
        }
        other => panic!("expected hello, got {other:?}"),
    }
}

async fn subscribe(ws: &mut Ws, cursor: Option<u64>, tick_ms: Option<u32>) -> ServerMessage {
    send(
        ws,
        &ClientMessage::Subscribe {
            cursor,
            tick_ms,
            filter: Default::default(),
        },
    )
    .await;
    next(ws).await
}

/// Reads deltas until `reports` raw reports have arrived; checks every `seq` follows the last.
async fn collect(ws: &mut Ws, mut cursor: u64, reports: u64) -> (Vec<MetricUpdate>, u64) {
    let mut all = Vec::new();
    while all
        .iter()
        .map(|u: &MetricUpdate| u64::from(u.samples))
        .sum::<u64>()
        < reports
    {
        match next(ws).await {
            ServerMessage::Delta {
                cursor: delta_cursor,
                updates,
                ..
            } => {
                for u in &updates {
                    assert_eq!(u.seq, cursor + 1, "no gap, no duplicate");
                    cursor = u.seq;
                }
                assert_eq!(delta_cursor, cursor);
                all.extend(updates);
            }
            ServerMessage::Anomaly { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    (all, cursor)
}

fn batch(prefix: &str, n: usize) -> Vec<MetricUpdate> {
    let now = Utc::now();
    (0..n)
        .map(|i| report(&format!("{prefix}-{i}"), "gpt-4o", now, 2, 0.05))
        .collect()
}

#[actix_web::test]
async fn subscribed_clients_receive_every_update_as_deltas() {
    let app = spawn(&[]).await;
    let mut ws = connect(&app).await;
    let head = hello_cursor(&mut ws).await;
    assert_eq!(
        subscribe(&mut ws, Some(head), None).await,
        ServerMessage::Subscribed {
            cursor: head,
            tick_ms: 250
        }
    );
    for round in 0..5 {
        assert_eq!(app.ingest(&batch(&format!("acme{round}"), 30)).await.0, 200);
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
    let (updates, cursor) = collect(&mut ws, head, 150).await;
    assert_eq!(
        updates.iter().map(|u| u.metrics.total_calls).sum::<u64>(),
        300
    );
    assert_eq!(cursor, app.head());
}

#[actix_web::test]
async fn resuming_from_a_cursor_replays_what_was_missed() {
    let app = spawn(&[]).await;
    let start = app.head();
    assert_eq!(app.ingest(&batch("acme", 40)).await.0, 200);
    app.wait_for_reports(40).await;
    let mut ws = connect(&app).await;
    hello_cursor(&mut ws).await;
    assert_eq!(
        subscribe(&mut ws, Some(start), Some(1000)).await,
        ServerMessage::Subscribed {
            cursor: start,
            tick_ms: 1000
        }
    );
    let (replayed, cursor) = collect(&mut ws, start, 40).await;
    assert_eq!(replayed.len(), 40);
    // And it goes on live after the replay.
    assert_eq!(app.ingest(&batch("globex", 5)).await.0, 200);
    let (live, _) = collect(&mut ws, cursor, 5).await;
    assert!(live.iter().all(|u| u.tenant_id == "globex"));
}

#[actix_web::test]
async fn an_unservable_cursor_gets_resync_and_the_client_recovers_via_rest() {
    let app = spawn(&[]).await;
    let mut ws = connect(&app).await;
    hello_cursor(&mut ws).await;
    match subscribe(&mut ws, Some(1), None).await {
        ServerMessage::Resync { cursor, reason } => {
            assert_eq!(cursor, app.head());
            assert!(reason.contains("snapshot"));
        }
        other => panic!("expected resync, got {other:?}"),
    }
    // What a client does: reload a snapshot, subscribe from its cursor.
    assert_eq!(app.ingest(&batch("acme", 3)).await.0, 200);
    app.wait_for_reports(3).await;
    let (_, body) = app.get_json("/api/metrics/history?window=5m").await;
    let snapshot: HistoryResponse = serde_json::from_value(body).unwrap();
    let in_snapshot: u64 = snapshot.buckets.iter().map(|b| b.totals.total_calls).sum();
    assert_eq!(in_snapshot, 6);
    assert!(matches!(
        subscribe(&mut ws, Some(snapshot.cursor), None).await,
        ServerMessage::Subscribed { .. }
    ));
    assert_eq!(app.ingest(&batch("globex", 4)).await.0, 200);
    let (updates, _) = collect(&mut ws, snapshot.cursor, 4).await;
    assert!(
        updates.iter().all(|u| u.tenant_id == "globex"),
        "nothing counted twice"
    );
}

#[actix_web::test]
async fn bad_client_messages_get_errors_not_disconnects() {
    let app = spawn(&[]).await;
    let mut ws = connect(&app).await;
    hello_cursor(&mut ws).await;
    send(&mut ws, &ClientMessage::SetTick { tick_ms: 1000 }).await;
    assert!(matches!(next(&mut ws).await, ServerMessage::Error { .. }));
    match subscribe(&mut ws, None, Some(300)).await {
        ServerMessage::Error { error } => assert_eq!(error.field.as_deref(), Some("tickMs")),
        other => panic!("{other:?}"),
    }
    ws.send(Message::Text("{\"type\":\"launch\"}".into()))
        .await
        .unwrap();
    assert!(matches!(next(&mut ws).await, ServerMessage::Error { .. }));
    // Still usable.
    assert!(matches!(
        subscribe(&mut ws, None, None).await,
        ServerMessage::Subscribed { .. }
    ));
}

#[actix_web::test]
async fn anomaly_changes_are_pushed_to_subscribers() {
    let app = spawn(&[]).await;
    let mut ws = connect(&app).await;
    hello_cursor(&mut ws).await;
    subscribe(&mut ws, None, None).await;
    let (_, list) = app.get_json("/api/anomalies").await;
    assert_eq!(list["anomalies"].as_array().unwrap().len(), 0);
    let anomaly: protocol::Anomaly = serde_json::from_value(serde_json::json!({
        "id": "anm-000042", "entity": {"kind": "tenant", "id": "acme"}, "metric": "costRate",
        "severity": "warning", "score": 5.0, "startedAt": "2026-11-23T10:00:00Z",
        "updatedAt": "2026-11-23T10:00:00Z", "observed": 2.0, "expected": 1.0, "peak": 2.0,
        "trend": [], "cause": {"excessUsdPerHour": 1.0, "summary": "s", "contributors": []},
        "status": "open"
    }))
    .unwrap();
    app.state.book.write().upsert(anomaly);
    let (status, _) = app
        .post_json(
            "/api/anomalies/anm-000042/ack",
            &serde_json::json!({"reason": "on it"}),
        )
        .await;
    assert_eq!(status, 200);
    match next(&mut ws).await {
        ServerMessage::Anomaly { anomaly } => {
            assert_eq!(anomaly.id, "anm-000042");
            assert_eq!(anomaly.status, protocol::AnomalyStatus::Acknowledged);
        }
        other => panic!("{other:?}"),
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}

#[actix_web::test]
async fn a_client_that_never_reads_is_dropped_without_delaying_others() {
    let app = spawn(&["--ws-send-timeout-ms", "1000"]).await;

    // The stalled client subscribes, then never reads again.
    let mut stalled = connect(&app).await;
    let head = hello_cursor(&mut stalled).await;
    subscribe(&mut stalled, Some(head), None).await;
    let mut healthy = connect(&app).await;
    hello_cursor(&mut healthy).await;
    subscribe(&mut healthy, Some(head), None).await;

    // Push far more than the session's 32-message channel and the socket
    // buffers hold: ~3,000 distinct series (~0.9 MB) a frame, 60 frames.
    let rss_before = rss_kib();
    let mut cursor = head;
    let mut total = 0u64;
    let mut received = 0u64;
    for round in 0..60 {
        let updates = batch(&format!("t{round}"), 3_000);
        total += updates.len() as u64;
        assert_eq!(app.ingest(&updates).await.0, 200);
        // The healthy client keeps up throughout.
        let (got, next_cursor) = collect(&mut healthy, cursor, total - received).await;
        received += got.iter().map(|u| u64::from(u.samples)).sum::<u64>();
        cursor = next_cursor;
    }
    assert_eq!(received, total);

    // The stalled one was disconnected for its send timeout…
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let text = app.get("/metrics").await.text().await.unwrap();
        if text.contains("finops_ws_disconnects_total{reason=\"send_timeout\"} 1") {
            assert!(text.contains("finops_ws_sessions 1"), "{text}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "stalled client not dropped:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // …and what it cost stays bounded (≈55 MB of deltas were sent its way).

    let grown_mib = rss_kib().saturating_sub(rss_before) / 1024;
    assert!(grown_mib < 150, "RSS grew {grown_mib} MiB");
    drop(stalled);
}

#[actix_web::test]
async fn a_silent_client_is_disconnected_by_the_heartbeat() {
    let app = spawn(&["--ws-ping-ms", "200", "--ws-client-timeout-ms", "1000"]).await;
    let mut ws = connect(&app).await;
    hello_cursor(&mut ws).await;
    // Not reading means not answering pings either.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains("finops_ws_disconnects_total{reason=\"heartbeat_timeout\"} 1"),
        "{text}"
    );
}

#[actix_web::test]
async fn shutdown_closes_sessions_with_going_away() {
    let app = spawn(&[]).await;
    let mut ws = connect(&app).await;
    hello_cursor(&mut ws).await;
    subscribe(&mut ws, None, None).await;
    assert_eq!(app.state.sessions.len(), 1, "the session task is tracked");
    let stopper = app.stopper.clone();
    let stopped = actix_web::rt::spawn(async move { stopper.stop().await });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("closed in time");
        match frame {
            Some(Ok(Message::Close(Some(close)))) => {
                assert_eq!(u16::from(close.code), 1001);
                break;
            }
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
    drop(ws);
    tokio::time::timeout(Duration::from_secs(10), stopped)
        .await
        .expect("stop returns")
        .unwrap();
    assert!(
        app.state.sessions.is_empty(),
        "stop waited for the session to end"
    );
}
