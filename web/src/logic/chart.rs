//! Geometry for the SVG charts: axis ticks, time labels, trend lines,
//! sparklines and donut segments. Components only place what this computes.

use std::time::Duration;

use chrono::{FixedOffset, TimeDelta};
use protocol::Timestamp;
use protocol::time::align_floor;

use super::gauge::nice_ceiling;

/// Y-axis maximum and ticks for values up to `max`: `0, step, 2·step, …` with at most `count + 1` ticks.
pub fn value_ticks(max: f64, count: usize) -> (f64, Vec<f64>) {
    let count = count.max(1);
    let step = nice_ceiling(max / count as f64);
    let top = step * count as f64;
    // Trim ticks above the data so the plot uses its height.
    let needed = ((max / step).ceil() as usize).clamp(1, count);
    let ticks = (0..=needed).map(|i| step * i as f64).collect();
    (top.min(step * needed as f64), ticks)
}

/// Candidate spacings for time labels.
const TIME_STEPS_SECS: [u64; 19] = [
    5,
    10,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10800,
    21600,
    43200,
    86400,
    2 * 86400,
    7 * 86400,
    30 * 86400,
];

/// A label on the time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeTick {
    pub at: Timestamp,
    /// Position along the axis, 0–1.
    pub x: f64,
    /// Every other label is minor: hidden where the chart is narrow.
    pub minor: bool,
    /// Labels are a day or more apart: show the date, not the time.
    pub dated: bool,
}

/// Labels for `[from, to)`: the smallest spacing giving at most `max_labels`,
/// aligned to whole minutes/hours in the viewer's offset.
pub fn time_ticks(
    from: Timestamp,
    to: Timestamp,
    max_labels: usize,
    offset: FixedOffset,
) -> Vec<TimeTick> {
    let span = (to - from).num_milliseconds();
    if span <= 0 {
        return Vec::new();
    }
    let max_labels = max_labels.max(2) as i64;
    let step_secs = TIME_STEPS_SECS
        .iter()
        .copied()
        .find(|s| span / (*s as i64 * 1000) < max_labels)
        .unwrap_or(30 * 86_400);
    let step = Duration::from_secs(step_secs);
    // Align in local time so an hourly label reads 09:00, not 09:30, in India.
    let shift = TimeDelta::seconds(i64::from(offset.local_minus_utc()));
    let mut at = align_floor(from + shift, step) - shift;
    if at < from {
        at += TimeDelta::seconds(step_secs as i64);
    }
    let mut ticks = Vec::new();
    let mut i = 0;
    while at < to {
        let x = (at - from).num_milliseconds() as f64 / span as f64;
        let index_from_start = (at + shift).timestamp() / step_secs as i64;
        ticks.push(TimeTick {
            at,
            x,
            minor: index_from_start % 2 != 0,
            dated: step_secs >= 86_400,
        });
        at += TimeDelta::seconds(step_secs as i64);
        i += 1;
        if i > 1000 {
            break;
        }
    }
    ticks
}

/// Whether time labels need seconds (spacing under a minute).
pub fn ticks_need_seconds(ticks: &[TimeTick]) -> bool {
    ticks
        .windows(2)
        .any(|w| (w[1].at - w[0].at).num_seconds() < 60)
}

/// A straight trend line over part of a chart: the fitted values at its
/// first and last bucket (indices into the values it was fitted to).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendLine {
    pub first: usize,
    pub last: usize,
    pub start: f64,
    pub end: f64,
}

/// The least-squares trend of the buckets that have data.
///
/// The rule: the fit starts at the first bucket with a value above zero and
/// runs to the last value given. Empty buckets before that one mean "no data
/// yet" (a server that has just started, a source not reporting yet), not
/// "no usage": fitting through them would draw a ramp up from zero that never
/// happened. Empty buckets after the first data are real quiet periods and
/// count as zeros. Fewer than two buckets from the first with data give no line.
pub fn data_trend(values: &[f64]) -> Option<TrendLine> {
    let values: Vec<Option<f64>> = values.iter().copied().map(Some).collect();
    data_trend_with_gaps(&values)
}

/// The same, where `None` is a bucket with no data at all (no server was
/// recording): it is left out of the fit but keeps its place on the axis.
pub fn data_trend_with_gaps(values: &[Option<f64>]) -> Option<TrendLine> {
    let first = values.iter().position(|v| v.is_some_and(|v| v > 0.0))?;
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .skip(first)
        .filter_map(|(i, v)| v.map(|y| (i as f64, y)))
        .collect();
    let n = points.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / nf;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / nf;
    let mut num = 0.0;
    let mut den = 0.0;
    for (x, y) in &points {
        let dx = x - mean_x;
        num += dx * (y - mean_y);
        den += dx * dx;
    }
    let slope = num / den;
    let at = |x: f64| mean_y + slope * (x - mean_x);
    let last = values.len() - 1;
    Some(TrendLine {
        first,
        last,
        start: at(first as f64),
        end: at(last as f64),
    })
}

/// An SVG polyline path through `values` in a `width × height` box (higher is up).
/// Flat or empty series draw a flat line in the middle, never a division by zero.
pub fn sparkline_path(values: &[f64], width: f64, height: f64, max: f64) -> String {
    let mut path = String::new();
    if values.is_empty() {
        return path;
    }
    let min = 0.0;
    let range = max - min;
    let dx = if values.len() > 1 {
        width / (values.len() - 1) as f64
    } else {
        0.0
    };
    for (i, v) in values.iter().enumerate() {
        let y = if range > 0.0 && v.is_finite() {
            height - ((v - min) / range).clamp(0.0, 1.0) * height
        } else {
            height / 2.0
        };
        let cmd = if i == 0 { 'M' } else { 'L' };
        path.push_str(&format!("{cmd}{:.1} {y:.1} ", i as f64 * dx));
    }
    path.trim_end().to_string()
}

/// A key that moves a chart's tooltip between buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoverKey {
    Left,
    Right,
    Clear,
}

/// The bucket hovered after `key`, from `current`, over buckets `0..=last`:
/// the first arrow starts at the newest bucket, Escape clears.
pub fn hover_after(key: HoverKey, current: Option<usize>, last: usize) -> Option<usize> {
    match (key, current) {
        (HoverKey::Left, Some(i)) => Some(i.saturating_sub(1)),
        (HoverKey::Right, Some(i)) => Some((i + 1).min(last)),
        (HoverKey::Left | HoverKey::Right, None) => Some(last),
        (HoverKey::Clear, _) => None,
    }
}

/// An SVG path through the centres of `values.len()` equal slots across
/// `width` (value `top` at the top edge), broken where a value is unknown:
/// a comparison line must not invent spend where nothing was recorded.
pub fn gapped_line_path(values: &[Option<f64>], width: f64, height: f64, top: f64) -> String {
    let slot = width / values.len().max(1) as f64;
    let mut path = String::new();
    let mut pen_down = false;
    for (i, v) in values.iter().enumerate() {
        match v.filter(|v| v.is_finite()) {
            Some(v) => {
                let y = height - (v / top.max(f64::MIN_POSITIVE)).clamp(0.0, 1.0) * height;
                let cmd = if pen_down { 'L' } else { 'M' };
                path.push_str(&format!("{cmd}{:.1} {y:.1} ", slot * i as f64 + slot / 2.0));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    path.trim_end().to_string()
}

/// A donut segment drawn as a dashed circle stroke.
#[derive(Debug, Clone, PartialEq)]
pub struct DonutSegment {
    /// `stroke-dasharray`: segment length, then the rest of the circle.
    pub dash: String,
    /// `stroke-dashoffset`: minus the length of the segments before it.
    pub offset: f64,
}

/// Segments for shares (0–1, summing to at most 1) on a circle of `radius`.
pub fn donut_segments(shares: &[f64], radius: f64) -> Vec<DonutSegment> {
    let circumference = 2.0 * std::f64::consts::PI * radius;
    let mut before = 0.0;
    shares
        .iter()
        .map(|share| {
            let len = share.clamp(0.0, 1.0) * circumference;
            let segment = DonutSegment {
                dash: format!("{len:.2} {:.2}", circumference - len),
                offset: -before,
            };
            before += len;
            segment
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn value_ticks_are_nice_and_cover_the_data() {
        let (top, ticks) = value_ticks(830.0, 4);
        assert_eq!(ticks, [0.0, 250.0, 500.0, 750.0, 1000.0]);
        assert_eq!(top, 1000.0);
        let (top, ticks) = value_ticks(0.0, 4);
        assert_eq!(ticks, [0.0, 1.0]);
        assert_eq!(top, 1.0);
        let (top, ticks) = value_ticks(95_000.0, 3);
        assert_eq!(ticks.last().copied(), Some(top));
        assert!(top >= 95_000.0);
    }

    #[test]
    fn five_minutes_get_minute_labels() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let ticks = time_ticks(
            ts("2026-11-23T10:00:05Z"),
            ts("2026-11-23T10:05:05Z"),
            7,
            utc,
        );
        let at: Vec<_> = ticks.iter().map(|t| t.at).collect();
        assert_eq!(at.len(), 5);
        assert_eq!(at[0], ts("2026-11-23T10:01:00Z"));
        assert!(!ticks_need_seconds(&ticks));
        assert!((ticks[0].x - 55.0 / 300.0).abs() < 1e-9);
        // Alternate labels are minor so narrow charts can hide them.
        assert_ne!(ticks[0].minor, ticks[1].minor);
    }

    #[test]
    fn a_day_gets_hour_labels_aligned_in_local_time() {
        let india = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
        let ticks = time_ticks(
            ts("2026-11-22T10:00:00Z"),
            ts("2026-11-23T10:00:00Z"),
            8,
            india,
        );
        assert!(ticks.len() <= 8 && ticks.len() >= 4);
        for t in &ticks {
            let local = t.at.with_timezone(&india);
            assert_eq!(local.format("%M").to_string(), "00");
        }
        assert!(ticks.iter().all(|t| (0.0..1.0).contains(&t.x)));
    }

    #[test]
    fn short_spans_need_seconds_and_empty_spans_have_no_ticks() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let ticks = time_ticks(
            ts("2026-11-23T10:00:00Z"),
            ts("2026-11-23T10:01:00Z"),
            6,
            utc,
        );
        assert!(ticks_need_seconds(&ticks));
        assert!(
            time_ticks(
                ts("2026-11-23T10:00:00Z"),
                ts("2026-11-23T10:00:00Z"),
                6,
                utc
            )
            .is_empty()
        );
    }

    #[test]
    fn trend_fits_a_line() {
        let line = |first, last, start, end| TrendLine {
            first,
            last,
            start,
            end,
        };
        assert_eq!(data_trend(&[1.0, 2.0, 3.0]), Some(line(0, 2, 1.0, 3.0)));
        assert_eq!(data_trend(&[5.0, 5.0]), Some(line(0, 1, 5.0, 5.0)));
        assert_eq!(data_trend(&[4.0]), None);
        assert_eq!(data_trend(&[]), None);
        let up = data_trend(&[1.0, 10.0, 0.0, 10.0]).unwrap();
        assert!(up.start < up.end);
        // A gap keeps its place but is not fitted as a zero.
        let gapped = data_trend_with_gaps(&[Some(1.0), None, None, Some(4.0)]).unwrap();
        assert_eq!(gapped, line(0, 3, 1.0, 4.0));
        let as_zeros = data_trend(&[1.0, 0.0, 0.0, 4.0]).unwrap();
        assert!(as_zeros.end < 4.0, "zeros would drag the line down");
    }

    #[test]
    fn trend_starts_at_the_first_bucket_with_data() {
        // A fresh server: nothing for 50 buckets, then a steady 100 per bucket.
        let mut values = vec![0.0; 50];
        values.extend([100.0; 9]);
        let t = data_trend(&values).unwrap();
        assert_eq!((t.first, t.last), (50, 58));
        // Flat data gives a flat line, not a ramp up from the empty start.
        assert!((t.start - 100.0).abs() < 1e-9 && (t.end - 100.0).abs() < 1e-9);
        // Empty buckets after the first data are quiet periods: they pull the line down.
        let t = data_trend(&[0.0, 0.0, 100.0, 100.0, 0.0, 0.0]).unwrap();
        assert_eq!((t.first, t.last), (2, 5));
        assert!(t.end < t.start);
        // No data at all, or only the newest bucket: no line.
        assert_eq!(data_trend(&[0.0; 10]), None);
        assert_eq!(data_trend(&[0.0, 0.0, 7.0]), None);
    }

    #[test]
    fn sparklines_survive_flat_and_empty_series() {
        assert_eq!(sparkline_path(&[], 100.0, 20.0, 1.0), "");
        assert_eq!(
            sparkline_path(&[0.0, 0.0], 100.0, 20.0, 0.0),
            "M0.0 10.0 L100.0 10.0"
        );
        assert_eq!(
            sparkline_path(&[0.0, 5.0, 10.0], 100.0, 20.0, 10.0),
            "M0.0 20.0 L50.0 10.0 L100.0 0.0"
        );
        assert_eq!(sparkline_path(&[7.0], 100.0, 20.0, 10.0), "M0.0 6.0");
    }

    #[test]
    fn donut_segments_follow_each_other() {
        let r = 10.0;
        let c = 2.0 * std::f64::consts::PI * r;
        let segs = donut_segments(&[0.5, 0.25], r);
        assert_eq!(segs[0].offset, 0.0);
        assert!((segs[1].offset + c / 2.0).abs() < 1e-9);
        assert_eq!(segs[1].dash, format!("{:.2} {:.2}", c / 4.0, c * 0.75));
    }

    #[test]
    fn gapped_lines_break_where_values_are_unknown() {
        let d = gapped_line_path(
            &[Some(0.0), Some(5.0), None, Some(10.0)],
            400.0,
            100.0,
            10.0,
        );
        assert_eq!(d, "M50.0 100.0 L150.0 50.0 M350.0 0.0");
        assert_eq!(gapped_line_path(&[None, None], 400.0, 100.0, 10.0), "");
        // Above the top it is clamped to the edge, not drawn off the chart.
        assert_eq!(
            gapped_line_path(&[Some(20.0)], 100.0, 100.0, 10.0),
            "M50.0 0.0"
        );
    }

    #[test]
    fn arrows_walk_the_buckets_and_escape_clears() {
        assert_eq!(hover_after(HoverKey::Left, None, 59), Some(59));
        assert_eq!(hover_after(HoverKey::Left, Some(0), 59), Some(0));
        assert_eq!(hover_after(HoverKey::Right, Some(59), 59), Some(59));
        assert_eq!(hover_after(HoverKey::Right, Some(3), 59), Some(4));
        assert_eq!(hover_after(HoverKey::Clear, Some(3), 59), None);
    }
}
