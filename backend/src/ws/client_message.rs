//! What a client sends on `GET /ws` and how the session answers: subscribe
//! (raw updates or a server-side view), change the filter or tick, pings,
//! and errors that name what was wrong.

use actix_ws::AggregatedMessage;
use protocol::limits::DEFAULT_TICK_MS;
use protocol::validate::validate_tick;
use protocol::{ClientMessage, ErrorCode};

use super::session::Connection;
use super::subscription::Subscription;
use super::view_watch::{self, ViewWatch};
use crate::feed::Event;
use crate::telemetry::Disconnect;

impl Connection {
    /// One message from the client: subscribe (raw or a view), change the
    /// filter or tick, answer a ping, or an error naming what was wrong.
    pub(super) async fn on_client(
        &mut self,
        message: AggregatedMessage,
        subscription: &mut Option<Subscription>,
        view: &mut Option<ViewWatch>,
        rx: &mut tokio::sync::broadcast::Receiver<Event>,
    ) -> Result<(), Disconnect> {
        match message {
            AggregatedMessage::Text(text) => match serde_json::from_str::<ClientMessage>(&text) {
                Ok(ClientMessage::Subscribe {
                    cursor,
                    tick_ms,
                    filter,
                }) => {
                    let checked = validate_tick(tick_ms.unwrap_or(DEFAULT_TICK_MS))
                        .and_then(|tick| filter.validate("filter.").map(|()| tick));
                    let tick = match checked {
                        Ok(tick) => tick,
                        Err(e) => {
                            return self
                                .send_error(
                                    ErrorCode::InvalidParameter,
                                    e.to_string(),
                                    Some(e.field),
                                )
                                .await;
                        }
                    };
                    // A fresh receiver first, so nothing sealed after the log read is missed.
                    *rx = self.state.hub.subscribe();
                    *view = None;
                    self.filter = filter;
                    self.subscribe(cursor, tick, subscription).await
                }
                Ok(ClientMessage::SetFilter { filter }) => {
                    match (filter.validate("filter."), subscription.as_ref()) {
                        (Ok(()), Some(sub)) => {
                            // From the cursor the client holds, with the new filter.
                            let (cursor, tick) = (sub.cursor(), sub.tick_ms());
                            self.filter = filter;
                            self.subscribe(Some(cursor), tick, subscription).await
                        }
                        (Ok(()), None) => {
                            self.send_error(
                                ErrorCode::InvalidBody,
                                "subscribe before setFilter".into(),
                                None,
                            )
                            .await
                        }
                        (Err(e), _) => {
                            self.send_error(
                                ErrorCode::InvalidParameter,
                                e.to_string(),
                                Some(e.field),
                            )
                            .await
                        }
                    }
                }
                Ok(ClientMessage::SubscribeView {
                    view: spec,
                    encoding,
                }) => {
                    self.watch_view(spec, encoding, subscription, view, rx)
                        .await
                }
                Ok(ClientMessage::SetTick { tick_ms }) => {
                    match (validate_tick(tick_ms), subscription.as_mut()) {
                        (Ok(tick), Some(sub)) => {
                            sub.set_tick(tick);
                            Ok(())
                        }
                        (Ok(_), None) => {
                            self.send_error(
                                ErrorCode::InvalidBody,
                                "subscribe before setTick".into(),
                                None,
                            )
                            .await
                        }
                        (Err(e), _) => {
                            self.send_error(
                                ErrorCode::InvalidParameter,
                                e.to_string(),
                                Some(e.field),
                            )
                            .await
                        }
                    }
                }
                Err(e) => {
                    self.send_error(
                        ErrorCode::InvalidBody,
                        format!("not a client message: {e}"),
                        None,
                    )
                    .await
                }
            },
            AggregatedMessage::Binary(_) => {
                self.send_error(
                    ErrorCode::InvalidBody,
                    "binary messages are not supported".into(),
                    None,
                )
                .await
            }
            AggregatedMessage::Ping(bytes) => match self.session.as_mut() {
                Some(session) => {
                    let sent = tokio::time::timeout(
                        self.state.config.ws.send_timeout,
                        session.pong(&bytes),
                    )
                    .await;
                    if matches!(sent, Ok(Ok(()))) {
                        Ok(())
                    } else {
                        Err(Disconnect::SendTimeout)
                    }
                }
                None => Err(Disconnect::ClientClosed),
            },
            AggregatedMessage::Pong(_) => Ok(()),
            AggregatedMessage::Close(_) => Err(Disconnect::ClientClosed),
        }
    }

    /// `subscribeView`: the raw stream stops, the view's full state is sent,
    /// then its changes (and anomalies inside its filter).
    pub(super) async fn watch_view(
        &mut self,
        spec: protocol::ViewSpec,
        encoding: protocol::ViewEncoding,
        subscription: &mut Option<Subscription>,
        view: &mut Option<ViewWatch>,
        rx: &mut tokio::sync::broadcast::Receiver<Event>,
    ) -> Result<(), Disconnect> {
        match view_watch::key_for(&self.caller, &spec) {
            Ok(key) => {
                *subscription = None;
                *rx = self.state.hub.subscribe();
                self.filter = spec.filter;
                let (full, watch) =
                    ViewWatch::join(&self.state.views, &self.state.rollups, key, encoding);
                *view = Some(watch);
                self.send_frame(full).await
            }
            Err(e) => {
                self.send_error(ErrorCode::InvalidParameter, e.to_string(), Some(e.field))
                    .await
            }
        }
    }
}
