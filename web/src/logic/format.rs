//! Number, money, time and duration formatting for people.
//!
//! Every function here is pure so labels look the same in the browser, in
//! component tests and in CSV files.

use chrono::{Datelike, FixedOffset, Timelike};
use protocol::Timestamp;

/// Dollars: the product's one money format (see `protocol::format::usd`).
pub use protocol::format::usd;

/// A spend rate: `$412.00/h`.
pub fn usd_per_hour(value: f64) -> String {
    format!("{}/h", usd(value))
}

/// Dollars for axis labels, without cents once they stop mattering: `$0.50`, `$250`, `$2.5k`.
pub fn usd_axis(value: f64) -> String {
    if value.abs() < 10.0 {
        usd(value)
    } else {
        format!("${}", axis_number(value))
    }
}

/// Compact counts for axis labels, without trailing zeros: `500k`, `1M`, `1.5M`.
pub fn axis_number(value: f64) -> String {
    let text = compact(value);
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number = if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    };
    format!("{number}{unit}")
}

/// Compact counts: `950`, `12.3k`, `4.56M`, `1.2B`.
pub fn compact(value: f64) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let v = value.abs();
    let sign = if value < 0.0 { "-" } else { "" };
    let body = if v < 1_000.0 {
        format!("{}", v.round() as u64)
    } else if v < 1_000_000.0 {
        trim_decimal(v / 1_000.0, "k")
    } else if v < 1_000_000_000.0 {
        trim_decimal(v / 1_000_000.0, "M")
    } else {
        trim_decimal(v / 1_000_000_000.0, "B")
    };
    format!("{sign}{body}")
}

fn trim_decimal(v: f64, unit: &str) -> String {
    if v < 10.0 {
        format!("{v:.2}{unit}")
    } else if v < 100.0 {
        format!("{v:.1}{unit}")
    } else {
        format!("{v:.0}{unit}")
    }
}

pub use protocol::format::group_thousands;

/// A share (0–1) as a percentage: `42.5%`, `<0.1%`.
pub fn percent(share: f64) -> String {
    if !share.is_finite() {
        return "—".into();
    }
    let p = share * 100.0;
    if p > 0.0 && p < 0.1 {
        "<0.1%".into()
    } else if p >= 9.95 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// A cost as shown next to its calls: `$12.34`, `unpriced` when no call of
/// it had a price, and `$12.34 + 3 unpriced` when some had none, so a
/// model the price table does not know never looks free.
pub fn cost_text(m: &protocol::Metrics) -> String {
    match m.unpriced_calls {
        0 => usd(m.total_cost),
        n if n >= m.total_calls && m.total_cost == 0.0 => "unpriced".into(),
        n => format!("{} + {} unpriced", usd(m.total_cost), group_thousands(n)),
    }
}

/// Share of the input tokens read from the prompt cache, `—` when none were.
pub fn cached_share(m: &protocol::Metrics) -> String {
    if m.cache_read_tokens == 0 || m.input_tokens == 0 {
        "—".into()
    } else {
        percent(m.cache_read_tokens as f64 / m.input_tokens as f64)
    }
}

/// Relative change from `before` to `now`: `+12.5%`, `-3.0%`, or `new` when there was nothing before.
pub fn change(now: f64, before: f64) -> String {
    if before.abs() < 1e-9 {
        return if now.abs() < 1e-9 {
            "±0%".into()
        } else {
            "new".into()
        };
    }
    let p = (now - before) / before * 100.0;
    if p.abs() < 0.05 {
        "±0%".into()
    } else if p.abs() >= 100.0 {
        format!("{p:+.0}%")
    } else {
        format!("{p:+.1}%")
    }
}

/// Milliseconds as `850 ms` or `2.3 s`.
pub fn latency_ms(ms: f64) -> String {
    if !ms.is_finite() {
        "—".into()
    } else if ms < 1_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1_000.0)
    }
}

/// Seconds as `4 s`, `2 min`, `1 h 5 min`.
pub fn duration_secs(secs: u64) -> String {
    if secs < 60 {
        format!("{secs} s")
    } else if secs < 3600 {
        format!("{} min", secs / 60)
    } else {
        let (h, m) = (secs / 3600, (secs % 3600) / 60);
        if m == 0 {
            format!("{h} h")
        } else {
            format!("{h} h {m} min")
        }
    }
}

/// 24-hour clock in the viewer's offset: `09:05` or, with seconds, `09:05:30`.
pub fn clock(t: Timestamp, offset: FixedOffset, seconds: bool) -> String {
    let local = t.with_timezone(&offset);
    if seconds {
        format!(
            "{:02}:{:02}:{:02}",
            local.hour(),
            local.minute(),
            local.second()
        )
    } else {
        format!("{:02}:{:02}", local.hour(), local.minute())
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Day and month for a date axis: `23 Nov`.
pub fn day_month(t: Timestamp, offset: FixedOffset) -> String {
    let local = t.with_timezone(&offset);
    format!("{} {}", local.day(), MONTHS[local.month0() as usize])
}

/// The month index (0–11) of `"12"`; `None` when it is not a month.
fn month0(m: Option<&str>) -> Option<usize> {
    m?.parse::<usize>()
        .ok()
        .filter(|m| (1..=12).contains(m))
        .map(|m| m - 1)
}

/// A budget month: `"2026-12"` → `December 2026` (itself when malformed).
/// From the fields, not chrono's format strings (12 KB of wasm gzipped).
pub fn month_name(month: &str) -> String {
    let mut parts = month.split('-');
    match (parts.next(), month0(parts.next()), parts.next()) {
        (Some(year), Some(m), None) if year.parse::<i32>().is_ok() => {
            format!("{} {year}", MONTH_NAMES[m])
        }
        _ => month.to_string(),
    }
}

/// A day: `"2026-12-24"` → `Dec 24` (itself when malformed).
pub fn short_day(day: &str) -> String {
    let mut parts = day.split('-');
    let (year, m, d) = (parts.next(), month0(parts.next()), parts.next());
    match (year.map(str::parse::<i32>), m, d.map(str::parse::<u32>)) {
        (Some(Ok(_)), Some(m), Some(Ok(d @ 1..=31))) if parts.next().is_none() => {
            format!("{} {d}", MONTHS[m])
        }
        _ => day.to_string(),
    }
}

/// The zone times are shown in, as the labels name it: `UTC`, `UTC+1`, `UTC−5:30`.
pub fn zone(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    if secs == 0 {
        return "UTC".into();
    }
    let sign = if secs < 0 { '−' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if m == 0 {
        format!("UTC{sign}{h}")
    } else {
        format!("UTC{sign}{h}:{m:02}")
    }
}

/// Date and 24-hour time in the viewer's offset: `2026-11-23 09:05`.
pub fn date_time(t: Timestamp, offset: FixedOffset) -> String {
    date_and_minutes(t, offset, ' ')
}

/// Value for an `<input type="datetime-local">` in the viewer's offset.
pub fn datetime_local(t: Timestamp, offset: FixedOffset) -> String {
    date_and_minutes(t, offset, 'T')
}

/// `YYYY-MM-DD`, `between`, `HH:MM`. Written from the fields rather than with
/// chrono's format strings, whose parser and formatter cost 10 KB of wasm
/// (docs/PERFORMANCE.md, "Browser").
fn date_and_minutes(t: Timestamp, offset: FixedOffset, between: char) -> String {
    let local = t.with_timezone(&offset);
    format!(
        "{:04}-{:02}-{:02}{between}{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute()
    )
}

/// The playhead's time: with seconds when the range is about an hour or
/// less (an hour's range is aligned out to whole buckets; at 1× minutes
/// alone would look frozen), and its zone.
pub fn playhead(t: Timestamp, offset: FixedOffset, range_secs: i64) -> String {
    let day = date_and_minutes(t, offset, ' ');
    if range_secs < 7_200 {
        let seconds = t.with_timezone(&offset).second();
        format!("{day}:{seconds:02} {}", zone(offset))
    } else {
        format!("{day} {}", zone(offset))
    }
}

/// Page title: spend rate and open anomalies, readable in a tab strip.
pub fn page_title(rate_per_hour: Option<f64>, open_anomalies: usize) -> String {
    let rate = rate_per_hour.map_or_else(|| "—".to_string(), usd_per_hour);
    match open_anomalies {
        0 => format!("{rate} · FinOps Live"),
        1 => format!("{rate} · 1 open anomaly · FinOps Live"),
        n => format!("{rate} · {n} open anomalies · FinOps Live"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn budget_months_and_days_read_as_words() {
        assert_eq!(super::month_name("2026-12"), "December 2026");
        assert_eq!(super::month_name("2026-01"), "January 2026");
        assert_eq!(super::month_name("2026-13"), "2026-13");
        assert_eq!(super::month_name("december"), "december");
        assert_eq!(super::short_day("2026-12-24"), "Dec 24");
        assert_eq!(super::short_day("2026-03-01"), "Mar 1");
        assert_eq!(super::short_day("2026-03-41"), "2026-03-41");
        assert_eq!(super::short_day("2026-03"), "2026-03");
    }

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn money_precision_follows_magnitude() {
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(0.00421), "$0.0042");
        assert_eq!(usd(3.271), "$3.27");
        assert_eq!(usd(999.994), "$999.99");
        // Cents above $1,000 too, so a column of costs reads alike.
        assert_eq!(usd(1234.4), "$1,234.40");
        assert_eq!(usd(12_345.0), "$12,345.00");
        assert_eq!(usd_per_hour(1_000.0), "$1,000.00/h");
        assert_eq!(usd(4_561_000.0), "$4.56M");
        assert_eq!(usd(-2.5), "-$2.50");
        assert_eq!(usd(f64::NAN), "—");
        assert_eq!(usd_per_hour(412.0), "$412.00/h");
        assert_eq!(usd_axis(0.5), "$0.50");
        assert_eq!(usd_axis(250.0), "$250");
        assert_eq!(usd_axis(2_500.0), "$2.5k");
        assert_eq!(usd_axis(1_000.0), "$1k");
        assert_eq!(axis_number(1_500_000.0), "1.5M");
        assert_eq!(axis_number(500_000.0), "500k");
        assert_eq!(axis_number(50.0), "50");
    }

    #[test]
    fn compact_counts() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1_234.0), "1.23k");
        assert_eq!(compact(12_345.0), "12.3k");
        assert_eq!(compact(123_456.0), "123k");
        assert_eq!(compact(4_560_000.0), "4.56M");
        assert_eq!(compact(1_200_000_000.0), "1.20B");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(100), "100");
    }

    #[test]
    fn percentages_and_changes() {
        assert_eq!(percent(0.425), "42%");
        assert_eq!(percent(0.0426), "4.3%");
        assert_eq!(percent(0.0001), "<0.1%");
        assert_eq!(percent(0.09996), "10%");
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(change(112.5, 100.0), "+12.5%");
        assert_eq!(change(97.0, 100.0), "-3.0%");
        assert_eq!(change(500.0, 100.0), "+400%");
        assert_eq!(change(5.0, 0.0), "new");
        assert_eq!(change(0.0, 0.0), "±0%");
    }

    #[test]
    fn latencies_and_durations() {
        assert_eq!(latency_ms(850.4), "850 ms");
        assert_eq!(latency_ms(2_300.0), "2.3 s");
        assert_eq!(duration_secs(4), "4 s");
        assert_eq!(duration_secs(125), "2 min");
        assert_eq!(duration_secs(3600), "1 h");
        assert_eq!(duration_secs(3900), "1 h 5 min");
    }

    #[test]
    fn clock_is_24_hour_in_the_viewers_offset() {
        let t = ts("2026-11-23T21:05:30Z");
        let utc = FixedOffset::east_opt(0).unwrap();
        let cet = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(clock(t, utc, false), "21:05");
        assert_eq!(clock(t, cet, true), "22:05:30");
        assert_eq!(date_time(t, cet), "2026-11-23 22:05");
        assert_eq!(day_month(t, utc), "23 Nov");
        assert_eq!(day_month(ts("2026-12-31T23:30:00Z"), cet), "1 Jan");
        assert_eq!(datetime_local(t, utc), "2026-11-23T21:05");
    }

    #[test]
    fn titles() {
        assert_eq!(page_title(Some(412.0), 0), "$412.00/h · FinOps Live");
        assert_eq!(
            page_title(Some(12.0), 1),
            "$12.00/h · 1 open anomaly · FinOps Live"
        );
        assert_eq!(page_title(None, 3), "— · 3 open anomalies · FinOps Live");
    }

    #[test]
    fn unpriced_costs_never_look_free() {
        let m = |cost: f64, calls: u64, unpriced: u64| protocol::Metrics {
            total_calls: calls,
            total_cost: cost,
            unpriced_calls: unpriced,
            ..Default::default()
        };
        assert_eq!(cost_text(&m(12.34, 5, 0)), "$12.34");
        assert_eq!(cost_text(&m(0.0, 5, 5)), "unpriced");
        assert_eq!(cost_text(&m(12.34, 5, 3)), "$12.34 + 3 unpriced");
    }

    #[test]
    fn cached_share_of_input() {
        let m = protocol::Metrics {
            input_tokens: 1_000,
            cache_read_tokens: 600,
            ..Default::default()
        };
        assert_eq!(cached_share(&m), "60%");
        assert_eq!(cached_share(&protocol::Metrics::default()), "—");
    }

    #[test]
    fn zones_are_named_plainly() {
        let east = |s| FixedOffset::east_opt(s).unwrap();
        assert_eq!(zone(east(0)), "UTC");
        assert_eq!(zone(east(3600)), "UTC+1");
        assert_eq!(zone(east(-(5 * 3600 + 1800))), "UTC−5:30");
    }

    #[test]
    fn the_playhead_shows_seconds_on_short_ranges() {
        let t: Timestamp = "2026-11-23T10:05:07Z".parse().unwrap();
        let utc = FixedOffset::east_opt(0).unwrap();
        assert_eq!(playhead(t, utc, 3_600), "2026-11-23 10:05:07 UTC");
        assert_eq!(playhead(t, utc, 86_400), "2026-11-23 10:05 UTC");
    }
}
