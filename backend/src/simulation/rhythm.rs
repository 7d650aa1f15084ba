//! The daily rhythm of traffic: busy in business hours, quiet at night, with
//! a mild slow wobble on top. Smooth enough (well under 3 % per minute) that
//! the rhythm itself never looks like an anomaly.

use std::f64::consts::TAU;

use protocol::Timestamp;
use rand::Rng;
use rand::rngs::SmallRng;

const MS_PER_DAY: i64 = 86_400_000;

/// A slow sinusoid; several with unrelated periods make a gentle wobble.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Wobble {
    amplitude: f64,
    period_ms: i64,
    phase: f64,
}

/// One tenant's traffic multiplier over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Rhythm {
    peak_hour: f64,
    wobbles: [Wobble; 3],
}

/// Business-hours curve at `hour` (UTC, 0–24) for a tenant busiest at
/// `peak_hour`: two harmonics give a broad day peak and a flat night trough,
/// between 0.45 and 1.35 with a mean of exactly 1.
pub fn daily(hour: f64, peak_hour: f64) -> f64 {
    let theta = TAU * (hour - peak_hour) / 24.0;
    // 1 + a·cos θ + b·cos 2θ with b < 0 and |4b| < a has its extremes at
    // θ = 0 (1 + a + b) and θ = π (1 − a + b).
    1.0 + 0.45 * theta.cos() - 0.1 * (2.0 * theta).cos()
}

impl Rhythm {
    pub fn new(peak_hour: f64, rng: &mut SmallRng) -> Self {
        // Periods in minutes; amplitudes of 2 % each keep the wobble mild.
        let wobble = |rng: &mut SmallRng, minutes: f64| Wobble {
            amplitude: 0.02,
            period_ms: (minutes * 60_000.0) as i64,
            phase: rng.random_range(0.0..TAU),
        };
        Rhythm {
            peak_hour,
            wobbles: [wobble(rng, 11.0), wobble(rng, 23.0), wobble(rng, 61.0)],
        }
    }

    /// Traffic multiplier at `t`.
    pub fn multiplier(&self, t: Timestamp) -> f64 {
        let ms = t.timestamp_millis();
        let hour = ms.rem_euclid(MS_PER_DAY) as f64 / 3_600_000.0;
        let wobble: f64 = self
            .wobbles
            .iter()
            .map(|w| {
                // Reduce modulo the period first so f64 keeps its precision.
                let cycle = ms.rem_euclid(w.period_ms) as f64 / w.period_ms as f64;
                w.amplitude * (TAU * cycle + w.phase).sin()
            })
            .sum();
        daily(hour, self.peak_hour) * (1.0 + wobble)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use rand::SeedableRng;

    const DAILY_MIN: f64 = 0.45;
    const DAILY_MAX: f64 = 1.35;

    #[test]
    fn daily_curve_has_bounds_peak_and_unit_mean() {
        let samples: Vec<f64> = (0..1440).map(|m| daily(m as f64 / 60.0, 14.0)).collect();
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        assert!((mean - 1.0).abs() < 1e-9, "mean {mean}");
        let max = samples.iter().copied().fold(f64::MIN, f64::max);
        let min = samples.iter().copied().fold(f64::MAX, f64::min);
        assert!((max - DAILY_MAX).abs() < 1e-9 && (min - DAILY_MIN).abs() < 1e-9);
        assert!((daily(14.0, 14.0) - DAILY_MAX).abs() < 1e-9);
        assert!((daily(2.0, 14.0) - DAILY_MIN).abs() < 1e-9);
    }

    #[test]
    fn multiplier_is_bounded_and_smooth() {
        let rhythm = Rhythm::new(15.0, &mut SmallRng::seed_from_u64(3));
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
        let values: Vec<f64> = (0..=2 * 1440)
            .map(|m| rhythm.multiplier(start + Duration::seconds(30 * m)))
            .collect();
        for v in &values {
            assert!((0.40..=1.45).contains(v), "{v}");
        }
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((mean - 1.0).abs() < 0.02, "mean {mean}");
        for pair in values.windows(3) {
            // Change over one minute, relative to the level.
            let change = (pair[2] - pair[0]).abs() / pair[0];
            assert!(change < 0.03, "changed {change} in a minute");
        }
    }
}
