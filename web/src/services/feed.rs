//! The data connection: WebSocket first, REST polling when the socket cannot
//! connect or keeps failing (and in a hidden tab), snapshots over REST when a
//! sub-store is missing, backoff with jitter on every failure.
//!
//! One task owns the whole sequence, so there is never more than one
//! transport feeding the store, and the position it resumes from is always
//! the store's. It is woken by [`wake`] when settings, visibility or the
//! network change, or when the frame flush found a gap.

use std::cell::RefCell;
use std::pin::pin;
use std::time::Duration;

use dioxus::prelude::*;
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::future::{Either, select};
use futures_util::{SinkExt, StreamExt};
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use protocol::{ClientMessage, ServerMessage};

use super::api::{self, ApiError};
use super::{anomalies, browser, clock, frame, instrumentation};
use crate::logic::connection::{LinkState, Transport};
use crate::logic::store::Part;
use crate::logic::transport_policy::{
    AfterSocketFailure, SOCKET_HEALTHY_AFTER, TransportPolicy, next_poll_delay,
};
use crate::state::{LINK, SETTINGS, STORE};

/// Why the feed task is woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Pause, interval or window changed.
    Settings,
    /// The tab was hidden or shown.
    Visibility,
    /// The browser went on- or offline.
    Network,
    /// A sub-store must be reloaded (gap found, window changed).
    Reload,
}

/// Updates per poll; the server's maximum is 10 000.
const POLL_LIMIT: usize = 5_000;
/// Without any message for this long (heartbeats come after 5 s), the socket is dead.
const SOCKET_SILENCE: Duration = Duration::from_secs(15);
/// Anomalies are refreshed this often while polling (the socket pushes them).
const ANOMALY_REFRESH_MS: f64 = 10_000.0;

thread_local! {
    static FEED: RefCell<Option<UnboundedSender<Wake>>> = const { RefCell::new(None) };
}

/// Wakes the feed task (no-op when it is not running).
pub fn wake(reason: Wake) {
    FEED.with(|f| {
        if let Some(tx) = f.borrow().as_ref() {
            let _ = tx.unbounded_send(reason);
        }
    });
}

struct Unregister;

impl Drop for Unregister {
    fn drop(&mut self) {
        FEED.with(|f| f.borrow_mut().take());
    }
}

fn set_state(state: LinkState) {
    if LINK.peek().state != state {
        LINK.write().state = state;
        frame::publish();
    }
}

fn contact() {
    LINK.write().last_contact_ms = Some(clock::now_ms());
}

/// Sleeps for `delay` unless woken first; returns the wake reason if woken.
async fn wait(rx: &mut UnboundedReceiver<Wake>, delay: Duration) -> Option<Wake> {
    let sleep = pin!(gloo_timers::future::sleep(delay));
    match select(sleep, rx.next()).await {
        Either::Left(_) => None,
        Either::Right((wake, _)) => wake,
    }
}

/// How a socket session ended.
enum SocketEnd {
    /// Settings, visibility or a reload need the loop's attention.
    Woken(Wake),
    /// The server cannot serve our position: reload snapshots.
    Resync,
    /// Failed to open, or closed; `healthy` if it had worked for a while.
    Failed { healthy: bool },
}

/// The feed task. Spawned by the app root; dropping it closes the socket and
/// cancels every timer.
pub async fn run() {
    let (tx, mut rx) = unbounded();
    FEED.with(|f| *f.borrow_mut() = Some(tx));
    let _unregister = Unregister;

    let mut policy = TransportPolicy::default();
    // The transport's position: the seq after which it asks for updates.
    let mut position: Option<u64> = None;
    let mut catch_up = false;
    let mut last_anomaly_refresh = f64::NEG_INFINITY;

    loop {
        if !browser::is_online() {
            set_state(LinkState::Offline);
            wait(&mut rx, Duration::from_secs(5)).await;
            continue;
        }
        if SETTINGS.peek().paused {
            set_state(LinkState::Paused);
            // Nothing flows while paused; resuming continues from `position`.
            rx.next().await;
            continue;
        }

        let window = SETTINGS.peek().window();
        let missing = STORE.peek().missing(window);
        if !missing.is_empty() {
            if LINK.peek().last_contact_ms.is_none() {
                set_state(LinkState::Connecting(Transport::Polling));
            }
            match load_snapshots(&missing).await {
                Ok(()) => {
                    policy.poll_backoff.reset();
                    position = STORE.peek().resume_cursor();
                }
                Err(e) => {
                    retry_after_error(&mut rx, &mut policy, &e).await;
                    continue;
                }
            }
        }
        let Some(cursor) = position.or_else(|| STORE.peek().resume_cursor()) else {
            continue;
        };

        let visible = browser::is_visible();
        let transport = if catch_up {
            Transport::Polling
        } else {
            policy.choose(clock::now_ms(), visible)
        };
        if transport == Transport::Polling
            && clock::now_ms() - last_anomaly_refresh > ANOMALY_REFRESH_MS
        {
            last_anomaly_refresh = clock::now_ms();
            anomalies::refresh().await;
        }

        match transport {
            Transport::Polling => match poll(cursor).await {
                Ok((next, has_more, next_poll_after)) => {
                    position = Some(next);
                    policy.poll_backoff.reset();
                    if catch_up && !has_more {
                        // Caught up over REST after the tab came back: reopen the socket.
                        catch_up = false;
                        continue;
                    }
                    let secs = SETTINGS.peek().poll_secs;
                    set_state(LinkState::Polling { every_secs: secs });
                    let delay = next_poll_delay(secs, next_poll_after, has_more, visible);
                    if let Some(reason) = wait(&mut rx, delay).await {
                        on_wake(reason, &mut policy, &mut catch_up);
                    }
                }
                Err(e) if e.is_cursor_expired() => {
                    STORE.write().reset();
                    position = None;
                }
                Err(e) => retry_after_error(&mut rx, &mut policy, &e).await,
            },
            Transport::Socket => {
                last_anomaly_refresh = clock::now_ms();
                anomalies::refresh().await;
                match socket_session(&mut rx, cursor, &mut position).await {
                    SocketEnd::Woken(reason) => on_wake(reason, &mut policy, &mut catch_up),
                    SocketEnd::Resync => {
                        STORE.write().reset();
                        position = None;
                    }
                    SocketEnd::Failed { healthy } => {
                        if healthy {
                            policy.socket_healthy();
                        }
                        match policy.socket_failed(clock::now_ms(), browser::random()) {
                            AfterSocketFailure::Reconnect(delay) => {
                                set_state(LinkState::Retrying {
                                    transport: Transport::Socket,
                                    at_ms: clock::now_ms() + delay.as_millis() as f64,
                                    attempt: policy.socket_attempt(),
                                });
                                if let Some(reason) = wait(&mut rx, delay).await {
                                    on_wake(reason, &mut policy, &mut catch_up);
                                }
                            }
                            // Poll at once; the policy retries the socket later.
                            AfterSocketFailure::FallBack { .. } => {}
                        }
                    }
                }
            }
        }
    }
}

fn on_wake(reason: Wake, policy: &mut TransportPolicy, catch_up: &mut bool) {
    if reason == Wake::Visibility && browser::is_visible() {
        policy.visible_again();
        *catch_up = true;
    }
}

/// Shows "retrying in N s (attempt k)" and waits, or stops at an error that retrying cannot fix.
async fn retry_after_error(
    rx: &mut UnboundedReceiver<Wake>,
    policy: &mut TransportPolicy,
    error: &ApiError,
) {
    if !error.is_transient() {
        set_state(LinkState::Error(error.to_string()));
        // Try again much later (a deploy may fix it), or when something changes.
        wait(rx, Duration::from_secs(60)).await;
        return;
    }
    let delay = policy.poll_backoff.fail(browser::random());
    set_state(LinkState::Retrying {
        transport: Transport::Polling,
        at_ms: clock::now_ms() + delay.as_millis() as f64,
        attempt: policy.poll_backoff.attempt(),
    });
    wait(rx, delay).await;
}

async fn load_snapshots(parts: &[Part]) -> Result<(), ApiError> {
    // Apply what is queued first, so the snapshot never lands under older updates.
    frame::flush(false);
    for part in parts {
        let history = match part {
            Part::Fine => {
                let now = clock::server_now();
                let from = now - chrono::TimeDelta::seconds(part.span().as_secs() as i64);
                api::history(from, now, Some(part.step().as_secs())).await?
            }
            Part::Window(w) => api::history_window(*w).await?,
        };
        clock::observe_server_time(history.to);
        contact();
        instrumentation::count(|c| c.snapshots += 1);
        STORE.write().install(*part, history);
    }
    frame::flush(false);
    Ok(())
}

/// One poll: returns (new position, has more, server's requested delay).
async fn poll(cursor: u64) -> Result<(u64, bool, u64), ApiError> {
    let hidden = !browser::is_visible();
    instrumentation::count(|c| {
        c.polls += 1;
        c.hidden_polls += u64::from(hidden);
    });
    let response = api::metrics_after(cursor, POLL_LIMIT).await?;
    clock::observe_server_time(response.server_time);
    contact();
    let next = response.cursor.max(cursor);
    if !response.metrics.is_empty() {
        frame::deliver(response.metrics);
    } else {
        frame::publish();
    }
    Ok((next, response.has_more, response.next_poll_after))
}

async fn socket_session(
    rx: &mut UnboundedReceiver<Wake>,
    cursor: u64,
    position: &mut Option<u64>,
) -> SocketEnd {
    set_state(LinkState::Connecting(Transport::Socket));
    let Some(url) = browser::socket_url() else {
        return SocketEnd::Failed { healthy: false };
    };
    let Ok(socket) = WebSocket::open(&url) else {
        return SocketEnd::Failed { healthy: false };
    };
    let (mut write, mut read) = socket.split();
    let subscribe = ClientMessage::Subscribe {
        cursor: Some(cursor),
        tick_ms: None,
    };
    let Ok(text) = serde_json::to_string(&subscribe) else {
        return SocketEnd::Failed { healthy: false };
    };
    // Sending waits for the socket to open; a blocked socket fails here.
    if write.send(Message::Text(text)).await.is_err() {
        return SocketEnd::Failed { healthy: false };
    }
    let opened_at = clock::now_ms();
    let healthy = || clock::now_ms() - opened_at >= SOCKET_HEALTHY_AFTER.as_millis() as f64;

    loop {
        let next = {
            let silence = pin!(gloo_timers::future::sleep(SOCKET_SILENCE));
            match select(select(read.next(), rx.next()), silence).await {
                Either::Left((Either::Left((message, _)), _)) => Either::Left(message),
                Either::Left((Either::Right((wake, _)), _)) => Either::Right(wake),
                Either::Right(_) => return SocketEnd::Failed { healthy: healthy() },
            }
        };
        let text = match next {
            Either::Right(Some(Wake::Settings)) => {
                // The interval does not matter to a socket; pause and a new window do.
                let settings = SETTINGS.peek();
                if settings.paused || !STORE.peek().missing(settings.window()).is_empty() {
                    return SocketEnd::Woken(Wake::Settings);
                }
                continue;
            }
            Either::Right(Some(reason)) => return SocketEnd::Woken(reason),
            Either::Right(None) => return SocketEnd::Woken(Wake::Settings),
            Either::Left(Some(Ok(Message::Text(text)))) => text,
            Either::Left(Some(Ok(Message::Bytes(_)))) => continue,
            Either::Left(Some(Err(_)) | None) => return SocketEnd::Failed { healthy: healthy() },
        };
        instrumentation::count(|c| c.socket_messages += 1);
        let parsed = instrumentation::measured("finops:decode", || ServerMessage::from_json(&text));
        let Ok(message) = parsed else {
            // An unknown message type from a newer server is not fatal.
            continue;
        };
        match message {
            ServerMessage::Hello { server_time, .. } => {
                // The first message proves the socket opened.
                instrumentation::count(|c| c.socket_opens += 1);
                clock::observe_server_time(server_time);
                contact();
            }
            ServerMessage::Subscribed { .. } => {
                contact();
                set_state(LinkState::Streaming);
            }
            ServerMessage::Delta {
                cursor, updates, ..
            } => {
                contact();
                *position = Some(cursor);
                frame::deliver(updates);
            }
            ServerMessage::Anomaly { anomaly } => {
                contact();
                anomalies::upsert(anomaly);
            }
            ServerMessage::Heartbeat { server_time, .. } => {
                clock::observe_server_time(server_time);
                contact();
                frame::publish();
            }
            ServerMessage::Resync { .. } => return SocketEnd::Resync,
            ServerMessage::Error { error } => {
                set_state(LinkState::Error(error.message));
                return SocketEnd::Failed { healthy: healthy() };
            }
        }
    }
}
