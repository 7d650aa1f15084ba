//! The data connection: the server-side live view (`protocol::view`) over
//! the WebSocket first, REST polling of the same view when the socket cannot
//! connect or keeps failing (and in a hidden tab), the view in full over
//! REST when the store lacks it, backoff with jitter on every failure.
//!
//! The decisions are [`FeedMachine`]'s (`logic/feed_machine.rs`, unit-tested);
//! this is its shell: it performs each action (sleep, load, poll, open or
//! read the socket), applies what the responses carry to the store and the
//! anomaly book, and reports the outcome back as the next event.
//!
//! [`run`] is a task of the app root, so Dioxus ends it (closing the socket
//! and cancelling every timer) when the root unmounts. It is the one owner
//! of the connection: nothing calls into it; settings, visibility and
//! network changes, and the frame flush when it finds a gap, send a [`Wake`]
//! on the channel whose receiver it holds.

use std::pin::pin;
use std::time::Duration;

use dioxus::prelude::*;
use futures_channel::mpsc::UnboundedReceiver;
use futures_util::future::{Either, select};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use protocol::ws::{SUBPROTOCOL, bearer_subprotocol};
use protocol::{ClientMessage, ServerMessage, ViewEncoding, ViewSpec, ViewUpdate};

use super::api::{self, ApiError};
use super::frame::{self, Frame};
use super::{access, anomalies, browser, clock, inflate, instrumentation};
use crate::logic::connection::LinkState;
use crate::logic::feed_machine::{
    Action, Effect, Event, Failure, FeedMachine, SocketEvent, Wake, World,
};
use crate::state::{LINK, SETTINGS, STORE};

/// The feed task: runs the machine until the root unmounts. `wakes` is its
/// inbox; `frame` takes the updates.
pub async fn run(mut wakes: UnboundedReceiver<Wake>, frame: Frame) {
    let mut machine = FeedMachine::default();
    let mut socket: Option<Socket> = None;
    let mut step = machine.start(&Browser);
    loop {
        for effect in step.effects {
            match effect {
                Effect::Show(state) => set_state(state),
                Effect::CloseSocket => socket = None,
            }
        }
        let event = match step.action {
            Action::Wait(delay) => match wait(&mut wakes, delay).await {
                Some(event) => event,
                // Nobody can wake it any more: the root is gone.
                None => return,
            },
            Action::LoadView => match load_view(frame).await {
                Ok(()) => Event::ViewLoaded,
                Err(e) => Event::ViewFailed(failure(&e)),
            },
            Action::RefreshAnomalies => {
                anomalies::refresh().await;
                Event::AnomaliesRefreshed
            }
            Action::Poll { cursor } => match poll(cursor, frame).await {
                Ok(event) => event,
                Err(e) => Event::PollFailed(failure(&e)),
            },
            Action::ResetStore => {
                STORE.write().reset();
                Event::StoreReset
            }
            Action::OpenSocket => {
                socket = open_socket().await;
                Event::Socket(if socket.is_some() {
                    SocketEvent::Opened
                } else {
                    SocketEvent::Closed
                })
            }
            Action::ReadSocket { silence } => match socket.as_mut() {
                Some(socket) => match read_socket(socket, &mut wakes, silence, frame).await {
                    Some(event) => event,
                    None => return,
                },
                None => Event::Socket(SocketEvent::Closed),
            },
        };
        step = machine.on(event, &Browser);
    }
}

/// The world as the browser and the signals show it.
struct Browser;

impl World for Browser {
    fn now_ms(&self) -> f64 {
        clock::now_ms()
    }
    fn online(&self) -> bool {
        browser::is_online()
    }
    fn visible(&self) -> bool {
        browser::is_visible()
    }
    fn paused(&self) -> bool {
        SETTINGS.peek().paused
    }
    fn poll_secs(&self) -> u32 {
        SETTINGS.peek().poll_secs
    }
    fn missing(&self) -> bool {
        STORE.peek().missing(&spec())
    }
    fn resume_cursor(&self) -> Option<u64> {
        STORE.peek().version()
    }
    fn has_contact(&self) -> bool {
        LINK.peek().last_contact_ms.is_some()
    }
    fn random(&self) -> f64 {
        browser::random()
    }
}

fn failure(error: &ApiError) -> Failure {
    if error.is_refused() {
        Failure::Unauthorized
    } else if error.is_transient() {
        Failure::Transient
    } else {
        Failure::Fatal(error.to_string())
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

/// Sleeps for `delay` (until woken when `None`) unless woken first; `None`
/// when the channel has closed.
async fn wait(wakes: &mut UnboundedReceiver<Wake>, delay: Option<Duration>) -> Option<Event> {
    let Some(delay) = delay else {
        return wakes.next().await.map(Event::Woken);
    };
    let sleep = pin!(gloo_timers::future::sleep(delay));
    match select(sleep, wakes.next()).await {
        Either::Left(_) => Some(Event::TimerFired),
        Either::Right((wake, _)) => wake.map(Event::Woken),
    }
}

/// The view the settings select: the window and the filter, the default top-N.
fn spec() -> ViewSpec {
    let settings = SETTINGS.peek();
    ViewSpec {
        window: settings.window(),
        filter: settings.filter.clone(),
        customers: None,
    }
}

/// Notes the server's clock and that it answered.
fn heard(update: &ViewUpdate) {
    clock::observe_server_time(update.at);
    contact();
}

async fn load_view(frame: Frame) -> Result<(), ApiError> {
    // Apply what is queued first, so the full view never lands under older changes.
    frame.flush(false);
    let spec = spec();
    let response = api::view(spec.window, None).await?;
    if let Some(last) = response.updates.last() {
        heard(last);
    }
    instrumentation::count(|c| c.snapshots += 1);
    frame.deliver(spec, response.updates);
    frame.flush(false);
    Ok(())
}

/// One poll, answered as [`Event::Polled`].
async fn poll(version: u64, frame: Frame) -> Result<Event, ApiError> {
    let hidden = !browser::is_visible();
    instrumentation::count(|c| {
        c.polls += 1;
        c.hidden_polls += u64::from(hidden);
    });
    let spec = spec();
    let response = api::view(spec.window, Some(version)).await?;
    contact();
    let next = response.updates.last().map_or(version, |u| u.version);
    match response.updates.last() {
        Some(last) => {
            heard(last);
            frame.deliver(spec, response.updates);
        }
        // Nothing changed: the panels still move on to now.
        None => frame::publish(),
    }
    Ok(Event::Polled {
        cursor: next,
        has_more: false,
        next_poll_after_ms: 0,
    })
}

/// An open socket; dropping it closes the connection.
struct Socket {
    _write: SplitSink<WebSocket, Message>,
    read: SplitStream<WebSocket>,
}

/// Opens the socket and subscribes to the view; `None` if that fails.
async fn open_socket() -> Option<Socket> {
    let url = browser::socket_url()?;
    // A browser cannot set `Authorization` on a socket: the token rides in
    // a second subprotocol, which the server never echoes.
    let socket = match access::token() {
        Some(token) => WebSocket::open_with_protocols(
            &url,
            &[SUBPROTOCOL.to_string(), bearer_subprotocol(&token)],
        ),
        None => WebSocket::open(&url),
    }
    .ok()?;
    let (mut write, read) = socket.split();
    // Views come deflated: about a sixth of the bytes (docs/PERFORMANCE.md).
    let subscribe = ClientMessage::SubscribeView {
        view: spec(),
        encoding: ViewEncoding::Deflate,
    };
    let text = serde_json::to_string(&subscribe).ok()?;
    // Sending waits for the socket to open; a blocked socket fails here.
    write.send(Message::Text(text)).await.ok()?;
    Some(Socket {
        _write: write,
        read,
    })
}

/// The next socket message (applied to the store, the anomalies or the
/// clock as it says), a wake, or silence; `None` when the wake channel has closed.
async fn read_socket(
    socket: &mut Socket,
    wakes: &mut UnboundedReceiver<Wake>,
    silence: Duration,
    frame: Frame,
) -> Option<Event> {
    let message = {
        let silence = pin!(gloo_timers::future::sleep(silence));
        match select(select(socket.read.next(), wakes.next()), silence).await {
            Either::Left((Either::Left((message, _)), _)) => message,
            Either::Left((Either::Right((wake, _)), _)) => return wake.map(Event::Woken),
            Either::Right(_) => return Some(Event::Socket(SocketEvent::Closed)),
        }
    };
    let text = match message {
        Some(Ok(Message::Text(text))) => text,
        Some(Ok(Message::Bytes(bytes))) => match inflate::inflate(&bytes).await {
            Some(text) => text,
            None => return Some(Event::Socket(SocketEvent::Other)),
        },
        Some(Err(_)) | None => return Some(Event::Socket(SocketEvent::Closed)),
    };
    instrumentation::count(|c| c.socket_messages += 1);
    let parsed = instrumentation::measured("finops:decode", || ServerMessage::from_json(&text));
    let Ok(message) = parsed else {
        // An unknown message type from a newer server is not fatal.
        return Some(Event::Socket(SocketEvent::Other));
    };
    let event = match message {
        ServerMessage::Hello { server_time, .. } => {
            // The first message proves the socket opened.
            instrumentation::count(|c| c.socket_opens += 1);
            clock::observe_server_time(server_time);
            contact();
            SocketEvent::Other
        }
        ServerMessage::View { view } => {
            heard(&view);
            let (version, full) = (view.version, view.full);
            frame.deliver(spec(), vec![*view]);
            if full {
                // The first data shows at once; the machine reads its version.
                frame.flush(false);
                SocketEvent::Subscribed
            } else {
                SocketEvent::Delta { cursor: version }
            }
        }
        ServerMessage::Anomaly { anomaly } => {
            contact();
            anomalies::upsert(anomaly);
            SocketEvent::Other
        }
        ServerMessage::Heartbeat { server_time, .. } => {
            clock::observe_server_time(server_time);
            contact();
            frame::publish();
            SocketEvent::Other
        }
        ServerMessage::Resync { .. } => SocketEvent::Resync,
        ServerMessage::Error { error } => SocketEvent::Error(error.message),
        // This client watches a view; raw updates are for integrations.
        ServerMessage::Subscribed { .. } | ServerMessage::Delta { .. } => SocketEvent::Other,
    };
    Some(Event::Socket(event))
}
