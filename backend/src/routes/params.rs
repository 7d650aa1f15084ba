//! Parsing of query parameters shared by several endpoints. Every failure
//! names the parameter.

use std::time::Duration;

use chrono::Duration as ChronoDuration;
use protocol::time::{TimeWindow, Timestamp, parse_timestamp};
use protocol::validate::validate_range;

use crate::error::ApiError;

pub fn timestamp(field: &str, text: &str) -> Result<Timestamp, ApiError> {
    parse_timestamp(text).map_err(|message| ApiError::invalid(field, format!("{field} {message}")))
}

fn window(text: &str) -> Result<TimeWindow, ApiError> {
    TimeWindow::parse(text.trim()).ok_or_else(|| {
        ApiError::invalid(
            "window",
            format!("window `{text}` is not one of 5m, 15m, 1h, 24h"),
        )
    })
}

/// The range an endpoint covers: `window=` (ending now) or `from=`/`to=`
/// (`to` defaults to now), validated against retention and clamped to now.
pub fn range(
    from: Option<&str>,
    to: Option<&str>,
    window_param: Option<&str>,
    default_window: Option<TimeWindow>,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp), ApiError> {
    match (window_param, from, to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ApiError::invalid(
            "window",
            "give either window or from/to, not both",
        )),
        (Some(w), None, None) => Ok(preset(window(w)?, now)),
        (None, None, None) => match default_window {
            Some(w) => Ok(preset(w, now)),
            None => Err(ApiError::invalid(
                "from",
                "from is required (or give window=5m|15m|1h|24h)",
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
            Ok(validate_range(from, to, now)?)
        }
    }
}

fn preset(window: TimeWindow, now: Timestamp) -> (Timestamp, Timestamp) {
    let span = ChronoDuration::from_std(window.duration()).unwrap_or(ChronoDuration::zero());
    (now - span, now)
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
