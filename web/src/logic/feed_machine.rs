//! The data connection's decisions, without a browser: which transport to
//! use, when to load the view in full, how long to wait, what the indicator shows.
//! `services::feed` is the thin async shell around it: it performs each
//! [`Action`], applies the [`Effect`]s, and reports what happened as the next
//! [`Event`]. The rules for choosing a transport and for backoff are in
//! [`super::transport_policy`]; this module sequences them.
//!
//! One machine drives the whole sequence, so there is never more than one
//! transport feeding the store, and the position it resumes from is always
//! the store's (or the last one a transport reported). The position is the
//! version of the server-side view (`protocol::view`) the store holds.

use std::time::Duration;

use super::connection::{LinkState, Transport};
use super::transport_policy::{
    AfterSocketFailure, SOCKET_HEALTHY_AFTER, TransportPolicy, next_poll_delay,
};

/// Without any message for this long (heartbeats come after 5 s), the socket is dead.
pub const SOCKET_SILENCE: Duration = Duration::from_secs(15);
/// Anomalies are refreshed this often while polling (the socket pushes them).
pub const ANOMALY_REFRESH: Duration = Duration::from_secs(10);
/// Offline, the browser's network state is looked at again this often.
pub const OFFLINE_RECHECK: Duration = Duration::from_secs(5);
/// After an error that retrying cannot fix, try again this much later (a deploy may fix it).
pub const AFTER_FATAL_ERROR: Duration = Duration::from_secs(60);

/// Why the feed is woken while it waits.
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
    /// The viewer signed in (or out): try again with the new token.
    Credentials,
    /// The filter changed: what the store holds is for another view.
    Filter,
}

/// What the machine reads from the world when it decides. The shell answers
/// from the browser and the signals; tests answer from plain fields.
pub trait World {
    /// Wall-clock milliseconds.
    fn now_ms(&self) -> f64;
    fn online(&self) -> bool;
    fn visible(&self) -> bool;
    fn paused(&self) -> bool;
    /// The selected polling interval.
    fn poll_secs(&self) -> u32;
    /// Whether the store lacks the view the settings select (window, filter).
    fn missing(&self) -> bool;
    /// The version of the view the store holds.
    fn resume_cursor(&self) -> Option<u64>;
    /// Whether the server has answered anything yet.
    fn has_contact(&self) -> bool;
    /// A random number in [0, 1) for backoff jitter.
    fn random(&self) -> f64;
}

/// Why a request failed, as far as the machine cares.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Retrying the same request later can succeed (network, 5xx, 429).
    Transient,
    /// Retrying will not help; the message is shown.
    Fatal(String),
    /// The server needs a token (or a better one): nothing helps until the
    /// viewer signs in.
    Unauthorized,
}

/// What happened on an open (or opening) socket.
#[derive(Debug, Clone, PartialEq)]
pub enum SocketEvent {
    /// The subscription went out: the socket is open.
    Opened,
    /// The view arrived in full (and is in the store): changes stream.
    Subscribed,
    /// View changes up to version `cursor` arrived (the shell has delivered them).
    Delta { cursor: u64 },
    /// Any other message: hello, heartbeat, anomaly, or one this client does not know.
    Other,
    /// The server cannot serve our position.
    Resync,
    /// The server reported an error and will close.
    Error(String),
    /// It failed to open, closed, or stayed silent for [`SOCKET_SILENCE`].
    Closed,
}

/// What the shell reports back after performing an [`Action`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A wait ran out without a wake.
    TimerFired,
    /// A wait (or a socket read) was cut short.
    Woken(Wake),
    ViewLoaded,
    ViewFailed(Failure),
    /// A poll answered: the view's version, whether it holds more, its requested delay.
    Polled {
        cursor: u64,
        has_more: bool,
        next_poll_after_ms: u64,
    },
    PollFailed(Failure),
    AnomaliesRefreshed,
    StoreReset,
    Socket(SocketEvent),
}

/// The one thing the shell does next; its outcome is the next [`Event`].
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Sleep for the delay (until woken when `None`) unless woken first:
    /// [`Event::TimerFired`] or [`Event::Woken`].
    Wait(Option<Duration>),
    /// Load the view in full over REST (`GET /api/view`): [`Event::ViewLoaded`] or [`Event::ViewFailed`].
    LoadView,
    /// Reload the anomaly list: [`Event::AnomaliesRefreshed`] (failures are the list's own business).
    RefreshAnomalies,
    /// `GET /api/view?after=cursor`: [`Event::Polled`] or [`Event::PollFailed`].
    Poll { cursor: u64 },
    /// Forget the store's data: [`Event::StoreReset`].
    ResetStore,
    /// Open the socket and subscribe to the view (the server sends it in
    /// full first): `Socket(Opened)` or `Socket(Closed)`.
    OpenSocket,
    /// The next socket message, a wake, or `Socket(Closed)` after `silence` without either.
    ReadSocket { silence: Duration },
}

/// Done at once, before the action.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Show this state in the connection indicator.
    Show(LinkState),
    /// Close the socket.
    CloseSocket,
}

/// The machine's answer to an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub effects: Vec<Effect>,
    pub action: Action,
}

/// What the machine waits for; it tells which events mean what.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Waiting out a delay (or, with no delay, for a wake); either ends it.
    /// Between polls and before a reconnect (`notice_visibility`), a wake
    /// saying the tab is shown again also retries the socket at once;
    /// offline, paused or after a failed request it does not.
    Waiting {
        notice_visibility: bool,
    },
    LoadingView,
    /// Refreshing anomalies before using `transport` from `cursor`.
    RefreshingAnomalies {
        transport: Transport,
        cursor: u64,
        visible: bool,
    },
    Polling {
        cursor: u64,
        visible: bool,
    },
    ResettingStore,
    /// Opening (`opened_at_ms` is `None`) or reading the socket.
    Socket {
        opened_at_ms: Option<f64>,
    },
}

#[derive(Debug, Clone)]
pub struct FeedMachine {
    policy: TransportPolicy,
    /// The transport's position: the seq after which it asks for updates.
    position: Option<u64>,
    /// The tab came back: catch up over REST before reopening the socket.
    catch_up: bool,
    last_anomaly_refresh_ms: f64,
    phase: Phase,
}

impl Default for FeedMachine {
    fn default() -> Self {
        FeedMachine {
            policy: TransportPolicy::default(),
            position: None,
            catch_up: false,
            last_anomaly_refresh_ms: f64::NEG_INFINITY,
            phase: Phase::Waiting {
                notice_visibility: false,
            },
        }
    }
}

impl FeedMachine {
    /// The position the next poll or subscription starts from, once one is known.
    pub fn position(&self) -> Option<u64> {
        self.position
    }

    /// Whether it is catching up over REST before reopening the socket.
    pub fn catching_up(&self) -> bool {
        self.catch_up
    }

    /// The first step.
    pub fn start(&mut self, world: &impl World) -> Step {
        self.decide(world, Vec::new())
    }

    /// The next step after `event`.
    pub fn on(&mut self, event: Event, world: &impl World) -> Step {
        let mut effects = Vec::new();
        match (self.phase, event) {
            (phase, Event::Woken(Wake::Filter)) => {
                // Start over: empty store, the view and stream for the new filter.
                if matches!(phase, Phase::Socket { .. }) {
                    effects.push(Effect::CloseSocket);
                }
                self.phase = Phase::ResettingStore;
                step(effects, Action::ResetStore)
            }
            (Phase::Waiting { .. }, Event::TimerFired) => self.decide(world, effects),
            (Phase::Waiting { notice_visibility }, Event::Woken(reason)) => {
                if notice_visibility {
                    self.woken(reason, world);
                }
                self.decide(world, effects)
            }
            (Phase::LoadingView, Event::ViewLoaded) => {
                self.policy.poll_backoff.reset();
                self.position = world.resume_cursor();
                self.stream(world, effects)
            }
            (Phase::LoadingView, Event::ViewFailed(failure)) => {
                self.retry_after(failure, world, effects)
            }
            (
                Phase::RefreshingAnomalies {
                    transport,
                    cursor,
                    visible,
                },
                Event::AnomaliesRefreshed,
            ) => match transport {
                Transport::Polling => self.poll(cursor, visible, effects),
                Transport::Socket => {
                    effects.push(Effect::Show(LinkState::Connecting(Transport::Socket)));
                    self.phase = Phase::Socket { opened_at_ms: None };
                    step(effects, Action::OpenSocket)
                }
            },
            (
                Phase::Polling { visible, .. },
                Event::Polled {
                    cursor: next,
                    has_more,
                    next_poll_after_ms,
                },
            ) => {
                // The server's version, even below ours: a restarted server made the view anew.
                self.position = Some(next);
                self.policy.poll_backoff.reset();
                if self.catch_up && !has_more {
                    // Caught up over REST after the tab came back: reopen the socket.
                    self.catch_up = false;
                    return self.decide(world, effects);
                }
                let secs = world.poll_secs();
                effects.push(Effect::Show(LinkState::Polling { every_secs: secs }));
                let delay = next_poll_delay(secs, next_poll_after_ms, has_more, visible);
                self.phase = Phase::Waiting {
                    notice_visibility: true,
                };
                step(effects, Action::Wait(Some(delay)))
            }
            (Phase::Polling { .. }, Event::PollFailed(failure)) => {
                self.retry_after(failure, world, effects)
            }
            (Phase::ResettingStore, Event::StoreReset) => {
                self.position = None;
                self.decide(world, effects)
            }
            (Phase::Socket { opened_at_ms }, Event::Socket(event)) => {
                self.on_socket(opened_at_ms, event, world, effects)
            }
            (Phase::Socket { .. }, Event::Woken(Wake::Settings))
                if !world.paused() && !world.missing() =>
            {
                // The interval does not matter to a socket; pause and a new window do.
                read_socket(effects)
            }
            (Phase::Socket { .. }, Event::Woken(reason)) => {
                effects.push(Effect::CloseSocket);
                self.woken(reason, world);
                self.decide(world, effects)
            }
            (phase, _) => {
                // An event the phase does not expect: start again from the top.
                if matches!(phase, Phase::Socket { .. }) {
                    effects.push(Effect::CloseSocket);
                }
                self.decide(world, effects)
            }
        }
    }

    /// The top of the sequence: network, pause, the view, then a transport.
    fn decide(&mut self, world: &impl World, mut effects: Vec<Effect>) -> Step {
        if !world.online() {
            effects.push(Effect::Show(LinkState::Offline));
            self.phase = Phase::Waiting {
                notice_visibility: false,
            };
            return step(effects, Action::Wait(Some(OFFLINE_RECHECK)));
        }
        if world.paused() {
            // Nothing flows while paused; resuming continues from the position.
            effects.push(Effect::Show(LinkState::Paused));
            self.phase = Phase::Waiting {
                notice_visibility: false,
            };
            return step(effects, Action::Wait(None));
        }
        if world.missing() {
            if !world.has_contact() {
                effects.push(Effect::Show(LinkState::Connecting(Transport::Polling)));
            }
            self.phase = Phase::LoadingView;
            return step(effects, Action::LoadView);
        }
        self.stream(world, effects)
    }

    /// With the view in place: poll or open the socket from the position.
    fn stream(&mut self, world: &impl World, effects: Vec<Effect>) -> Step {
        let Some(cursor) = self.position.or_else(|| world.resume_cursor()) else {
            // Not reached: a store holding the view has its version.
            self.phase = Phase::Waiting {
                notice_visibility: false,
            };
            return step(effects, Action::Wait(None));
        };
        let now = world.now_ms();
        let visible = world.visible();
        let transport = if self.catch_up {
            Transport::Polling
        } else {
            self.policy.choose(now, visible)
        };
        let refresh = match transport {
            // The socket pushes anomalies; load the list once as it opens.
            Transport::Socket => true,
            Transport::Polling => {
                now - self.last_anomaly_refresh_ms > ANOMALY_REFRESH.as_millis() as f64
            }
        };
        if refresh {
            self.last_anomaly_refresh_ms = now;
            self.phase = Phase::RefreshingAnomalies {
                transport,
                cursor,
                visible,
            };
            return step(effects, Action::RefreshAnomalies);
        }
        self.poll(cursor, visible, effects)
    }

    fn poll(&mut self, cursor: u64, visible: bool, effects: Vec<Effect>) -> Step {
        self.phase = Phase::Polling { cursor, visible };
        step(effects, Action::Poll { cursor })
    }

    fn on_socket(
        &mut self,
        opened_at_ms: Option<f64>,
        event: SocketEvent,
        world: &impl World,
        mut effects: Vec<Effect>,
    ) -> Step {
        match event {
            SocketEvent::Opened if opened_at_ms.is_none() => {
                self.phase = Phase::Socket {
                    opened_at_ms: Some(world.now_ms()),
                };
                read_socket(effects)
            }
            SocketEvent::Opened | SocketEvent::Other => read_socket(effects),
            SocketEvent::Subscribed => {
                // The view arrived in full: the store holds its version.
                if let Some(version) = world.resume_cursor() {
                    self.position = Some(version);
                }
                effects.push(Effect::Show(LinkState::Streaming));
                read_socket(effects)
            }
            SocketEvent::Delta { cursor } => {
                self.position = Some(cursor);
                read_socket(effects)
            }
            SocketEvent::Resync => {
                effects.push(Effect::CloseSocket);
                self.phase = Phase::ResettingStore;
                step(effects, Action::ResetStore)
            }
            SocketEvent::Error(message) => {
                effects.push(Effect::Show(LinkState::Error(message)));
                self.socket_failed(opened_at_ms, world, effects)
            }
            SocketEvent::Closed => self.socket_failed(opened_at_ms, world, effects),
        }
    }

    /// The socket failed to open or closed: reconnect after a backoff, or fall back to polling.
    fn socket_failed(
        &mut self,
        opened_at_ms: Option<f64>,
        world: &impl World,
        mut effects: Vec<Effect>,
    ) -> Step {
        effects.push(Effect::CloseSocket);
        let now = world.now_ms();
        let healthy =
            opened_at_ms.is_some_and(|at| now - at >= SOCKET_HEALTHY_AFTER.as_millis() as f64);
        if healthy {
            self.policy.socket_healthy();
        }
        match self.policy.socket_failed(now, world.random()) {
            AfterSocketFailure::Reconnect(delay) => {
                effects.push(Effect::Show(LinkState::Retrying {
                    transport: Transport::Socket,
                    at_ms: now + delay.as_millis() as f64,
                    attempt: self.policy.socket_attempt(),
                }));
                self.phase = Phase::Waiting {
                    notice_visibility: true,
                };
                step(effects, Action::Wait(Some(delay)))
            }
            // Poll at once; the policy retries the socket later.
            AfterSocketFailure::FallBack { .. } => self.decide(world, effects),
        }
    }

    /// Shows "retrying in N s (attempt k)" and waits, or shows an error that
    /// retrying cannot fix and waits much longer. A wake ends the wait early.
    fn retry_after(
        &mut self,
        failure: Failure,
        world: &impl World,
        mut effects: Vec<Effect>,
    ) -> Step {
        self.phase = Phase::Waiting {
            notice_visibility: false,
        };
        match failure {
            Failure::Transient => {
                let delay = self.policy.poll_backoff.fail(world.random());
                effects.push(Effect::Show(LinkState::Retrying {
                    transport: Transport::Polling,
                    at_ms: world.now_ms() + delay.as_millis() as f64,
                    attempt: self.policy.poll_backoff.attempt(),
                }));
                step(effects, Action::Wait(Some(delay)))
            }
            Failure::Fatal(message) => {
                effects.push(Effect::Show(LinkState::Error(message)));
                step(effects, Action::Wait(Some(AFTER_FATAL_ERROR)))
            }
            Failure::Unauthorized => {
                effects.push(Effect::Show(LinkState::SignInNeeded));
                // Until a wake (the sign-in sends one): no request can succeed.
                step(effects, Action::Wait(None))
            }
        }
    }

    /// A wake between polls or socket attempts: a tab shown again retries the socket at once.
    fn woken(&mut self, reason: Wake, world: &impl World) {
        if reason == Wake::Visibility && world.visible() {
            self.policy.visible_again();
            self.catch_up = true;
        }
    }
}

fn step(effects: Vec<Effect>, action: Action) -> Step {
    Step { effects, action }
}

fn read_socket(effects: Vec<Effect>) -> Step {
    step(
        effects,
        Action::ReadSocket {
            silence: SOCKET_SILENCE,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The world as plain fields: a visible, online tab with both sub-stores
    /// loaded at cursor 100, and jitter pinned to the top of each backoff step.
    #[derive(Debug, Clone)]
    struct Fake {
        now_ms: f64,
        online: bool,
        visible: bool,
        paused: bool,
        poll_secs: u32,
        missing: bool,
        resume_cursor: Option<u64>,
        has_contact: bool,
    }

    impl Default for Fake {
        fn default() -> Self {
            Fake {
                now_ms: 0.0,
                online: true,
                visible: true,
                paused: false,
                poll_secs: 2,
                missing: false,
                resume_cursor: Some(100),
                has_contact: true,
            }
        }
    }

    impl World for Fake {
        fn now_ms(&self) -> f64 {
            self.now_ms
        }
        fn online(&self) -> bool {
            self.online
        }
        fn visible(&self) -> bool {
            self.visible
        }
        fn paused(&self) -> bool {
            self.paused
        }
        fn poll_secs(&self) -> u32 {
            self.poll_secs
        }
        fn missing(&self) -> bool {
            self.missing
        }
        fn resume_cursor(&self) -> Option<u64> {
            self.resume_cursor
        }
        fn has_contact(&self) -> bool {
            self.has_contact
        }
        fn random(&self) -> f64 {
            1.0
        }
    }

    fn only(action: Action) -> Step {
        step(Vec::new(), action)
    }

    fn read() -> Step {
        read_socket(Vec::new())
    }

    fn show(state: LinkState) -> Effect {
        Effect::Show(state)
    }

    fn wait(ms: u64) -> Action {
        Action::Wait(Some(Duration::from_millis(ms)))
    }

    fn polled(cursor: u64, has_more: bool) -> Event {
        Event::Polled {
            cursor,
            has_more,
            next_poll_after_ms: 1_000,
        }
    }

    fn socket(event: SocketEvent) -> Event {
        Event::Socket(event)
    }

    /// Opens the socket from the store's cursor and streams until `cursor`.
    fn streaming(w: &Fake, cursor: u64) -> FeedMachine {
        let mut m = FeedMachine::default();
        assert_eq!(m.start(w), only(Action::RefreshAnomalies));
        assert_eq!(
            m.on(Event::AnomaliesRefreshed, w),
            step(
                vec![show(LinkState::Connecting(Transport::Socket))],
                Action::OpenSocket
            )
        );
        assert_eq!(m.on(socket(SocketEvent::Opened), w), read());
        assert_eq!(
            m.on(socket(SocketEvent::Subscribed), w),
            read_socket(vec![show(LinkState::Streaming)])
        );
        assert_eq!(m.on(socket(SocketEvent::Delta { cursor }), w), read());
        m
    }

    /// Starts in a hidden tab, so the first transport is polling.
    fn polling(w: &mut Fake) -> FeedMachine {
        w.visible = false;
        let mut m = FeedMachine::default();
        assert_eq!(m.start(w), only(Action::RefreshAnomalies));
        assert_eq!(
            m.on(Event::AnomaliesRefreshed, w),
            only(Action::Poll { cursor: 100 })
        );
        m
    }

    #[test]
    fn an_empty_store_loads_the_view_then_streams_over_the_socket() {
        let mut w = Fake {
            missing: true,
            resume_cursor: None,
            has_contact: false,
            ..Fake::default()
        };
        let mut m = FeedMachine::default();
        assert_eq!(
            m.start(&w),
            step(
                vec![show(LinkState::Connecting(Transport::Polling))],
                Action::LoadView
            )
        );
        w.missing = false;
        w.resume_cursor = Some(100);
        w.has_contact = true;
        assert_eq!(m.position(), None);
        assert_eq!(m.on(Event::ViewLoaded, &w), only(Action::RefreshAnomalies));
        assert_eq!(m.position(), Some(100));
        assert_eq!(
            m.on(Event::AnomaliesRefreshed, &w),
            step(
                vec![show(LinkState::Connecting(Transport::Socket))],
                Action::OpenSocket
            )
        );
        assert_eq!(m.on(socket(SocketEvent::Opened), &w), read());
        assert_eq!(m.on(socket(SocketEvent::Other), &w), read());
        assert_eq!(
            m.on(socket(SocketEvent::Subscribed), &w),
            read_socket(vec![show(LinkState::Streaming)])
        );
        assert_eq!(m.on(socket(SocketEvent::Delta { cursor: 120 }), &w), read());
        assert_eq!(m.position(), Some(120));
        assert_eq!(
            read().action,
            Action::ReadSocket {
                silence: Duration::from_secs(15)
            }
        );
    }

    #[test]
    fn a_failing_socket_reconnects_with_backoff_then_falls_back_to_polling() {
        let mut w = Fake::default();
        let mut m = FeedMachine::default();
        m.start(&w);
        m.on(Event::AnomaliesRefreshed, &w);
        // It does not open at all: reconnect after the first backoff step.
        assert_eq!(
            m.on(socket(SocketEvent::Closed), &w),
            step(
                vec![
                    Effect::CloseSocket,
                    show(LinkState::Retrying {
                        transport: Transport::Socket,
                        at_ms: 500.0,
                        attempt: 1
                    })
                ],
                wait(500)
            )
        );
        w.now_ms = 500.0;
        assert_eq!(m.on(Event::TimerFired, &w), only(Action::RefreshAnomalies));
        m.on(Event::AnomaliesRefreshed, &w);
        m.on(socket(SocketEvent::Opened), &w);
        // The second failure in a row falls back to polling at once; the
        // anomalies were loaded half a second ago, so not again.
        w.now_ms = 1_000.0;
        assert_eq!(
            m.on(socket(SocketEvent::Closed), &w),
            step(vec![Effect::CloseSocket], Action::Poll { cursor: 100 })
        );
        assert_eq!(
            m.on(polled(130, false), &w),
            step(
                vec![show(LinkState::Polling { every_secs: 2 })],
                wait(2_000)
            )
        );
        // Polls go on until the socket is tried again, 20 s after the fallback.
        w.now_ms = 3_000.0;
        assert_eq!(
            m.on(Event::TimerFired, &w),
            only(Action::Poll { cursor: 130 })
        );
        m.on(polled(140, false), &w);
        w.now_ms = 21_000.0;
        assert_eq!(m.on(Event::TimerFired, &w), only(Action::RefreshAnomalies));
        assert_eq!(
            m.on(Event::AnomaliesRefreshed, &w),
            step(
                vec![show(LinkState::Connecting(Transport::Socket))],
                Action::OpenSocket
            )
        );
    }

    #[test]
    fn a_socket_that_worked_for_a_while_starts_its_backoff_over() {
        let mut w = Fake::default();
        let mut m = streaming(&w, 120);
        w.now_ms = 5_000.0;
        let retry = m.on(socket(SocketEvent::Closed), &w);
        assert_eq!(retry.action, wait(500));
        w.now_ms = 5_500.0;
        m.on(Event::TimerFired, &w);
        m.on(Event::AnomaliesRefreshed, &w);
        m.on(socket(SocketEvent::Opened), &w);
        // Open for 10 s: this close is the first failure again, not the second.
        w.now_ms = 15_500.0;
        assert_eq!(
            m.on(socket(SocketEvent::Closed), &w),
            step(
                vec![
                    Effect::CloseSocket,
                    show(LinkState::Retrying {
                        transport: Transport::Socket,
                        at_ms: 16_000.0,
                        attempt: 1
                    })
                ],
                wait(500)
            )
        );
    }

    #[test]
    fn a_server_error_on_the_socket_is_shown_then_retried() {
        let w = Fake::default();
        let mut m = streaming(&w, 120);
        assert_eq!(
            m.on(socket(SocketEvent::Error("too many sessions".into())), &w),
            step(
                vec![
                    show(LinkState::Error("too many sessions".into())),
                    Effect::CloseSocket,
                    show(LinkState::Retrying {
                        transport: Transport::Socket,
                        at_ms: 500.0,
                        attempt: 1
                    })
                ],
                wait(500)
            )
        );
    }

    #[test]
    fn a_hidden_tab_polls_lightly_then_catches_up_and_reopens_the_socket() {
        let mut w = Fake::default();
        let mut m = streaming(&w, 120);
        // Hidden: the socket closes and polling takes over from the socket's position.
        w.now_ms = 30_000.0;
        w.visible = false;
        assert_eq!(
            m.on(Event::Woken(Wake::Visibility), &w),
            step(vec![Effect::CloseSocket], Action::RefreshAnomalies)
        );
        assert_eq!(
            m.on(Event::AnomaliesRefreshed, &w),
            only(Action::Poll { cursor: 120 })
        );
        // Every 10 s at the least, whatever the interval.
        assert_eq!(
            m.on(polled(150, false), &w),
            step(
                vec![show(LinkState::Polling { every_secs: 2 })],
                wait(10_000)
            )
        );
        w.now_ms = 40_000.0;
        // Anomalies were refreshed exactly 10 s ago: not yet again.
        assert_eq!(
            m.on(Event::TimerFired, &w),
            only(Action::Poll { cursor: 150 })
        );
        m.on(polled(160, false), &w);
        // Shown again: catch up over REST first, as long as the server has more …
        w.now_ms = 45_000.0;
        w.visible = true;
        assert_eq!(
            m.on(Event::Woken(Wake::Visibility), &w),
            only(Action::RefreshAnomalies)
        );
        assert!(m.catching_up());
        assert_eq!(
            m.on(Event::AnomaliesRefreshed, &w),
            only(Action::Poll { cursor: 160 })
        );
        assert_eq!(
            m.on(polled(500, true), &w),
            step(
                vec![show(LinkState::Polling { every_secs: 2 })],
                Action::Wait(Some(Duration::ZERO))
            )
        );
        assert_eq!(
            m.on(Event::TimerFired, &w),
            only(Action::Poll { cursor: 500 })
        );
        // … then the socket again, from where the polls got to.
        assert_eq!(m.on(polled(600, false), &w), only(Action::RefreshAnomalies));
        assert!(!m.catching_up());
        assert_eq!(
            m.on(Event::AnomaliesRefreshed, &w),
            step(
                vec![show(LinkState::Connecting(Transport::Socket))],
                Action::OpenSocket
            )
        );
    }

    #[test]
    fn showing_the_tab_again_cuts_a_fallback_short() {
        let mut w = Fake::default();
        let mut m = FeedMachine::default();
        m.start(&w);
        m.on(Event::AnomaliesRefreshed, &w);
        m.on(socket(SocketEvent::Closed), &w);
        m.on(Event::TimerFired, &w);
        m.on(Event::AnomaliesRefreshed, &w);
        assert_eq!(
            m.on(socket(SocketEvent::Closed), &w).action,
            Action::Poll { cursor: 100 }
        );
        m.on(polled(110, false), &w);
        // Hidden and shown again long before the fallback's 20 s are up.
        w.now_ms = 4_000.0;
        w.visible = false;
        assert_eq!(
            m.on(Event::TimerFired, &w),
            only(Action::Poll { cursor: 110 })
        );
        m.on(polled(120, false), &w);
        w.visible = true;
        assert_eq!(
            m.on(Event::Woken(Wake::Visibility), &w),
            only(Action::Poll { cursor: 120 })
        );
        assert_eq!(m.on(polled(130, false), &w), only(Action::RefreshAnomalies));
        assert_eq!(
            m.on(Event::AnomaliesRefreshed, &w),
            step(
                vec![show(LinkState::Connecting(Transport::Socket))],
                Action::OpenSocket
            )
        );
    }

    #[test]
    fn failed_polls_back_off_and_errors_retrying_cannot_fix_wait_a_minute() {
        let mut w = Fake::default();
        let mut m = polling(&mut w);
        let retrying = |at_ms: f64, attempt: u32| {
            show(LinkState::Retrying {
                transport: Transport::Polling,
                at_ms,
                attempt,
            })
        };
        assert_eq!(
            m.on(Event::PollFailed(Failure::Transient), &w),
            step(vec![retrying(1_000.0, 1)], wait(1_000))
        );
        w.now_ms = 1_000.0;
        assert_eq!(
            m.on(Event::TimerFired, &w),
            only(Action::Poll { cursor: 100 })
        );
        assert_eq!(
            m.on(Event::PollFailed(Failure::Transient), &w),
            step(vec![retrying(3_000.0, 2)], wait(2_000))
        );
        // A wake ends the wait early.
        assert_eq!(
            m.on(Event::Woken(Wake::Settings), &w),
            only(Action::Poll { cursor: 100 })
        );
        m.on(polled(110, false), &w);
        assert_eq!(
            m.on(Event::TimerFired, &w),
            only(Action::Poll { cursor: 110 })
        );
        // A success started the backoff over.
        assert_eq!(
            m.on(Event::PollFailed(Failure::Transient), &w),
            step(vec![retrying(2_000.0, 1)], wait(1_000))
        );
        m.on(Event::TimerFired, &w);
        assert_eq!(
            m.on(
                Event::PollFailed(Failure::Fatal("server said 400: bad limit".into())),
                &w
            ),
            step(
                vec![show(LinkState::Error("server said 400: bad limit".into()))],
                wait(60_000)
            )
        );
    }

    #[test]
    fn a_new_filter_starts_over_from_an_empty_store() {
        let mut w = Fake::default();
        let mut m = streaming(&w, 120);
        assert_eq!(
            m.on(Event::Woken(Wake::Filter), &w),
            step(vec![Effect::CloseSocket], Action::ResetStore)
        );
        w.missing = true;
        w.resume_cursor = None;
        assert_eq!(m.on(Event::StoreReset, &w), only(Action::LoadView));
        assert_eq!(m.position(), None);
        let mut w = Fake::default();
        let mut m = polling(&mut w);
        m.on(polled(110, false), &w);
        assert_eq!(
            m.on(Event::Woken(Wake::Filter), &w),
            only(Action::ResetStore)
        );
    }

    #[test]
    fn a_resync_reloads_the_view() {
        let mut w = Fake::default();
        let mut m = streaming(&w, 120);
        assert_eq!(
            m.on(socket(SocketEvent::Resync), &w),
            step(vec![Effect::CloseSocket], Action::ResetStore)
        );
        w.missing = true;
        assert_eq!(m.on(Event::StoreReset, &w), only(Action::LoadView));
    }

    #[test]
    fn pause_closes_the_socket_and_resume_continues_from_its_position() {
        let mut w = Fake::default();
        let mut m = streaming(&w, 120);
        // Settings a socket does not care about (the interval) leave it open.
        w.poll_secs = 5;
        assert_eq!(m.on(Event::Woken(Wake::Settings), &w), read());
        w.paused = true;
        assert_eq!(
            m.on(Event::Woken(Wake::Settings), &w),
            step(
                vec![Effect::CloseSocket, show(LinkState::Paused)],
                Action::Wait(None)
            )
        );
        w.paused = false;
        assert_eq!(
            m.on(Event::Woken(Wake::Settings), &w),
            only(Action::RefreshAnomalies)
        );
        assert_eq!(
            m.on(Event::AnomaliesRefreshed, &w),
            step(
                vec![show(LinkState::Connecting(Transport::Socket))],
                Action::OpenSocket
            )
        );
    }

    #[test]
    fn a_new_window_or_a_gap_reloads_and_going_offline_waits() {
        let mut w = Fake::default();
        let mut m = streaming(&w, 120);
        w.missing = true;
        assert_eq!(
            m.on(Event::Woken(Wake::Settings), &w),
            step(vec![Effect::CloseSocket], Action::LoadView)
        );

        let mut w = Fake::default();
        let mut m = streaming(&w, 120);
        w.missing = true;
        assert_eq!(
            m.on(Event::Woken(Wake::Reload), &w),
            step(vec![Effect::CloseSocket], Action::LoadView)
        );

        let mut w = Fake::default();
        let mut m = streaming(&w, 120);
        w.online = false;
        assert_eq!(
            m.on(Event::Woken(Wake::Network), &w),
            step(
                vec![Effect::CloseSocket, show(LinkState::Offline)],
                wait(5_000)
            )
        );
        assert_eq!(
            m.on(Event::TimerFired, &w),
            step(vec![show(LinkState::Offline)], wait(5_000))
        );
        w.online = true;
        assert_eq!(
            m.on(Event::Woken(Wake::Network), &w),
            only(Action::RefreshAnomalies)
        );
    }

    #[test]
    fn a_restarted_server_s_lower_version_is_the_new_position() {
        let mut w = Fake::default();
        let mut m = polling(&mut w);
        m.on(polled(90, false), &w);
        assert_eq!(m.position(), Some(90));
    }

    #[test]
    fn a_refused_token_waits_for_the_viewer_to_sign_in() {
        let w = Fake {
            missing: true,
            resume_cursor: None,
            ..Fake::default()
        };
        let mut m = FeedMachine::default();
        assert!(matches!(m.start(&w).action, Action::LoadView));
        assert_eq!(
            m.on(Event::ViewFailed(Failure::Unauthorized), &w),
            Step {
                effects: vec![show(LinkState::SignInNeeded)],
                action: Action::Wait(None),
            }
        );
        // Signing in wakes it: it loads again at once.
        let next = m.on(Event::Woken(Wake::Credentials), &w);
        assert!(matches!(next.action, Action::LoadView), "{next:?}");
    }
}
