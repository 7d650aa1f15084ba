//! Time helpers shared by server and clients: parsing, formatting, bucket
//! alignment, the resolution ladder for history, and the window presets.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// Every timestamp on the wire is a UTC instant.
pub type Timestamp = DateTime<Utc>;

/// Parses `since`/`from`/`to` values: an RFC 3339 timestamp
/// (`2026-11-23T10:15:30Z`, any offset) or integer milliseconds since the Unix epoch.
pub fn parse_timestamp(input: &str) -> Result<Timestamp, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("is empty; expected an RFC 3339 timestamp or epoch milliseconds".into());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        let millis: i64 = text
            .parse()
            .map_err(|_| format!("`{text}` is too large for epoch milliseconds"))?;
        return Utc
            .timestamp_millis_opt(millis)
            .single()
            .ok_or_else(|| format!("`{text}` is out of range for epoch milliseconds"));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "`{text}` is not a timestamp; expected RFC 3339 (2026-11-23T10:15:30Z) or epoch milliseconds"
            )
        })
}

/// Formats an instant the way the wire carries it: RFC 3339, UTC, milliseconds.
pub fn format_timestamp(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Serde adapter for [`Timestamp`] fields: writes milliseconds, reads any RFC 3339.
pub mod rfc3339_millis {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| D::Error::custom(format!("`{text}` is not an RFC 3339 timestamp")))
    }

    /// The same for `Option<Timestamp>`.
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap(#[serde(with = "super")] Timestamp);
            Ok(Option::<Wrap>::deserialize(d)?.map(|Wrap(t)| t))
        }
    }
}

/// Start of the bucket of width `step` that contains `t` (buckets are aligned
/// to the Unix epoch, so every client and the server agree on boundaries).
pub fn align_floor(t: Timestamp, step: Duration) -> Timestamp {
    let step_ms = step.as_millis().max(1) as i64;
    let ms = t.timestamp_millis().div_euclid(step_ms) * step_ms;
    Utc.timestamp_millis_opt(ms).single().unwrap_or(t)
}

/// Bucket width the history endpoint uses for a range of this length:
/// 5 min → 5 s, 15 min → 15 s, 1 h → 1 min, 24 h → 10 min, 7 d → 1 h,
/// 30 d → 6 h, 13 months → 1 d, and steps between; never more than ~400 buckets.
pub fn resolution_for_range(range: Duration) -> Duration {
    const DAY: u64 = 24 * 3600;
    const LADDER: [(u64, u64); 12] = [
        (60, 1),
        (5 * 60, 5),
        (15 * 60, 15),
        (30 * 60, 30),
        (3600, 60),
        (2 * 3600, 120),
        (12 * 3600, 300),
        (DAY, 600),
        (2 * DAY, 1800),
        (7 * DAY, 3600),
        (31 * DAY, 6 * 3600),
        (u64::MAX, DAY),
    ];
    let secs = range.as_secs() + u64::from(range.subsec_nanos() > 0);
    let step = LADDER
        .iter()
        .find(|(max_range, _)| secs <= *max_range)
        .map_or(DAY, |(_, step)| *step);
    Duration::from_secs(step)
}

/// The preset windows offered by the dashboard and accepted as `window=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimeWindow {
    #[default]
    FiveMinutes,
    FifteenMinutes,
    OneHour,
    OneDay,
    SevenDays,
    ThirtyDays,
}

/// On the wire as its word (`"5m"`, `"24h"`, …).
impl serde::Serialize for TimeWindow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for TimeWindow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = String::deserialize(d)?;
        TimeWindow::parse(&word).ok_or_else(|| {
            serde::de::Error::custom(format!("window `{word}` is not one of the presets"))
        })
    }
}

impl TimeWindow {
    pub const ALL: [TimeWindow; 6] = [
        TimeWindow::FiveMinutes,
        TimeWindow::FifteenMinutes,
        TimeWindow::OneHour,
        TimeWindow::OneDay,
        TimeWindow::SevenDays,
        TimeWindow::ThirtyDays,
    ];

    /// Short form used in URLs and query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeWindow::FiveMinutes => "5m",
            TimeWindow::FifteenMinutes => "15m",
            TimeWindow::OneHour => "1h",
            TimeWindow::OneDay => "24h",
            TimeWindow::SevenDays => "7d",
            TimeWindow::ThirtyDays => "30d",
        }
    }

    /// Name for people.
    pub fn label(self) -> &'static str {
        match self {
            TimeWindow::FiveMinutes => "5 min",
            TimeWindow::FifteenMinutes => "15 min",
            TimeWindow::OneHour => "1 h",
            TimeWindow::OneDay => "24 h",
            TimeWindow::SevenDays => "7 days",
            TimeWindow::ThirtyDays => "30 days",
        }
    }

    pub fn duration(self) -> Duration {
        Duration::from_secs(match self {
            TimeWindow::FiveMinutes => 5 * 60,
            TimeWindow::FifteenMinutes => 15 * 60,
            TimeWindow::OneHour => 3600,
            TimeWindow::OneDay => 24 * 3600,
            TimeWindow::SevenDays => 7 * 24 * 3600,
            TimeWindow::ThirtyDays => 30 * 24 * 3600,
        })
    }

    pub fn parse(text: &str) -> Option<TimeWindow> {
        TimeWindow::ALL.into_iter().find(|w| w.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn parses_rfc3339_with_any_offset() {
        assert_eq!(
            parse_timestamp("2026-11-23T12:15:30+02:00").unwrap(),
            ts("2026-11-23T10:15:30Z")
        );
        assert_eq!(
            parse_timestamp(" 2026-11-23T10:15:30.5Z ").unwrap(),
            ts("2026-11-23T10:15:30.500Z")
        );
    }

    #[test]
    fn parses_epoch_millis() {
        assert_eq!(
            parse_timestamp("1795428930250").unwrap(),
            Utc.timestamp_millis_opt(1_795_428_930_250).unwrap()
        );
    }

    #[test]
    fn rejects_garbage_with_a_clear_message() {
        assert!(parse_timestamp("").unwrap_err().contains("empty"));
        assert!(
            parse_timestamp("yesterday")
                .unwrap_err()
                .contains("RFC 3339")
        );
        assert!(parse_timestamp("2026-13-01T00:00:00Z").is_err());
        assert!(parse_timestamp("-5").is_err());
        assert!(
            parse_timestamp("99999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
        assert!(
            parse_timestamp("9999999999999999")
                .unwrap_err()
                .contains("out of range")
        );
    }

    #[test]
    fn formats_with_millis_in_utc() {
        assert_eq!(
            format_timestamp(ts("2026-11-23T12:15:30.123456+02:00")),
            "2026-11-23T10:15:30.123Z"
        );
    }

    #[test]
    fn aligns_to_epoch_boundaries() {
        let t = ts("2026-11-23T10:17:42.900Z");
        assert_eq!(
            align_floor(t, Duration::from_secs(5)),
            ts("2026-11-23T10:17:40Z")
        );
        assert_eq!(
            align_floor(t, Duration::from_secs(60)),
            ts("2026-11-23T10:17:00Z")
        );
        assert_eq!(
            align_floor(t, Duration::from_secs(600)),
            ts("2026-11-23T10:10:00Z")
        );
        assert_eq!(
            align_floor(t, Duration::from_millis(250)),
            ts("2026-11-23T10:17:42.750Z")
        );
        let aligned = ts("2026-11-23T10:15:00Z");
        assert_eq!(align_floor(aligned, Duration::from_secs(300)), aligned);
        // Before the epoch still floors downwards.
        assert_eq!(
            align_floor(ts("1969-12-31T23:59:59.5Z"), Duration::from_secs(1)),
            ts("1969-12-31T23:59:59Z")
        );
    }

    #[test]
    fn resolution_matches_the_documented_ladder() {
        let r = |secs| resolution_for_range(Duration::from_secs(secs)).as_secs();
        assert_eq!(r(30), 1);
        assert_eq!(r(5 * 60), 5);
        assert_eq!(r(15 * 60), 15);
        assert_eq!(r(3600), 60);
        assert_eq!(r(6 * 3600), 300);
        assert_eq!(r(24 * 3600), 600);
        // Just over a rung moves up one.
        assert_eq!(
            resolution_for_range(Duration::from_millis(300_001)).as_secs(),
            15
        );
        assert_eq!(r(7 * 86_400), 3600);
        assert_eq!(r(30 * 86_400), 6 * 3600);
        assert_eq!(r(396 * 86_400), 86_400);
        // Bucket counts stay readable at every rung.
        for secs in [
            60, 300, 900, 1800, 3600, 7200, 43_200, 86_400, 172_800, 604_800,
        ] {
            let buckets = secs / r(secs);
            assert!((48..=170).contains(&buckets), "{secs}s → {buckets} buckets");
        }
        assert!(396 * 86_400 / r(396 * 86_400) <= 400);
    }

    #[test]
    fn window_presets_round_trip() {
        for w in TimeWindow::ALL {
            assert_eq!(TimeWindow::parse(w.as_str()), Some(w));
        }
        assert_eq!(TimeWindow::parse("2h"), None);
        assert_eq!(TimeWindow::OneHour.duration().as_secs(), 3600);
        assert_eq!(TimeWindow::default(), TimeWindow::FiveMinutes);
    }

    #[test]
    fn optional_timestamps_round_trip() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct S {
            #[serde(with = "rfc3339_millis::option")]
            at: Option<Timestamp>,
        }
        let some = S {
            at: Some(ts("2026-11-23T10:15:30Z")),
        };
        let json = serde_json::to_string(&some).unwrap();
        assert_eq!(json, r#"{"at":"2026-11-23T10:15:30.000Z"}"#);
        assert_eq!(serde_json::from_str::<S>(&json).unwrap(), some);
        assert_eq!(
            serde_json::from_str::<S>(r#"{"at":null}"#).unwrap(),
            S { at: None }
        );
    }
}
