//! Parsing of query parameters shared by several endpoints. Every failure
//! names the parameter.

use std::time::Duration;

use chrono::{Datelike, Duration as ChronoDuration, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use protocol::time::{TimeWindow, Timestamp, parse_timestamp};
use protocol::validate::validate_range;

use crate::error::ApiError;

pub fn timestamp(field: &str, text: &str) -> Result<Timestamp, ApiError> {
    parse_timestamp(text).map_err(|message| ApiError::invalid(field, format!("{field} {message}")))
}

/// The word for month to date in `window=`.
pub const MONTH_TO_DATE: &str = "mtd";

fn window_words() -> String {
    let mut words: Vec<&str> = TimeWindow::ALL.iter().map(|w| w.as_str()).collect();
    words.push(MONTH_TO_DATE);
    words.join(", ")
}

/// `tz=`: an IANA zone (`Europe/Paris`); UTC when absent.
pub fn zone(text: Option<&str>) -> Result<Tz, ApiError> {
    let Some(text) = text else {
        return Ok(Tz::UTC);
    };
    text.trim().parse::<Tz>().map_err(|_| {
        ApiError::invalid(
            "tz",
            format!("tz `{text}` is not an IANA time zone such as Europe/Paris or UTC"),
        )
    })
}

/// The zone's offset from UTC at `at`, in milliseconds.
pub fn offset_ms(zone: Tz, at: Timestamp) -> i64 {
    i64::from(
        zone.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc(),
    ) * 1000
}

/// Midnight of the first day of `now`'s month in `zone`.
fn month_start(zone: Tz, now: Timestamp) -> Timestamp {
    let local = now.with_timezone(&zone);
    let first = local.date_naive().with_day(1).unwrap_or(local.date_naive());
    // A zone whose midnight is skipped (DST) starts the month at the first
    // instant that exists.
    zone.from_local_datetime(&first.and_time(NaiveTime::MIN))
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc))
}

/// The range parameters every range endpoint takes.
#[derive(Debug, Clone, Copy, Default)]
pub struct RangeParams<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub window: Option<&'a str>,
    pub tz: Option<&'a str>,
}

/// A validated range and the zone its days and months are counted in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub from: Timestamp,
    pub to: Timestamp,
    pub zone: Tz,
    /// A preset of fixed length ending now (`window=1h`): history shows
    /// it as its last whole buckets.
    pub preset: bool,
}

/// The range an endpoint covers: `window=` (ending now; `mtd` is month to
/// date in `tz`) or `from=`/`to=` (`to` defaults to now), validated against
/// `retention` and clamped to now.
pub fn range(
    p: RangeParams,
    default_window: Option<TimeWindow>,
    now: Timestamp,
    retention: Duration,
) -> Result<Range, ApiError> {
    let zone = zone(p.tz)?;
    let fixed = |w: TimeWindow| {
        let span = ChronoDuration::from_std(w.duration()).unwrap_or(ChronoDuration::zero());
        Range {
            from: now - span,
            to: now,
            zone,
            preset: true,
        }
    };
    match (p.window.map(str::trim), p.from, p.to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ApiError::invalid(
            "window",
            "give either window or from/to, not both",
        )),
        (Some(MONTH_TO_DATE), None, None) => Ok(Range {
            from: month_start(zone, now),
            to: now,
            zone,
            preset: false,
        }),
        (Some(w), None, None) => match TimeWindow::parse(w) {
            Some(w) => Ok(fixed(w)),
            None => Err(ApiError::invalid(
                "window",
                format!("window `{w}` is not one of {}", window_words()),
            )),
        },
        (None, None, None) => match default_window {
            Some(w) => Ok(fixed(w)),
            None => Err(ApiError::invalid(
                "from",
                format!("from is required (or give window={})", window_words()),
            )),
        },
        (None, None, Some(_)) => Err(ApiError::invalid(
            "from",
            "from is required when to is given",
        )),
        (None, Some(from), to) => {
            let from = timestamp("from", from)?;
            let to = match to {
                Some(to) => timestamp("to", to)?,
                None => now,
            };
            let (from, to) = validate_range(from, to, now, retention)?;
            Ok(Range {
                from,
                to,
                zone,
                preset: false,
            })
        }
    }
}

/// `step=<seconds>`: a positive whole number of seconds.
pub fn step(text: Option<&str>) -> Result<Option<Duration>, ApiError> {
    let Some(text) = text else {
        return Ok(None);
    };
    match text.trim().parse::<u64>() {
        Ok(secs) if (1..=86_400).contains(&secs) => Ok(Some(Duration::from_secs(secs))),
        _ => Err(ApiError::invalid(
            "step",
            format!("step `{text}` must be a whole number of seconds between 1 and 86400"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn field(result: Result<(Timestamp, Timestamp), ApiError>) -> String {
        result.unwrap_err().field.unwrap()
    }

    /// The range of the old positional form, kept 24 h.
    fn range(
        from: Option<&str>,
        to: Option<&str>,
        window: Option<&str>,
        default: Option<TimeWindow>,
        now: Timestamp,
    ) -> Result<(Timestamp, Timestamp), ApiError> {
        let p = RangeParams {
            from,
            to,
            window,
            tz: None,
        };
        super::range(p, default, now, Duration::from_secs(24 * 3600)).map(|r| (r.from, r.to))
    }

    #[test]
    fn month_to_date_starts_at_local_midnight_of_the_first() {
        let year = Duration::from_secs(400 * 86_400);
        let p = |tz| RangeParams {
            window: Some("mtd"),
            tz,
            ..RangeParams::default()
        };
        let utc = super::range(p(None), None, now(), year).unwrap();
        assert_eq!(
            utc.from,
            "2026-11-01T00:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert!(!utc.preset);
        let paris = super::range(p(Some("Europe/Paris")), None, now(), year).unwrap();
        assert_eq!(
            paris.from,
            "2026-10-31T23:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(offset_ms(paris.zone, now()), 3_600_000);
        let tokyo = super::range(p(Some("Asia/Tokyo")), None, now(), year).unwrap();
        assert_eq!(
            tokyo.from,
            "2026-10-31T15:00:00Z".parse::<Timestamp>().unwrap()
        );
        let bad = super::range(p(Some("Mars/Olympus")), None, now(), year).unwrap_err();
        assert_eq!(bad.field.as_deref(), Some("tz"));
        let week = RangeParams {
            window: Some("7d"),
            ..RangeParams::default()
        };
        let w = super::range(week, None, now(), year).unwrap();
        assert_eq!((w.to - w.from).num_days(), 7);
        assert!(w.preset);
    }

    #[test]
    fn windows_and_explicit_ranges() {
        let (from, to) = range(None, None, Some("1h"), None, now()).unwrap();
        assert_eq!((to - from).num_minutes(), 60);
        let (from, _) = range(None, None, None, Some(TimeWindow::FiveMinutes), now()).unwrap();
        assert_eq!(from, now() - ChronoDuration::minutes(5));
        let (from, to) = range(Some("2026-11-23T11:00:00Z"), None, None, None, now()).unwrap();
        assert_eq!((from, to), (now() - ChronoDuration::hours(1), now()));
        // Epoch milliseconds and offsets are accepted too.
        let epoch_ms = (now() - ChronoDuration::hours(2))
            .timestamp_millis()
            .to_string();
        let (from, to) = range(
            Some(&epoch_ms),
            Some("2026-11-23T12:30:00+01:00"),
            None,
            None,
            now(),
        )
        .unwrap();
        assert_eq!(from, now() - ChronoDuration::hours(2));
        assert_eq!(to, now() - ChronoDuration::minutes(30));
    }

    #[test]
    fn every_bad_input_names_its_parameter() {
        assert_eq!(field(range(None, None, Some("2h"), None, now())), "window");
        assert_eq!(
            field(range(Some("x"), None, Some("1h"), None, now())),
            "window"
        );
        assert_eq!(field(range(None, None, None, None, now())), "from");
        assert_eq!(
            field(range(None, Some("2026-11-23T11:00:00Z"), None, None, now())),
            "from"
        );
        assert_eq!(field(range(Some("soon"), None, None, None, now())), "from");
        assert_eq!(
            field(range(
                Some("2026-11-23T11:00:00Z"),
                Some("later"),
                None,
                None,
                now()
            )),
            "to"
        );
        assert_eq!(
            field(range(
                Some("2026-11-23T11:00:00Z"),
                Some("2026-11-23T10:00:00Z"),
                None,
                None,
                now()
            )),
            "from"
        );
        assert_eq!(
            field(range(Some("2026-11-20T11:00:00Z"), None, None, None, now())),
            "from"
        );
        assert_eq!(
            field(range(
                Some("2026-11-23T11:00:00Z"),
                Some("2026-11-23T15:00:00Z"),
                None,
                None,
                now()
            )),
            "to"
        );
    }

    #[test]
    fn steps() {
        assert_eq!(step(None).unwrap(), None);
        assert_eq!(step(Some("5")).unwrap(), Some(Duration::from_secs(5)));
        assert_eq!(step(Some("0")).unwrap_err().field.as_deref(), Some("step"));
        assert_eq!(
            step(Some("fast")).unwrap_err().field.as_deref(),
            Some("step")
        );
    }
}
