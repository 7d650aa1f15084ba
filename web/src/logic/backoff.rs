//! Exponential backoff with jitter (the upper half of each step) and a cap, for reconnects and failed polls.

use std::time::Duration;

/// Delays grow `base · 2^attempt` up to `cap`; each delay is drawn uniformly
/// from the upper half of that bound so many clients restarting together
/// spread out, yet nobody retries at once after a failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff {
            base,
            cap,
            attempt: 0,
        }
    }

    /// Failures since the last success (the attempt about to be retried is `attempt() + 1`).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The upper bound of the next delay, without jitter.
    pub fn ceiling(&self) -> Duration {
        let factor = 2u32.saturating_pow(self.attempt.min(20));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// Records a failure and returns how long to wait; `unit` is a random number in [0, 1).
    pub fn fail(&mut self, unit: f64) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.5
        };
        ceiling.mul_f64(0.5 + 0.5 * unit)
    }

    /// Records a success: the next failure starts from `base` again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_up_to_the_cap() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        let delays: Vec<u64> = (0..8).map(|_| b.fail(1.0).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(b.attempt(), 8);
    }

    #[test]
    fn jitter_stays_in_the_upper_half() {
        let mut low = Backoff::new(Duration::from_secs(4), Duration::from_secs(60));
        let mut high = low.clone();
        assert_eq!(low.fail(0.0), Duration::from_secs(2));
        assert_eq!(high.fail(0.999_999).as_millis(), 3999);
        // Garbage randomness still gives a sane delay.
        let mut odd = Backoff::new(Duration::from_secs(4), Duration::from_secs(60));
        assert_eq!(odd.fail(f64::NAN), Duration::from_secs(3));
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
        b.fail(1.0);
        b.fail(1.0);
        assert_eq!(b.ceiling(), Duration::from_secs(2));
        b.reset();
        assert_eq!(b.attempt(), 0);
        assert_eq!(b.fail(1.0), Duration::from_millis(500));
    }

    #[test]
    fn never_overflows() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        for _ in 0..1_000 {
            assert!(b.fail(1.0) <= Duration::from_secs(60));
        }
    }
}
