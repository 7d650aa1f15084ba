//! What the connection indicator shows: which transport is active and its state.

/// The transport carrying updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Socket,
    Polling,
}

impl Transport {
    pub fn label(self) -> &'static str {
        match self {
            Transport::Socket => "WebSocket",
            Transport::Polling => "polling",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LinkState {
    /// Loading snapshots or opening the socket.
    Connecting(Transport),
    /// The socket is open and streaming.
    Streaming,
    /// Polling is the transport and the last poll succeeded.
    Polling { every_secs: u32 },
    /// The last attempt failed; the next one starts at `at_ms` (wall clock).
    Retrying {
        transport: Transport,
        at_ms: f64,
        attempt: u32,
    },
    /// A failure retrying will not fix (e.g. the server refuses our requests).
    Error(String),
    /// The server needs an access token this tab does not have.
    SignInNeeded,
    /// The viewer paused the view.
    Paused,
    /// The browser reports no network.
    Offline,
}

impl LinkState {
    /// Short machine-readable name, used as `data-state` for tests and styling.
    pub fn kind(&self) -> &'static str {
        match self {
            LinkState::Connecting(_) => "connecting",
            LinkState::Streaming => "streaming",
            LinkState::Polling { .. } => "polling",
            LinkState::Retrying { .. } => "retrying",
            LinkState::Error(_) => "error",
            LinkState::SignInNeeded => "sign-in",
            LinkState::Paused => "paused",
            LinkState::Offline => "offline",
        }
    }

    /// The transport in use, if one is.
    pub fn transport(&self) -> Option<Transport> {
        match self {
            LinkState::Connecting(t) => Some(*t),
            LinkState::Streaming => Some(Transport::Socket),
            LinkState::Polling { .. } => Some(Transport::Polling),
            LinkState::Retrying { transport, .. } => Some(*transport),
            _ => None,
        }
    }

    /// The indicator's text at wall-clock `now_ms`.
    pub fn label(&self, now_ms: f64) -> String {
        match self {
            LinkState::Connecting(Transport::Socket) => "Connecting…".into(),
            LinkState::Connecting(Transport::Polling) => "Loading…".into(),
            LinkState::Streaming => "Live · streaming".into(),
            LinkState::Polling { every_secs } => format!("Live · polling every {every_secs} s"),
            LinkState::Retrying { at_ms, attempt, .. } => {
                let secs = ((at_ms - now_ms) / 1000.0).ceil().max(0.0) as u64;
                format!("Retrying in {secs} s (attempt {attempt})")
            }
            LinkState::Error(message) => format!("Error: {message}"),
            LinkState::SignInNeeded => "Sign in to see live data".into(),
            LinkState::Paused => "Paused".into(),
            LinkState::Offline => "Offline".into(),
        }
    }
}

/// The socket sends something at least this often (a heartbeat when idle).
pub const SOCKET_PROMISE_MS: f64 = 5_000.0;
/// The socket's tick: the view's changes come at most this often.
pub const SOCKET_TICK_MS: f64 = protocol::view::VIEW_TICK_MS as f64;

/// How long silence may last before the data is overdue: what the transport
/// promised (a socket message every heartbeat, a poll answer every
/// interval) and two of its ticks more.
pub fn overdue_after_ms(transport: Transport, poll_secs: u32) -> f64 {
    match transport {
        Transport::Socket => SOCKET_PROMISE_MS + 2.0 * SOCKET_TICK_MS,
        Transport::Polling => 3.0 * f64::from(poll_secs) * 1000.0,
    }
}

/// The last contact (wall-clock ms) when the data is overdue at `now_ms`;
/// `None` while it is fresh or before any arrived. Without a transport (an
/// error, offline) the socket's promise applies.
pub fn overdue_since(
    last_contact_ms: Option<f64>,
    now_ms: f64,
    transport: Option<Transport>,
    poll_secs: u32,
) -> Option<f64> {
    let last = last_contact_ms?;
    let limit = overdue_after_ms(transport.unwrap_or(Transport::Socket), poll_secs);
    (now_ms - last > limit).then_some(last)
}

/// After how long without any data the age turns into a stale warning.
pub const STALE_AFTER_SECS: u64 = 15;

/// "Updated 3 s ago" / "No data for 42 s" for the header.
pub fn age_label(age_secs: Option<u64>) -> (String, bool) {
    match age_secs {
        None => ("Waiting for data…".into(), false),
        Some(s) if s > STALE_AFTER_SECS => (
            format!("Stale: no data for {}", super::format::duration_secs(s)),
            true,
        ),
        Some(s) => (format!("Updated {s} s ago"), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_transport_and_state() {
        assert_eq!(LinkState::Streaming.label(0.0), "Live · streaming");
        assert_eq!(
            LinkState::Polling { every_secs: 2 }.label(0.0),
            "Live · polling every 2 s"
        );
        let retry = LinkState::Retrying {
            transport: Transport::Polling,
            at_ms: 4_200.0,
            attempt: 3,
        };
        assert_eq!(retry.label(1_000.0), "Retrying in 4 s (attempt 3)");
        assert_eq!(retry.label(9_000.0), "Retrying in 0 s (attempt 3)");
        assert_eq!(retry.kind(), "retrying");
        assert_eq!(retry.transport(), Some(Transport::Polling));
        assert_eq!(LinkState::Offline.transport(), None);
        assert_eq!(
            LinkState::Error("bad token".into()).label(0.0),
            "Error: bad token"
        );
    }

    #[test]
    fn data_is_overdue_two_ticks_after_the_promise() {
        let socket = Some(Transport::Socket);
        assert_eq!(overdue_since(None, 99_000.0, socket, 2), None);
        // A socket message every 5 s, and two 1 s view ticks more.
        assert_eq!(overdue_since(Some(1_000.0), 8_000.0, socket, 2), None);
        assert_eq!(
            overdue_since(Some(1_000.0), 8_100.0, socket, 2),
            Some(1_000.0)
        );
        // Polling every 2 s promises an answer every 2 s: overdue after 6 s.
        let polling = Some(Transport::Polling);
        assert_eq!(overdue_since(Some(0.0), 5_900.0, polling, 2), None);
        assert_eq!(overdue_since(Some(0.0), 6_100.0, polling, 2), Some(0.0));
        assert_eq!(overdue_since(Some(0.0), 6_000.0, None, 2), None);
        assert_eq!(overdue_since(Some(0.0), 7_100.0, None, 2), Some(0.0));
    }

    #[test]
    fn age_turns_stale() {
        assert_eq!(age_label(Some(3)), ("Updated 3 s ago".into(), false));
        assert_eq!(
            age_label(Some(42)),
            ("Stale: no data for 42 s".into(), true)
        );
        assert!(!age_label(None).1);
    }
}
