//! Window arithmetic: the range a view covers and the custom range picker's validation.

use chrono::{FixedOffset, NaiveDate, TimeDelta, TimeZone};
use protocol::Timestamp;
use protocol::validate::validate_range;

use super::settings::Range;

/// `[from, to)` for a range at `now` (presets end at now).
pub fn range_bounds(range: Range, now: Timestamp) -> (Timestamp, Timestamp) {
    match range {
        Range::Preset(w) => (now - TimeDelta::seconds(w.duration().as_secs() as i64), now),
        Range::Custom { from, to } => (from, to),
    }
}

/// Parses an `<input type="datetime-local">` value in the viewer's offset:
/// `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`, what the input produces.
///
/// Split by hand rather than with chrono's format-string parser, which costs
/// 10 KB of wasm for these two fixed shapes (docs/PERFORMANCE.md, "Browser").
pub fn parse_local(value: &str, offset: FixedOffset) -> Option<Timestamp> {
    let (date, time) = value.trim().split_once('T')?;
    let mut ymd = date.split('-');
    let (year, month, day) = (ymd.next()?, ymd.next()?, ymd.next()?);
    if ymd.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let mut hms = time.split(':');
    let (hour, minute, second) = (hms.next()?, hms.next()?, hms.next().unwrap_or("00"));
    if hms.next().is_some() || [hour, minute, second].iter().any(|f| f.len() != 2) {
        return None;
    }
    let number = |f: &str| {
        f.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| f.parse::<u32>().ok())
            .flatten()
    };
    let year = i32::try_from(number(year)?).ok()?;
    let naive = NaiveDate::from_ymd_opt(year, number(month)?, number(day)?)?.and_hms_opt(
        number(hour)?,
        number(minute)?,
        number(second)?,
    )?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.to_utc())
}

/// Validates the picker's two fields at `now`; the error is a sentence for people.
pub fn validate_custom(
    from: &str,
    to: &str,
    now: Timestamp,
    offset: FixedOffset,
) -> Result<Range, String> {
    let from_t = parse_local(from, offset).ok_or("Enter a start date and time.")?;
    let to_t = parse_local(to, offset).ok_or("Enter an end date and time.")?;
    if from_t >= to_t {
        return Err("The start must be before the end.".into());
    }
    match validate_range(from_t, to_t, now, protocol::limits::RETENTION) {
        Ok((from, to)) => Ok(Range::Custom { from, to }),
        Err(e) if e.message.contains("older") => Err(format!(
            "The start is older than the {} days of history the server keeps.",
            protocol::limits::RETENTION.as_secs() / 86_400
        )),
        Err(e) if e.message.contains("future") => Err("The range cannot end in the future.".into()),
        Err(e) => Err(format!("The {} {}.", e.field, e.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::TimeWindow;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const NOW: &str = "2026-11-23T12:00:00Z";

    #[test]
    fn preset_bounds_end_at_now() {
        let (from, to) = range_bounds(Range::Preset(TimeWindow::OneHour), ts(NOW));
        assert_eq!(from, ts("2026-11-23T11:00:00Z"));
        assert_eq!(to, ts(NOW));
    }

    #[test]
    fn local_inputs_use_the_viewers_offset() {
        let cet = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(
            parse_local("2026-11-23T10:30", cet),
            Some(ts("2026-11-23T09:30:00Z"))
        );
        assert_eq!(
            parse_local("2026-11-23T10:30:15", cet),
            Some(ts("2026-11-23T09:30:15Z"))
        );
        assert_eq!(
            parse_local(" 2026-11-23T10:30 ", cet),
            Some(ts("2026-11-23T09:30:00Z"))
        );
        assert_eq!(parse_local("", cet), None);
        assert_eq!(parse_local("tomorrow", cet), None);
        for bad in [
            "2026-11-23",
            "2026-11-23T10",
            "2026-11-23T10:30:15:01",
            "2026-11-23T1:30",
            "2026-13-23T10:30",
            "2026-02-30T10:30",
            "2026-11-23T24:00",
            "2026-11-23T10:+3",
            "2026-11-23-01T10:30",
            "26-11-23T10:30",
            "+026-11-23T10:30",
        ] {
            assert_eq!(parse_local(bad, cet), None, "{bad}");
        }
    }

    #[test]
    fn custom_ranges_are_validated_with_clear_messages() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let now = ts(NOW);
        assert_eq!(
            validate_custom("2026-11-23T10:00", "2026-11-23T11:00", now, utc),
            Ok(Range::Custom {
                from: ts("2026-11-23T10:00:00Z"),
                to: ts("2026-11-23T11:00:00Z")
            })
        );
        assert_eq!(
            validate_custom("2026-11-23T11:00", "2026-11-23T10:00", now, utc),
            Err("The start must be before the end.".into())
        );
        assert!(validate_custom("2026-11-21T10:00", "2026-11-23T10:00", now, utc).is_ok());
        assert!(
            validate_custom("2025-10-01T10:00", "2026-11-23T10:00", now, utc)
                .unwrap_err()
                .contains("400 days")
        );
        assert!(
            validate_custom("2026-11-23T13:00", "2026-11-23T14:00", now, utc)
                .unwrap_err()
                .contains("future")
        );
        assert_eq!(
            validate_custom("", "2026-11-23T10:00", now, utc),
            Err("Enter a start date and time.".into())
        );
        // An end a little past now is clamped to now.
        assert_eq!(
            validate_custom(
                "2026-11-23T11:00",
                "2026-11-23T12:00",
                ts("2026-11-23T11:59:50Z"),
                utc
            ),
            Ok(Range::Custom {
                from: ts("2026-11-23T11:00:00Z"),
                to: ts("2026-11-23T11:59:50Z")
            })
        );
    }
}
