//! When to use the WebSocket, when to fall back to polling, and how long to
//! wait after failures. Pure so the rules can be tested without a network.

use std::time::Duration;

use super::backoff::Backoff;
use super::connection::Transport;

/// Consecutive socket failures before polling takes over.
pub const SOCKET_FAILURES_BEFORE_POLLING: u32 = 2;
/// A socket that stayed open this long counts as having worked.
pub const SOCKET_HEALTHY_AFTER: Duration = Duration::from_secs(10);

/// What to do after the socket closed or failed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AfterSocketFailure {
    /// Reconnect the socket after the delay.
    Reconnect(Duration),
    /// Poll now; try the socket again after the delay.
    FallBack { retry_socket_in: Duration },
}

#[derive(Debug, Clone)]
pub struct TransportPolicy {
    socket_failures: u32,
    socket_backoff: Backoff,
    /// How long to poll before trying the socket again; grows while it keeps failing.
    fallback_backoff: Backoff,
    socket_retry_at_ms: Option<f64>,
    pub poll_backoff: Backoff,
}

impl Default for TransportPolicy {
    fn default() -> Self {
        TransportPolicy {
            socket_failures: 0,
            socket_backoff: Backoff::new(Duration::from_millis(500), Duration::from_secs(30)),
            fallback_backoff: Backoff::new(Duration::from_secs(20), Duration::from_secs(300)),
            socket_retry_at_ms: None,
            poll_backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(30)),
        }
    }
}

impl TransportPolicy {
    /// Which transport to use at `now_ms`. A hidden tab always polls (lightly).
    pub fn choose(&self, now_ms: f64, visible: bool) -> Transport {
        if !visible {
            return Transport::Polling;
        }
        match self.socket_retry_at_ms {
            Some(at) if now_ms < at => Transport::Polling,
            _ => Transport::Socket,
        }
    }

    /// When polling is only a fallback, when the socket will be tried again.
    pub fn socket_retry_at_ms(&self) -> Option<f64> {
        self.socket_retry_at_ms
    }

    /// Failed socket attempts since it last worked (for "attempt k").
    pub fn socket_attempt(&self) -> u32 {
        self.socket_backoff.attempt()
    }

    /// The socket opened and worked for a while: forget earlier failures.
    pub fn socket_healthy(&mut self) {
        self.socket_failures = 0;
        self.socket_backoff.reset();
        self.fallback_backoff.reset();
        self.socket_retry_at_ms = None;
    }

    /// The socket failed to open or closed; `unit` is a random number in [0, 1).
    pub fn socket_failed(&mut self, now_ms: f64, unit: f64) -> AfterSocketFailure {
        self.socket_failures += 1;
        if self.socket_failures >= SOCKET_FAILURES_BEFORE_POLLING {
            self.socket_failures = 0;
            self.socket_backoff.reset();
            let wait = self.fallback_backoff.fail(unit);
            self.socket_retry_at_ms = Some(now_ms + wait.as_millis() as f64);
            AfterSocketFailure::FallBack {
                retry_socket_in: wait,
            }
        } else {
            AfterSocketFailure::Reconnect(self.socket_backoff.fail(unit))
        }
    }

    /// Hidden tab became visible: reopen the socket at once instead of waiting out a fallback.
    pub fn visible_again(&mut self) {
        self.socket_retry_at_ms = None;
        self.socket_failures = 0;
    }
}

/// How long to wait before the next poll: the chosen interval, never sooner
/// than the server asks; at once when it has more; at least 10 s in a hidden tab.
pub fn next_poll_delay(
    interval_secs: u32,
    next_poll_after_ms: u64,
    has_more: bool,
    visible: bool,
) -> Duration {
    if has_more {
        return Duration::ZERO;
    }
    let mut ms = u64::from(interval_secs) * 1000;
    if !visible {
        ms = ms.max(HIDDEN_POLL.as_millis() as u64);
    }
    Duration::from_millis(ms.max(next_poll_after_ms))
}

/// The light polling interval of a hidden tab (or the selected one when slower).
pub const HIDDEN_POLL: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_first_then_polling_after_repeated_failures() {
        let mut p = TransportPolicy::default();
        assert_eq!(p.choose(0.0, true), Transport::Socket);
        assert_eq!(
            p.socket_failed(0.0, 1.0),
            AfterSocketFailure::Reconnect(Duration::from_millis(500))
        );
        assert_eq!(p.choose(0.0, true), Transport::Socket);
        let AfterSocketFailure::FallBack { retry_socket_in } = p.socket_failed(1_000.0, 1.0) else {
            panic!("expected a fallback");
        };
        assert_eq!(retry_socket_in, Duration::from_secs(20));
        assert_eq!(p.choose(2_000.0, true), Transport::Polling);
        assert_eq!(p.socket_retry_at_ms(), Some(21_000.0));
        // The socket is tried again later …
        assert_eq!(p.choose(21_000.0, true), Transport::Socket);
        // … and a second fallback waits longer.
        p.socket_failed(21_000.0, 1.0);
        let AfterSocketFailure::FallBack { retry_socket_in } = p.socket_failed(21_500.0, 1.0)
        else {
            panic!("expected a fallback");
        };
        assert_eq!(retry_socket_in, Duration::from_secs(40));
        p.socket_healthy();
        assert_eq!(p.choose(21_600.0, true), Transport::Socket);
    }

    #[test]
    fn hidden_tabs_poll_and_visibility_retries_the_socket_at_once() {
        let mut p = TransportPolicy::default();
        assert_eq!(p.choose(0.0, false), Transport::Polling);
        p.socket_failed(0.0, 1.0);
        p.socket_failed(0.0, 1.0);
        assert_eq!(p.choose(1.0, true), Transport::Polling);
        p.visible_again();
        assert_eq!(p.choose(1.0, true), Transport::Socket);
    }

    #[test]
    fn poll_delays_honour_the_server_and_visibility() {
        assert_eq!(
            next_poll_delay(2, 1_000, false, true),
            Duration::from_secs(2)
        );
        assert_eq!(
            next_poll_delay(1, 3_000, false, true),
            Duration::from_secs(3)
        );
        assert_eq!(next_poll_delay(5, 1_000, true, true), Duration::ZERO);
        assert_eq!(
            next_poll_delay(2, 1_000, false, false),
            Duration::from_secs(10)
        );
        assert_eq!(
            next_poll_delay(30, 0, false, false),
            Duration::from_secs(30)
        );
    }
}
