//! The WebSocket with tokens, while the simulator runs all seven tenants: a
//! viewer scoped to one tenant never receives another tenant's update or
//! anomaly, its deltas still chain, and a browser's subprotocol token works.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use protocol::ws::{SUBPROTOCOL, bearer_subprotocol};
use protocol::{ClientMessage, EntityKind, EntityRef, ServerMessage};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::access::{ACME_VIEWER, ADMIN, tokens_toml};
use crate::helpers::{TestApp, anomaly, customer_entity, spawn_with, tokens_file};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn connect(
    app: &TestApp,
    header: (&'static str, String),
) -> Result<(Ws, Option<String>), WsError> {
    let mut request = format!("ws://127.0.0.1:{}/ws", app.port)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert(header.0, header.1.parse().unwrap());
    let (ws, response) = tokio_tungstenite::connect_async(request).await?;
    let protocol = response
        .headers()
        .get("sec-websocket-protocol")
        .map(|v| v.to_str().unwrap().to_string());
    Ok((ws, protocol))
}

async fn next(ws: &mut Ws) -> Option<ServerMessage> {
    let frame = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .ok()??
        .ok()?;
    match frame {
        Message::Text(text) => serde_json::from_str(text.as_str()).ok(),
        _ => None,
    }
}

async fn subscribed(ws: &mut Ws) -> u64 {
    assert!(matches!(next(ws).await, Some(ServerMessage::Hello { .. })));
    let subscribe = serde_json::to_string(&ClientMessage::Subscribe {
        cursor: None,
        tick_ms: None,
        filter: Default::default(),
    })
    .unwrap();
    ws.send(Message::Text(subscribe.into())).await.unwrap();
    loop {
        match next(ws).await {
            Some(ServerMessage::Subscribed { cursor, .. }) => return cursor,
            Some(_) => continue,
            None => panic!("no subscribed"),
        }
    }
}

/// Everything a session receives for `secs`: tenants of updates, anomaly ids,
/// and whether every delta continued from the one before.
async fn watch(ws: &mut Ws, mut cursor: u64, secs: u64) -> (BTreeSet<String>, Vec<String>, u64) {
    let mut tenants = BTreeSet::new();
    let mut anomalies = Vec::new();
    let mut updates = 0;
    let until = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < until {
        match next(ws).await {
            Some(ServerMessage::Delta {
                cursor: to,
                after,
                updates: batch,
                ..
            }) => {
                assert_eq!(after, cursor, "each delta continues from the last");
                assert!(batch.iter().all(|u| u.seq > after && u.seq <= to));
                cursor = to;
                updates += batch.len() as u64;
                tenants.extend(batch.into_iter().map(|u| u.tenant_id));
            }
            Some(ServerMessage::Anomaly { anomaly }) => anomalies.push(anomaly.id),
            _ => {}
        }
    }
    (tenants, anomalies, updates)
}

#[actix_web::test]
async fn a_scoped_viewer_never_receives_another_tenants_data() {
    let file = tokens_file(&tokens_toml());
    let path = file.path().to_string_lossy().to_string();
    let app = spawn_with(&[
        "--tokens-file",
        &path,
        "--rate",
        "2000",
        "--seed",
        "11",
        "--incident-every",
        "0",
    ])
    .await;

    let bearer = |t: &str| ("authorization", format!("Bearer {t}"));
    let (mut viewer, _) = connect(&app, bearer(ACME_VIEWER)).await.unwrap();
    let (mut admin, _) = connect(&app, bearer(ADMIN)).await.unwrap();
    let viewer_from = subscribed(&mut viewer).await;
    let admin_from = subscribed(&mut admin).await;

    // Anomalies of three scopes, published the way the detector does.
    let model = EntityRef {
        kind: EntityKind::Model,
        id: "gpt-4o".into(),
        tenant_id: None,
    };
    for (id, entity) in [
        ("anm-globex", customer_entity("globex", "globex-3")),
        ("anm-model", model),
        ("anm-acme", customer_entity("acme", "acme-3")),
    ] {
        let stored = app.state.book.write().upsert(anomaly(id, entity, 1));
        app.state.hub.publish_anomaly(&stored);
    }

    let (viewer_result, admin_result) = tokio::join!(
        watch(&mut viewer, viewer_from, 4),
        watch(&mut admin, admin_from, 4)
    );
    let (tenants, anomalies, updates) = viewer_result;
    assert!(updates > 0, "the acme viewer received acme's updates");
    assert_eq!(tenants, BTreeSet::from(["acme".to_string()]));
    assert_eq!(anomalies, ["anm-acme"]);
    let (all_tenants, all_anomalies, _) = admin_result;
    assert_eq!(
        all_tenants.len(),
        7,
        "the simulator ran all seven: {all_tenants:?}"
    );
    assert_eq!(all_anomalies.len(), 3);
}

#[actix_web::test]
async fn a_browser_offers_its_token_as_a_subprotocol() {
    let file = tokens_file(&tokens_toml());
    let path = file.path().to_string_lossy().to_string();
    let app = spawn_with(&["--tokens-file", &path, "--no-simulator"]).await;
    let offered = format!("{SUBPROTOCOL}, {}", bearer_subprotocol(ACME_VIEWER));
    let (mut ws, protocol) = connect(&app, ("sec-websocket-protocol", offered))
        .await
        .unwrap();
    assert_eq!(
        protocol.as_deref(),
        Some(SUBPROTOCOL),
        "the token is not echoed"
    );
    assert!(matches!(
        next(&mut ws).await,
        Some(ServerMessage::Hello { .. })
    ));

    match connect(&app, ("sec-websocket-protocol", SUBPROTOCOL.to_string())).await {
        Err(WsError::Http(response)) => assert_eq!(response.status().as_u16(), 401),
        other => panic!("expected 401, got {:?}", other.map(|(_, p)| p)),
    }
    let wrong = format!("{SUBPROTOCOL}, {}", bearer_subprotocol("guess"));
    match connect(&app, ("sec-websocket-protocol", wrong)).await {
        Err(WsError::Http(response)) => assert_eq!(response.status().as_u16(), 401),
        other => panic!("expected 401, got {:?}", other.map(|(_, p)| p)),
    }
}
