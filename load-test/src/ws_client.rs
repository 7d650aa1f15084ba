//! One WebSocket dashboard client: subscribes, reads every delta, measures
//! latencies, and reconnects from its cursor if the connection drops. With
//! a view (`subscribeView`) it follows the view's versions instead, and
//! keeps the view's totals for the end-of-run check.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use protocol::{ClientMessage, ServerMessage, ViewEncoding, ViewSpec};
use tokio::sync::OwnedSemaphorePermit;
use tokio_tungstenite::tungstenite::Message;

use tokio_util::sync::CancellationToken;

use crate::reports::is_ours;
use crate::scan;
use crate::stats::{Counters, Received, latency_histogram, record};
use crate::view_check::{PartBytes, Step, ViewFollow};

pub struct Latencies {
    /// Server sealed the frame (a view: computed it) → this client parsed it.
    pub delivery: Histogram<u64>,
    /// Newest report in an update was created → this client parsed it.
    pub event: Histogram<u64>,
    /// With a view: how this client followed it.
    pub view: Option<ViewFollow>,
    /// With a view, the client that measures them: bytes by part of the
    /// full messages and of the changes.
    pub parts: Option<(PartBytes, PartBytes)>,
}

/// Who the client is and how it listens.
pub struct WsClient {
    pub id: usize,
    pub url: String,
    /// Sent as `Authorization` on the upgrade.
    pub token: Option<crate::args::Token>,
    pub tick_ms: u32,
    /// Parse every delta fully (and measure report-to-client latency), or scan it.
    pub full_parse: bool,
    /// Sent in every `subscribe`: the server then sends only what it admits.
    pub filter: protocol::Filter,
    /// Watch this view (`subscribeView`, its filter `filter`) instead of the raw stream.
    pub view: Option<ViewSpec>,
    /// How the view's messages come (deflated binary frames or text).
    pub view_encoding: ViewEncoding,
    /// Break the view's messages down by part (one client does).
    pub measure_parts: bool,
    /// Write the first [`CAPTURE`] messages here, one a line (one client does).
    pub capture: Option<std::path::PathBuf>,
}

/// Messages `--ws-capture` keeps.
const CAPTURE: usize = 40;

pub async fn run(
    me: WsClient,
    counters: Arc<Counters>,
    received: Received,
    stop: CancellationToken,
    first_connect: OwnedSemaphorePermit,
) -> Latencies {
    let WsClient {
        id,
        url,
        token,
        tick_ms,
        full_parse,
        filter,
        view,
        view_encoding,
        measure_parts,
        capture,
    } = me;
    let mut capture = capture.and_then(|path| {
        std::fs::File::create(&path)
            .map_err(|e| eprintln!("load-test: cannot write {}: {e}", path.display()))
            .ok()
            .map(|f| (std::io::BufWriter::new(f), 0usize))
    });
    // Released once the first handshake is done, so the next client may start.
    let mut first_connect = Some(first_connect);

    let mut lat = Latencies {
        delivery: latency_histogram(),
        event: latency_histogram(),
        view: view.as_ref().map(|_| ViewFollow::default()),
        parts: measure_parts.then(Default::default),
    };
    let mut cursor: Option<u64> = None;
    let mut connected_once = false;
    while !stop.is_cancelled() {
        let connect = tokio::time::timeout(
            Duration::from_secs(10),
            tokio_tungstenite::connect_async(upgrade_request(&url, token.as_ref())),
        )
        .await;
        drop(first_connect.take());

        let mut ws = match connect {
            Ok(Ok((ws, _))) => ws,
            _ => {
                Counters::add(&counters.ws_connect_errors, 1);
                if !connected_once {
                    return lat;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if connected_once {
            Counters::add(&counters.ws_reconnects, 1);
        } else {
            connected_once = true;
            Counters::add(&counters.ws_connected, 1);
        }
        loop {
            let frame = tokio::select! {
                _ = stop.cancelled() => {
                    let _ = ws.close(None).await;
                    return lat;
                }
                frame = ws.next() => frame,
            };
            let inflated;
            // What the message says, and its size on the wire.
            let (text, wire) = match &frame {
                Some(Ok(Message::Text(text))) => (text.as_str(), text.len()),
                Some(Ok(Message::Binary(bytes))) => match inflate(bytes) {
                    Some(text) => {
                        inflated = text;
                        (inflated.as_str(), bytes.len())
                    }
                    None => continue,
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => continue,
            };
            let now = Utc::now();
            Counters::add(&counters.ws_messages, 1);
            Counters::add(&counters.ws_bytes, wire as u64);
            if let Some((file, n)) = capture.as_mut() {
                use std::io::Write;
                let _ = writeln!(file, "{text}");
                *n += 1;
                if *n == CAPTURE {
                    let _ = file.flush();
                    capture = None;
                }
            }
            if !full_parse
                && let Some(follow) = lat.view.as_mut()
                && let Some(v) = scan::view(text)
            {
                record(
                    &mut lat.delivery,
                    (now - v.at).num_microseconds().unwrap_or(0),
                );
                if v.full {
                    Counters::add(&counters.ws_view_full_bytes, wire as u64);
                }
                if view_step(follow.version(v.version, v.full), &counters)
                    && !send(
                        &mut ws,
                        &subscribe_view(view.as_ref(), &filter, view_encoding),
                    )
                    .await
                {
                    break;
                }
                continue;
            }
            if !full_parse && let Some(d) = scan::delta(text) {
                record(
                    &mut lat.delivery,
                    (now - d.sealed_at).num_microseconds().unwrap_or(0),
                );
                Counters::add(&counters.ws_updates, d.updates);
                received[id].fetch_add(d.our_samples, std::sync::atomic::Ordering::Relaxed);
                cursor = Some(d.cursor);
                continue;
            }
            // `from_json` (the web client's decoder) does not know `view`
            // messages yet; serde's derived decoder does.
            let Ok(message) = ServerMessage::from_json(text)
                .or_else(|_| serde_json::from_str::<ServerMessage>(text))
            else {
                continue;
            };
            match message {
                ServerMessage::Hello { .. } if view.is_some() => {
                    if !send(
                        &mut ws,
                        &subscribe_view(view.as_ref(), &filter, view_encoding),
                    )
                    .await
                    {
                        break;
                    }
                }
                ServerMessage::View { view: update } => {
                    let Some(follow) = lat.view.as_mut() else {
                        continue;
                    };
                    record(
                        &mut lat.delivery,
                        (now - update.at).num_microseconds().unwrap_or(0),
                    );
                    if update.full {
                        Counters::add(&counters.ws_view_full_bytes, wire as u64);
                    }
                    if let Some((full, deltas)) = lat.parts.as_mut() {
                        let p = PartBytes::of(&update, text.len());
                        if update.full { full } else { deltas }.add(&p);
                    }
                    let step = follow.apply(&update);
                    if let Some(t) = follow.totals {
                        received[id].store(t.total_calls, std::sync::atomic::Ordering::Relaxed);
                    }
                    if view_step(step, &counters)
                        && !send(
                            &mut ws,
                            &subscribe_view(view.as_ref(), &filter, view_encoding),
                        )
                        .await
                    {
                        break;
                    }
                }
                ServerMessage::Hello { cursor: head, .. } => {
                    let subscribe = ClientMessage::Subscribe {
                        cursor: Some(cursor.unwrap_or(head)),
                        tick_ms: Some(tick_ms),
                        filter: filter.clone(),
                    };
                    let Ok(text) = serde_json::to_string(&subscribe) else {
                        break;
                    };
                    if ws.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                ServerMessage::Subscribed { cursor: from, .. } => cursor = Some(from),
                ServerMessage::Delta {
                    cursor: to,
                    sealed_at,
                    updates,
                    ..
                } => {
                    record(
                        &mut lat.delivery,
                        (now - sealed_at).num_microseconds().unwrap_or(0),
                    );
                    let mut ours = 0u64;
                    for u in &updates {
                        if !filter.admits_names(&u.tenant_id, &u.customer_id, &u.model) {
                            Counters::add(&counters.ws_outside_filter, 1);
                        }
                        if is_ours(u) {
                            ours += u64::from(u.samples);
                            record(
                                &mut lat.event,
                                (now - u.timestamp).num_microseconds().unwrap_or(0),
                            );
                        }
                    }
                    Counters::add(&counters.ws_updates, updates.len() as u64);
                    received[id].fetch_add(ours, std::sync::atomic::Ordering::Relaxed);
                    cursor = Some(to);
                }
                ServerMessage::Resync { cursor: head, .. } => {
                    // Updates between our cursor and `head` are lost to this client.
                    Counters::add(&counters.ws_resyncs, 1);
                    cursor = Some(head);
                    let subscribe = ClientMessage::Subscribe {
                        cursor,
                        tick_ms: Some(tick_ms),
                        filter: filter.clone(),
                    };
                    let Ok(text) = serde_json::to_string(&subscribe) else {
                        break;
                    };
                    if ws.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                ServerMessage::Anomaly { .. }
                | ServerMessage::Heartbeat { .. }
                | ServerMessage::Error { .. } => {}
            }
        }
    }
    lat
}

/// Counts a view message's step; true when it skipped a version (the
/// client then subscribes again, as the protocol says, and is sent it in full).
fn view_step(step: Step, counters: &Counters) -> bool {
    match step {
        Step::Full => Counters::add(&counters.ws_view_fulls, 1),
        Step::Next => Counters::add(&counters.ws_view_deltas, 1),
        Step::Gap { .. } => {
            Counters::add(&counters.ws_view_deltas, 1);
            Counters::add(&counters.ws_view_gaps, 1);
        }
    }
    matches!(step, Step::Gap { .. })
}

fn subscribe_view(
    view: Option<&ViewSpec>,
    filter: &protocol::Filter,
    encoding: ViewEncoding,
) -> ClientMessage {
    let mut spec = view.cloned().unwrap_or_default();
    spec.filter = filter.clone();
    ClientMessage::SubscribeView {
        view: spec,
        encoding,
    }
}

/// A deflated `view` message's text (`subscribeView.encoding = deflate`).
fn inflate(bytes: &[u8]) -> Option<String> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::DeflateDecoder::new(bytes)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// Sends `message`; false when the connection is gone.
async fn send<S>(ws: &mut S, message: &ClientMessage) -> bool
where
    S: futures_util::Sink<Message> + Unpin,
{
    match serde_json::to_string(message) {
        Ok(text) => ws.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

/// The upgrade request, with the token when there is one.
fn upgrade_request(
    url: &str,
    token: Option<&crate::args::Token>,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    // An unusable URL fails the same way when connecting.
    let mut request = url.into_client_request().unwrap_or_default();
    if let Some(value) = token.and_then(|t| t.header().parse().ok()) {
        request.headers_mut().insert("authorization", value);
    }
    request
}
