//! The cost gauge's scale and geometry: a half-circle dial whose maximum
//! follows the data (a "nice" number just above the recent peak), never a
//! fixed arbitrary maximum; and which way the rate moved.

use super::format::{change, usd_per_hour};

/// The smallest of 1, 2, 2.5, 5 × 10^k that is at least `value` (1 for nothing).
pub fn nice_ceiling(value: f64) -> f64 {
    if !value.is_finite() || value <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        let candidate = step * magnitude;
        // Tolerate float noise so 200 stays 200, not 250.
        if candidate >= value * (1.0 - 1e-9) {
            return candidate;
        }
    }
    10.0 * magnitude
}

/// Dial maximum for the current rate and the recent peak: 10 % headroom above
/// the larger, rounded up to a nice number, so the needle rarely pins.
pub fn scale_max(current: f64, recent_peak: f64) -> f64 {
    let top = current.max(recent_peak);
    nice_ceiling(top * 1.1)
}

/// The dial's maximum given the one it shows (`held`) and the one the data
/// wants now: it grows at once (the needle must not pin) but shrinks only
/// when the data would use less than 40 % of it, so the scale does not jump
/// back and forth with every spike.
pub fn held_scale(held: Option<f64>, wanted: f64) -> f64 {
    match held {
        Some(h) if wanted <= h && wanted > h * 0.4 => h,
        _ => wanted,
    }
}

/// Where `value` sits on a dial of `max`, clamped to 0–1.
pub fn fraction(value: f64, max: f64) -> f64 {
    if !value.is_finite() || max <= 0.0 {
        return 0.0;
    }
    (value / max).clamp(0.0, 1.0)
}

/// Needle rotation in degrees for a fraction: -90 (left end) to +90 (right end).
pub fn needle_degrees(fraction: f64) -> f64 {
    -90.0 + 180.0 * fraction.clamp(0.0, 1.0)
}

/// The dial's labels: the fractions 0, ½ and 1 of the scale and their points
/// on the arc (centre `cx, cy`, radius `r`) — its left end, top and right end.
/// At these three points the coordinates are exact without trigonometry,
/// which would add 7 KB of wasm for them (docs/PERFORMANCE.md, "Browser").
pub fn label_points(cx: f64, cy: f64, r: f64) -> [(f64, (f64, f64)); 3] {
    [
        (0.0, (cx - r, cy)),
        (0.5, (cx, cy - r)),
        (1.0, (cx + r, cy)),
    ]
}

/// The half circle as an SVG path, drawn left to right.
pub fn arc_path(cx: f64, cy: f64, r: f64) -> String {
    format!(
        "M {:.1} {cy:.1} A {r:.1} {r:.1} 0 0 1 {:.1} {cy:.1}",
        cx - r,
        cx + r
    )
}

/// Length of the half circle: the dash array that lets CSS animate the filled part.
pub fn arc_length(r: f64) -> f64 {
    std::f64::consts::PI * r
}

/// Which way the rate moved against five minutes earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Up,
    Down,
    Flat,
}

impl Trend {
    /// The change line's `data-trend`, which colours it.
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Up => "up",
            Trend::Down => "down",
            Trend::Flat => "flat",
        }
    }

    /// The arrow before the change.
    pub fn arrow(self) -> &'static str {
        match self {
            Trend::Up => "▲",
            Trend::Down => "▼",
            Trend::Flat => "■",
        }
    }
}

/// The rate against the rate five minutes ago (`None`: no data that old
/// yet). Within ±0.5 % it is flat; from nothing, any spend is up.
pub fn trend(rate: f64, before: Option<f64>) -> Trend {
    match before {
        Some(before) if before.abs() < 1e-9 => {
            if rate > 0.0 {
                Trend::Up
            } else {
                Trend::Flat
            }
        }
        Some(before) if rate > before * 1.005 => Trend::Up,
        Some(before) if rate < before * 0.995 => Trend::Down,
        Some(_) | None => Trend::Flat,
    }
}

/// The gauge's change line: its direction and its words.
#[derive(Debug, Clone, PartialEq)]
pub struct RateChange {
    pub trend: Trend,
    pub text: String,
}

/// The change line for `rate` against `before`, five minutes earlier.
pub fn rate_change(rate: f64, before: Option<f64>) -> RateChange {
    change_line(
        rate,
        before,
        "5 min ago",
        "warming up: no data from 5 min ago yet",
    )
}

/// The change line against the same time yesterday (`before`: the rate
/// then, over the same span).
pub fn yesterday_change(rate: f64, before: Option<f64>) -> RateChange {
    change_line(
        rate,
        before,
        "yesterday same time",
        "no data from yesterday same time",
    )
}

fn change_line(rate: f64, before: Option<f64>, when: &str, unknown: &str) -> RateChange {
    let text = match before {
        // "new vs 5 min ago ($0.00/h)" read as a glitch; say it plainly.
        Some(before) if before.abs() < 1e-9 => format!("no spend {when}"),
        Some(before) => format!(
            "{} vs {when} ({})",
            change(rate, before),
            usd_per_hour(before)
        ),
        None => unknown.to_string(),
    };
    RateChange {
        trend: trend(rate, before),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_numbers() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
        assert_eq!(nice_ceiling(0.7), 1.0);
        assert_eq!(nice_ceiling(1.2), 2.0);
        assert_eq!(nice_ceiling(2.2), 2.5);
        assert_eq!(nice_ceiling(200.0), 200.0);
        assert_eq!(nice_ceiling(380.0), 500.0);
        assert_eq!(nice_ceiling(5_001.0), 10_000.0);
        assert_eq!(nice_ceiling(0.031), 0.05);
    }

    #[test]
    fn the_scale_holds_through_small_drops() {
        assert_eq!(held_scale(None, 20_000.0), 20_000.0);
        assert_eq!(held_scale(Some(20_000.0), 50_000.0), 50_000.0);
        assert_eq!(held_scale(Some(50_000.0), 25_000.0), 50_000.0);
        assert_eq!(held_scale(Some(50_000.0), 20_000.0), 20_000.0);
    }

    #[test]
    fn scale_adapts_to_the_data_with_headroom() {
        assert_eq!(scale_max(100.0, 0.0), 200.0);
        assert_eq!(scale_max(40.0, 300.0), 500.0);
        assert_eq!(scale_max(12_000.0, 9_000.0), 20_000.0);
        assert_eq!(scale_max(0.0, 0.0), 1.0);
        // The needle never leaves the dial.
        assert!(fraction(scale_max(777.0, 0.0), scale_max(777.0, 0.0)) <= 1.0);
    }

    #[test]
    fn geometry() {
        assert_eq!(fraction(50.0, 200.0), 0.25);
        assert_eq!(fraction(500.0, 200.0), 1.0);
        assert_eq!(fraction(-1.0, 200.0), 0.0);
        assert_eq!(needle_degrees(0.0), -90.0);
        assert_eq!(needle_degrees(0.5), 0.0);
        assert_eq!(needle_degrees(1.0), 90.0);
        assert_eq!(
            label_points(100.0, 100.0, 80.0),
            [
                (0.0, (20.0, 100.0)),
                (0.5, (100.0, 20.0)),
                (1.0, (180.0, 100.0))
            ]
        );
        // The labels sit where the needle points at those fractions.
        for (f, (x, y)) in label_points(100.0, 100.0, 80.0) {
            let angle = needle_degrees(f).to_radians();
            assert!((x - (100.0 + 80.0 * angle.sin())).abs() < 1e-9);
            assert!((y - (100.0 - 80.0 * angle.cos())).abs() < 1e-9);
        }
        assert_eq!(
            arc_path(100.0, 100.0, 80.0),
            "M 20.0 100.0 A 80.0 80.0 0 0 1 180.0 100.0"
        );
        assert!((arc_length(1.0) - std::f64::consts::PI).abs() < 1e-12);
    }

    #[test]
    fn trend_has_a_flat_band_and_counts_spend_from_nothing_as_up() {
        assert_eq!(trend(412.0, Some(206.0)), Trend::Up);
        assert_eq!(trend(100.0, Some(200.0)), Trend::Down);
        // ±0.5 % is flat.
        assert_eq!(trend(100.4, Some(100.0)), Trend::Flat);
        assert_eq!(trend(99.6, Some(100.0)), Trend::Flat);
        assert_eq!(trend(100.6, Some(100.0)), Trend::Up);
        assert_eq!(trend(99.4, Some(100.0)), Trend::Down);
        assert_eq!(trend(3.0, Some(0.0)), Trend::Up);
        assert_eq!(trend(0.0, Some(0.0)), Trend::Flat);
        assert_eq!(trend(3.0, None), Trend::Flat);
        assert_eq!(
            [Trend::Up, Trend::Down, Trend::Flat].map(|t| (t.as_str(), t.arrow())),
            [("up", "▲"), ("down", "▼"), ("flat", "■")]
        );
    }

    #[test]
    fn change_line_names_the_earlier_rate_or_says_why_not() {
        let up = rate_change(412.0, Some(206.0));
        assert_eq!(up.trend, Trend::Up);
        assert_eq!(
            up.text,
            format!(
                "{} vs 5 min ago ({})",
                change(412.0, 206.0),
                usd_per_hour(206.0)
            )
        );
        assert_eq!(
            rate_change(3.0, Some(0.0)),
            RateChange {
                trend: Trend::Up,
                text: "no spend 5 min ago".into()
            }
        );
        assert_eq!(
            rate_change(3.0, None),
            RateChange {
                trend: Trend::Flat,
                text: "warming up: no data from 5 min ago yet".into()
            }
        );
    }

    #[test]
    fn against_yesterday_same_time() {
        let line = yesterday_change(300.0, Some(200.0));
        assert_eq!(line.trend, Trend::Up);
        assert!(
            line.text.ends_with("vs yesterday same time ($200.00/h)"),
            "{}",
            line.text
        );
        assert_eq!(
            yesterday_change(1.0, Some(0.0)).text,
            "no spend yesterday same time"
        );
        assert_eq!(
            yesterday_change(1.0, None).text,
            "no data from yesterday same time"
        );
    }
}
