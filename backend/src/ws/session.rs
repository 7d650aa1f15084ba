//! One WebSocket session: an actix-ws task that speaks the protocol in
//! `protocol::ws`, fed by the hub.
//!
//! Backpressure: actix-ws sends through a bounded channel, and every send has
//! a timeout, so a client that stops reading is disconnected after
//! `ws_send_timeout` instead of buffering without bound; it never slows other
//! sessions because each has its own task and the hub's buffer is shared. A
//! session that falls behind the hub is caught up from the update log, or told
//! to `resync` when the log no longer reaches back far enough.

use std::task::Poll;
use std::time::{Duration, Instant};

use actix_ws::{AggregatedMessageStream, CloseCode, CloseReason, ProtocolError, Session};
use bytestring::ByteString;
use chrono::Utc;
use futures_util::future::Either;
use protocol::limits::{DEFAULT_TICK_MS, FRAME_MS, TICK_OPTIONS_MS};
use protocol::{ApiErrorDetail, ErrorCode, Filter, ServerMessage};
use tokio::sync::broadcast::error::RecvError;

use super::subscription::{FrameOutcome, Subscription};
use super::view_watch::ViewWatch;
use crate::aggregation::query;
use crate::auth::Caller;
use crate::feed::{Event, anomaly_message};
use crate::state::AppState;
use crate::telemetry::Disconnect;
use crate::views::Outgoing;

/// Updates per catch-up message.
const CATCH_UP_CHUNK: usize = 2_000;
/// Further behind than this, a snapshot over REST is cheaper than a replay.
const MAX_CATCH_UP: u64 = 50_000;
/// Send a heartbeat after this long without any other message.
const HEARTBEAT_AFTER: Duration = Duration::from_secs(5);
/// Anomalies re-sent after the session lagged (their events may be lost).
const ANOMALIES_AFTER_LAG: usize = 50;

/// Runs a session to its end and records why it ended. The caller's scope
/// decides which tenants' updates and anomalies it is sent.
pub async fn run(
    session: Session,
    stream: AggregatedMessageStream,
    state: AppState,
    caller: Caller,
) {
    let telemetry = state.telemetry.clone();
    telemetry.ws_sessions.inc();
    telemetry.ws_sessions_opened.inc();
    let now = Instant::now();
    let mut conn = Connection {
        session: Some(session),
        state,
        caller,
        filter: Filter::default(),
        last_sent: now,
        last_heard: now,
        last_ping: now,
    };
    let reason = conn.serve(stream).await;
    let close = match reason {
        Disconnect::Shutdown => Some(CloseReason {
            code: CloseCode::Away,
            description: Some("server shutting down".into()),
        }),
        Disconnect::HeartbeatTimeout => Some(CloseReason {
            code: CloseCode::Policy,
            description: Some("no pong within the client timeout".into()),
        }),
        Disconnect::ProtocolError => Some(CloseReason {
            code: CloseCode::Protocol,
            description: Some("protocol error".into()),
        }),
        Disconnect::MessageTooBig => Some(CloseReason {
            code: CloseCode::Size,
            description: Some("message too big".into()),
        }),
        // A client that does not read cannot be sent a close frame either.
        Disconnect::SendTimeout | Disconnect::ClientClosed => None,
    };
    if let (Some(reason), Some(session)) = (close, conn.session.take()) {
        let _ = tokio::time::timeout(Duration::from_secs(1), session.close(Some(reason))).await;
    }
    telemetry.ws_sessions.dec();
    telemetry.disconnect(reason);
    tracing::debug!(?reason, "websocket session ended");
}

pub(super) struct Connection {
    /// `None` once the session was given up.
    pub(super) session: Option<Session>,
    pub(super) state: AppState,
    pub(super) caller: Caller,
    /// What the client asked to see (within the caller's scope).
    pub(super) filter: Filter,
    pub(super) last_sent: Instant,
    pub(super) last_heard: Instant,
    pub(super) last_ping: Instant,
}

impl Connection {
    async fn serve(&mut self, mut stream: AggregatedMessageStream) -> Disconnect {
        let mut rx = self.state.hub.subscribe();
        let head = self.state.rollups.read().log.head();
        let hello = ServerMessage::Hello {
            server_time: Utc::now(),
            cursor: head,
            frame_ms: FRAME_MS,
            tick_options_ms: TICK_OPTIONS_MS.to_vec(),
            default_tick_ms: DEFAULT_TICK_MS,
        };
        if let Err(reason) = self.send_message(&hello).await {
            return reason;
        }
        let config = self.state.config.clone();
        let mut subscription: Option<Subscription> = None;
        let mut view: Option<ViewWatch> = None;
        // Subscribed sessions wake for every frame (4 a second) and do their
        // housekeeping then; this timer only matters for the others, so it is
        // slow: a per-session 500 ms timer was 20,000 wakeups a second at
        // 10,000 sessions.
        let mut housekeeping =
            tokio::time::interval((config.ws.ping_interval / 2).min(HEARTBEAT_AFTER));
        housekeeping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // One registration with the shared token for the whole session, not
        // one per loop iteration (a lock every session takes 4+ times a second).
        let shutdown = self.state.shutdown.clone();
        let cancelled = shutdown.cancelled();
        tokio::pin!(cancelled);

        loop {
            let step = tokio::select! {
                _ = &mut cancelled => return Disconnect::Shutdown,
                message = stream.recv() => {
                    self.last_heard = Instant::now();
                    match message {
                        None => return Disconnect::ClientClosed,
                        Some(Err(error)) => {
                            tracing::debug!(%error, "websocket protocol error");
                            return if is_too_big(&error) {
                                Disconnect::MessageTooBig
                            } else {
                                Disconnect::ProtocolError
                            };
                        }
                        Some(Ok(message)) => self.on_client(message, &mut subscription, &mut view, &mut rx).await,
                    }
                }
                changed = ViewWatch::next(&mut view), if view.is_some() => {
                    match changed {
                        Ok(frame) => self.send_frame(frame).await,
                        Err(RecvError::Lagged(_)) => match view.as_mut() {
                            Some(watch) => {
                                self.state.telemetry.ws_catch_ups.inc();
                                let full = watch.rejoin(&self.state.views, &self.state.rollups);
                                self.send_frame(full).await
                            }
                            None => Ok(()),
                        },
                        Err(RecvError::Closed) => {
                            view = None;
                            Ok(())
                        }
                    }
                }
                // Raw subscribers get frames and anomalies; view watchers anomalies.
                event = rx.recv(), if subscription.is_some() || view.is_some() => {
                    let handled = match event {
                        Ok(event) => self.on_event(event, &mut subscription).await,
                        Err(RecvError::Lagged(_)) => {
                            self.state.telemetry.ws_catch_ups.inc();
                            self.after_lag(&mut subscription).await
                        }
                        Err(RecvError::Closed) => return Disconnect::Shutdown,
                    };
                    match handled {
                        Ok(()) => self.housekeep(subscription.as_ref()).await,
                        Err(reason) => Err(reason),
                    }
                }
                _ = housekeeping.tick() => self.housekeep(subscription.as_ref()).await,
            };
            if let Err(reason) = step {
                return reason;
            }
        }
    }

    /// Drops a silent client, pings, and sends a heartbeat after 5 s of quiet.
    async fn housekeep(&mut self, subscription: Option<&Subscription>) -> Result<(), Disconnect> {
        let config = &self.state.config;
        if self.last_heard.elapsed() > config.ws.client_timeout {
            return Err(Disconnect::HeartbeatTimeout);
        }
        if self.last_ping.elapsed() >= config.ws.ping_interval {
            self.last_ping = Instant::now();
            self.ping().await
        } else if self.last_sent.elapsed() >= HEARTBEAT_AFTER {
            let cursor = subscription.map_or_else(
                || self.state.rollups.read().log.head(),
                Subscription::cursor,
            );
            self.send_message(&ServerMessage::Heartbeat {
                server_time: Utc::now(),
                cursor,
            })
            .await
        } else {
            Ok(())
        }
    }

    pub(super) async fn subscribe(
        &mut self,
        cursor: Option<u64>,
        tick_ms: u32,
        subscription: &mut Option<Subscription>,
    ) -> Result<(), Disconnect> {
        let (head, oldest) = {
            let state = self.state.rollups.read();
            (state.log.head(), state.log.oldest_cursor())
        };
        let start = cursor.unwrap_or(head);
        if start < oldest || start > head || head - start > MAX_CATCH_UP {
            *subscription = None;
            return self.resync(head, start < oldest || start > head).await;
        }
        self.send_message(&ServerMessage::Subscribed {
            cursor: start,
            tick_ms,
        })
        .await?;
        let view = self.caller.view(&self.filter);
        *subscription = Some(Subscription::new(start, tick_ms, &view));
        self.catch_up(subscription).await
    }

    async fn resync(&mut self, head: u64, expired: bool) -> Result<(), Disconnect> {
        self.state.telemetry.ws_resyncs.inc();
        let reason = if expired {
            "cursor is older than the update log keeps, or from an earlier server run; reload a snapshot"
        } else {
            "too far behind to replay; reload a snapshot"
        };
        self.send_message(&ServerMessage::Resync {
            reason: reason.into(),
            cursor: head,
        })
        .await
    }

    /// Sends every logged update after the subscription's cursor.
    async fn catch_up(
        &mut self,
        subscription: &mut Option<Subscription>,
    ) -> Result<(), Disconnect> {
        let Some(sub) = subscription.as_mut() else {
            return Ok(());
        };
        let mut cursor = sub.cursor();
        loop {
            let read = {
                let state = self.state.rollups.read();
                let head = state.log.head();
                if head.saturating_sub(cursor) > MAX_CATCH_UP {
                    Err(head)
                } else {
                    let selection = sub
                        .filter()
                        .map_or_else(Default::default, |f| f.resolve(&state.names));
                    query::updates_after(&state, cursor, CATCH_UP_CHUNK, &selection)
                        .map_err(|e| e.head)
                }
            };
            match read {
                Ok(page) => {
                    if let Some(message) = sub.from_log(&page.updates, page.cursor, Utc::now()) {
                        self.send(message).await?;
                    }
                    cursor = page.cursor;
                    if !page.more {
                        break;
                    }
                }
                Err(head) => {
                    *subscription = None;
                    return self.resync(head, false).await;
                }
            }
        }
        sub.caught_up(cursor);
        Ok(())
    }

    async fn after_lag(
        &mut self,
        subscription: &mut Option<Subscription>,
    ) -> Result<(), Disconnect> {
        self.catch_up(subscription).await?;
        if subscription.is_some() {
            let (caller, filter) = (&self.caller, &self.filter);
            let recent = self
                .state
                .book
                .read()
                .list_where(None, ANOMALIES_AFTER_LAG, |a| {
                    caller.sees_anomaly_in(filter, a)
                });
            for anomaly in recent.iter().rev() {
                if let Some(message) = anomaly_message(anomaly) {
                    self.send(message).await?;
                }
            }
        }
        Ok(())
    }

    async fn on_event(
        &mut self,
        event: Event,
        subscription: &mut Option<Subscription>,
    ) -> Result<(), Disconnect> {
        match event {
            Event::Anomaly(event) => {
                let visible = (self.caller.scope.tenants.is_none()
                    || event
                        .tenant
                        .as_deref()
                        .is_some_and(|t| self.caller.sees_tenant(t)))
                    && self.filter.admits_entity(&event.entity);
                if visible {
                    self.send(event.message).await
                } else {
                    Ok(())
                }
            }
            Event::Frame(frame) => {
                let Some(sub) = subscription.as_mut() else {
                    return Ok(());
                };
                let sealed_at = frame.sealed_at;
                match sub.on_frame(frame) {
                    FrameOutcome::Wait | FrameOutcome::Flush(None) => Ok(()),
                    FrameOutcome::Flush(Some(message)) => {
                        self.send(message).await?;
                        let age = (Utc::now() - sealed_at).num_microseconds().unwrap_or(0);
                        self.state
                            .telemetry
                            .ws_delivery_seconds
                            .observe(age.max(0) as f64 / 1e6);
                        Ok(())
                    }
                    FrameOutcome::Gap => {
                        self.state.telemetry.ws_catch_ups.inc();
                        self.catch_up(subscription).await
                    }
                }
            }
        }
    }

    async fn ping(&mut self) -> Result<(), Disconnect> {
        let Some(session) = self.session.as_mut() else {
            return Err(Disconnect::ClientClosed);
        };
        match tokio::time::timeout(self.state.config.ws.send_timeout, session.ping(b"")).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Disconnect::ClientClosed),
            Err(_) => Err(Disconnect::SendTimeout),
        }
    }

    pub(super) async fn send_error(
        &mut self,
        code: ErrorCode,
        message: String,
        field: Option<String>,
    ) -> Result<(), Disconnect> {
        self.send_message(&ServerMessage::Error {
            error: ApiErrorDetail {
                code,
                message,
                field,
            },
        })
        .await
    }

    pub(super) async fn send_message(&mut self, message: &ServerMessage) -> Result<(), Disconnect> {
        match serde_json::to_string(message) {
            Ok(text) => self.send(ByteString::from(text)).await,
            Err(error) => {
                tracing::error!(%error, "could not serialise a server message");
                Ok(())
            }
        }
    }

    /// Sends one text message, giving the client `ws_send_timeout` to take it.
    pub(super) async fn send(&mut self, text: ByteString) -> Result<(), Disconnect> {
        self.send_frame(Outgoing::Text(text)).await
    }

    /// Sends one text or binary frame, giving the client `ws_send_timeout` to take it.
    pub(super) async fn send_frame(&mut self, frame: Outgoing) -> Result<(), Disconnect> {
        let Some(session) = self.session.as_mut() else {
            return Err(Disconnect::ClientClosed);
        };
        let timeout = self.state.config.ws.send_timeout;
        let (len, send) = match frame {
            Outgoing::Text(text) => (text.len() as u64, Either::Left(session.text(text))),
            Outgoing::Binary(bytes) => (bytes.len() as u64, Either::Right(session.binary(bytes))),
        };
        let sent = {
            tokio::pin!(send);
            // Nearly every send finds room in the session's channel at once;
            // only a send that has to wait arms a timer (10,000 sessions × 4
            // frames a second would otherwise be 40,000 timers a second).
            match futures_util::poll!(&mut send) {
                Poll::Ready(result) => Ok(result),
                Poll::Pending => tokio::time::timeout(timeout, send).await,
            }
        };

        match sent {
            Ok(Ok(())) => {
                self.last_sent = Instant::now();
                self.state.telemetry.ws_messages_sent.inc();
                self.state.telemetry.ws_bytes_sent.inc_by(len);
                Ok(())
            }
            Ok(Err(_)) => Err(Disconnect::ClientClosed),
            Err(_) => {
                // The session is stuck behind a client that does not read: give it up.
                self.session = None;
                Err(Disconnect::SendTimeout)
            }
        }
    }
}

/// A frame over the size limit, or continuations adding up past it.
fn is_too_big(error: &ProtocolError) -> bool {
    match error {
        ProtocolError::Overflow => true,
        ProtocolError::Io(e) => e.to_string().contains("maximum continuation size"),
        _ => false,
    }
}
