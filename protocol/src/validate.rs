//! Input validation shared by the server (which enforces it) and clients
//! (which check before asking). Every failure names the field at fault.

use chrono::Duration as ChronoDuration;

use crate::error::FieldError;
use crate::limits::{
    MAX_CLOCK_SKEW, MAX_ID_LEN, MAX_INGEST_AGE, MAX_REASON_LEN, MAX_SAFE_COUNT, RETENTION_SLACK,
    TICK_OPTIONS_MS,
};
use crate::metric::MetricUpdate;
use crate::time::Timestamp;

fn chrono(d: std::time::Duration) -> ChronoDuration {
    ChronoDuration::from_std(d).unwrap_or(ChronoDuration::MAX)
}

/// Oldest instant history can be asked for at `now`, keeping `retention`.
pub fn retention_start(now: Timestamp, retention: std::time::Duration) -> Timestamp {
    now - chrono(retention)
}

/// `retention` for people: `24 h`, `400 days`.
fn span_words(retention: std::time::Duration) -> String {
    let hours = retention.as_secs() / 3600;
    if hours >= 48 && hours.is_multiple_of(24) {
        format!("{} days", hours / 24)
    } else {
        format!("{hours} h")
    }
}

/// Characters that change how the text around them is shown without being
/// seen themselves: bidirectional overrides and isolates (U+202E makes
/// `acme-71` render as `17-emca`), line and paragraph separators, and the
/// byte-order mark. Refused in anything the dashboard displays.
pub fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{FEFF}'
    )
}

/// Checks an identifier: 1–128 characters, no control characters.
pub fn validate_id(field: &str, value: &str) -> Result<(), FieldError> {
    if value.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if value.chars().count() > MAX_ID_LEN {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_ID_LEN} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    if value.chars().any(is_invisible_control) {
        return Err(FieldError::new(
            field,
            "must not contain bidirectional or other invisible formatting characters",
        ));
    }
    Ok(())
}

/// Checks a count against [`MAX_SAFE_COUNT`].
fn validate_count(field: &str, value: u64) -> Result<(), FieldError> {
    if value > MAX_SAFE_COUNT {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_SAFE_COUNT} (2^53 - 1)"),
        ));
    }
    Ok(())
}

/// Checks that `t` is not later than `now` plus the allowed clock skew.
pub fn validate_not_future(field: &str, t: Timestamp, now: Timestamp) -> Result<(), FieldError> {
    if t > now + chrono(MAX_CLOCK_SKEW) {
        return Err(FieldError::new(
            field,
            format!(
                "is in the future (more than {} s after the server's clock)",
                MAX_CLOCK_SKEW.as_secs()
            ),
        ));
    }
    Ok(())
}

/// Checks that `t` is inside the `retention` the server keeps.
pub fn validate_retained(
    field: &str,
    t: Timestamp,
    now: Timestamp,
    retention: std::time::Duration,
) -> Result<(), FieldError> {
    if t < retention_start(now, retention) - chrono(RETENTION_SLACK) {
        return Err(FieldError::new(
            field,
            format!(
                "is older than the {} of history the server keeps",
                span_words(retention)
            ),
        ));
    }
    Ok(())
}

/// Cached tokens are part of the input tokens and reasoning tokens part of
/// the output tokens (OpenAI's convention, and OpenTelemetry's), so neither
/// part may exceed its whole; unpriced calls are some of the calls.
fn validate_parts(m: &crate::Metrics) -> Result<(), FieldError> {
    // Each count is at most 2^53 - 1 here, so the sum cannot wrap.
    if m.cache_read_tokens + m.cache_write_tokens > m.input_tokens {
        let field = if m.cache_read_tokens > 0 {
            "metrics.cacheReadTokens"
        } else {
            "metrics.cacheWriteTokens"
        };
        return Err(FieldError::new(
            field,
            "cache reads plus cache writes must not exceed inputTokens, which counts them",
        ));
    }
    if m.reasoning_tokens > m.output_tokens {
        return Err(FieldError::new(
            "metrics.reasoningTokens",
            "must not exceed outputTokens, which counts them",
        ));
    }
    if m.unpriced_calls > m.total_calls {
        return Err(FieldError::new(
            "metrics.unpricedCalls",
            "must not exceed totalCalls",
        ));
    }
    Ok(())
}

/// Checks one ingested report. Errors name fields relative to the update
/// (`timestamp`, `metrics.totalCost`); callers add the `updates[i]` prefix.
pub fn validate_update(update: &MetricUpdate, now: Timestamp) -> Result<(), FieldError> {
    validate_id("tenantId", &update.tenant_id)?;
    validate_id("customerId", &update.customer_id)?;
    validate_id("model", &update.model)?;
    validate_not_future("timestamp", update.timestamp, now)?;
    if update.timestamp < now - chrono(MAX_INGEST_AGE) {
        return Err(FieldError::new(
            "timestamp",
            format!(
                "is more than {} old; reports are accepted up to that age",
                span_words(MAX_INGEST_AGE)
            ),
        ));
    }
    if update.samples == 0 {
        return Err(FieldError::new("samples", "must be at least 1"));
    }
    let m = &update.metrics;
    validate_count("metrics.totalCalls", m.total_calls)?;
    validate_count("metrics.totalTokens", m.total_tokens)?;
    validate_count("metrics.inputTokens", m.input_tokens)?;
    validate_count("metrics.outputTokens", m.output_tokens)?;
    validate_count("metrics.cacheReadTokens", m.cache_read_tokens)?;
    validate_count("metrics.cacheWriteTokens", m.cache_write_tokens)?;
    validate_count("metrics.reasoningTokens", m.reasoning_tokens)?;
    validate_count("metrics.unpricedCalls", m.unpriced_calls)?;
    if m.total_calls == 0 {
        return Err(FieldError::new("metrics.totalCalls", "must be at least 1"));
    }
    // Both parts are at most 2^53 - 1 here, so their sum cannot wrap.
    let split = m.input_tokens + m.output_tokens;
    if split > 0 && split != m.total_tokens {
        return Err(FieldError::new(
            "metrics.totalTokens",
            "must equal inputTokens + outputTokens when they are given",
        ));
    }
    validate_parts(m)?;
    if !m.total_cost.is_finite() || m.total_cost < 0.0 {
        return Err(FieldError::new(
            "metrics.totalCost",
            "must be a finite number ≥ 0",
        ));
    }
    // One report above a million dollars is a unit mistake, not spend.
    if m.total_cost > 1_000_000.0 {
        return Err(FieldError::new(
            "metrics.totalCost",
            "must be at most 1,000,000 US dollars per report",
        ));
    }
    if !m.avg_latency_ms.is_finite() || m.avg_latency_ms < 0.0 || m.avg_latency_ms > 3_600_000.0 {
        return Err(FieldError::new(
            "metrics.avgLatencyMs",
            "must be a number of milliseconds between 0 and 3,600,000",
        ));
    }
    Ok(())
}

/// Checks a `from`/`to` range at `now` against the `retention` kept, and
/// returns it with `to` clamped to `now`.
pub fn validate_range(
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
    retention: std::time::Duration,
) -> Result<(Timestamp, Timestamp), FieldError> {
    validate_not_future("to", to, now)?;
    validate_not_future("from", from, now)?;
    validate_retained("from", from, now, retention)?;
    if from >= to {
        return Err(FieldError::new("from", "must be before to"));
    }
    let to = to.min(now);
    if from >= to {
        return Err(FieldError::new("from", "must be before now"));
    }
    Ok((from, to))
}

/// Checks an acknowledge/dismiss reason and trims it.
pub fn validate_reason(reason: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if reason.chars().count() > MAX_REASON_LEN {
        return Err(FieldError::new(
            "reason",
            format!("must be at most {MAX_REASON_LEN} characters"),
        ));
    }
    if reason
        .chars()
        .any(|c| (c.is_control() && c != '\n') || is_invisible_control(c))
    {
        return Err(FieldError::new(
            "reason",
            "must not contain control characters",
        ));
    }
    Ok(Some(reason.to_string()))
}

/// Checks a WebSocket tick against the options the server offers.
pub fn validate_tick(tick_ms: u32) -> Result<u32, FieldError> {
    if TICK_OPTIONS_MS.contains(&tick_ms) {
        Ok(tick_ms)
    } else {
        let options: Vec<String> = TICK_OPTIONS_MS.iter().map(u32::to_string).collect();
        Err(FieldError::new(
            "tickMs",
            format!("must be one of {} milliseconds", options.join(", ")),
        ))
    }
}

/// Parses a count parameter such as `limit`: an integer in `1..=max`.
pub fn parse_count(
    field: &str,
    text: Option<&str>,
    default: usize,
    max: usize,
) -> Result<usize, FieldError> {
    let Some(text) = text else {
        return Ok(default);
    };
    let value: usize = text
        .trim()
        .parse()
        .map_err(|_| FieldError::new(field, format!("`{text}` is not a whole number")))?;
    if value == 0 || value > max {
        return Err(FieldError::new(
            field,
            format!("must be between 1 and {max}"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::Metrics;
    use chrono::{DateTime, Utc};

    fn now() -> Timestamp {
        "2026-11-23T12:00:00Z".parse::<DateTime<Utc>>().unwrap()
    }

    fn update() -> MetricUpdate {
        MetricUpdate {
            seq: 0,
            timestamp: now() - ChronoDuration::seconds(1),
            tenant_id: "northwind".into(),
            customer_id: "northwind-3".into(),
            model: "gpt-4o".into(),
            samples: 1,
            metrics: Metrics {
                total_calls: 2,
                total_tokens: 300,
                input_tokens: 200,
                output_tokens: 100,
                total_cost: 0.0015,
                avg_latency_ms: 640.0,
                ..Default::default()
            },
        }
    }

    fn field_of(result: Result<(), FieldError>) -> String {
        result.unwrap_err().field
    }

    #[test]
    fn accepts_a_good_update() {
        validate_update(&update(), now()).unwrap();
        let mut no_split = update();
        no_split.metrics.input_tokens = 0;
        no_split.metrics.output_tokens = 0;
        validate_update(&no_split, now()).unwrap();
    }

    #[test]
    fn rejects_each_bad_field_by_name() {
        let check = |f: fn(&mut MetricUpdate), field: &str| {
            let mut u = update();
            f(&mut u);
            assert_eq!(field_of(validate_update(&u, now())), field);
        };
        check(|u| u.tenant_id.clear(), "tenantId");
        check(|u| u.customer_id = "x".repeat(129), "customerId");
        check(|u| u.model = "gpt\u{7}".into(), "model");
        check(
            |u| u.timestamp = now() + ChronoDuration::minutes(5),
            "timestamp",
        );
        check(
            |u| u.timestamp = now() - ChronoDuration::hours(30),
            "timestamp",
        );
        check(|u| u.samples = 0, "samples");
        check(|u| u.metrics.total_calls = 0, "metrics.totalCalls");
        check(|u| u.metrics.total_tokens = 1, "metrics.totalTokens");
        check(|u| u.metrics.total_cost = f64::NAN, "metrics.totalCost");
        check(|u| u.metrics.total_cost = -1.0, "metrics.totalCost");
        check(|u| u.metrics.total_cost = 2e6, "metrics.totalCost");
        check(
            |u| u.metrics.avg_latency_ms = f64::INFINITY,
            "metrics.avgLatencyMs",
        );
        check(|u| u.metrics.avg_latency_ms = -3.0, "metrics.avgLatencyMs");
        check(|u| u.customer_id = "acme-\u{202E}17".into(), "customerId");
        check(|u| u.tenant_id = "acme\u{2066}".into(), "tenantId");
        check(|u| u.model = "gpt\u{FEFF}4o".into(), "model");
        check(
            |u| u.metrics.cache_read_tokens = 201,
            "metrics.cacheReadTokens",
        );
        check(
            |u| {
                u.metrics.cache_read_tokens = 150;
                u.metrics.cache_write_tokens = 51;
            },
            "metrics.cacheReadTokens",
        );
        check(
            |u| u.metrics.cache_write_tokens = 201,
            "metrics.cacheWriteTokens",
        );
        check(
            |u| u.metrics.reasoning_tokens = 101,
            "metrics.reasoningTokens",
        );
        check(|u| u.metrics.unpriced_calls = 3, "metrics.unpricedCalls");
    }

    #[test]
    fn cached_and_reasoning_tokens_are_parts_of_their_wholes() {
        let mut u = update();
        u.metrics.cache_read_tokens = 120;
        u.metrics.cache_write_tokens = 80;
        u.metrics.reasoning_tokens = 100;
        u.metrics.unpriced_calls = 2;
        validate_update(&u, now()).unwrap();
    }

    #[test]
    fn counts_are_capped_where_javascript_stops_being_exact() {
        let check = |f: fn(&mut MetricUpdate), field: &str| {
            let mut u = update();
            f(&mut u);
            assert_eq!(field_of(validate_update(&u, now())), field);
        };
        check(|u| u.metrics.total_calls = u64::MAX, "metrics.totalCalls");
        check(|u| u.metrics.total_calls = 1 << 53, "metrics.totalCalls");
        check(|u| u.metrics.total_tokens = 1 << 53, "metrics.totalTokens");
        // The overflow pair: 2^64 - 1 + 1 would wrap to 0 = totalTokens.
        check(
            |u| {
                u.metrics.input_tokens = u64::MAX;
                u.metrics.output_tokens = 1;
                u.metrics.total_tokens = 0;
            },
            "metrics.inputTokens",
        );
        check(
            |u| {
                u.metrics.input_tokens = 1;
                u.metrics.output_tokens = u64::MAX;
                u.metrics.total_tokens = 0;
            },
            "metrics.outputTokens",
        );
        // At the cap itself everything is accepted.
        let mut at_cap = update();
        at_cap.metrics.total_calls = MAX_SAFE_COUNT;
        at_cap.metrics.input_tokens = MAX_SAFE_COUNT - 1;
        at_cap.metrics.output_tokens = 1;
        at_cap.metrics.total_tokens = MAX_SAFE_COUNT;
        validate_update(&at_cap, now()).unwrap();
    }

    #[test]
    fn allows_small_clock_skew() {
        let mut u = update();
        u.timestamp = now() + ChronoDuration::seconds(30);
        validate_update(&u, now()).unwrap();
    }

    #[test]
    fn ranges() {
        let day = std::time::Duration::from_secs(24 * 3600);
        let validate_range = |from, to, now| super::validate_range(from, to, now, day);
        let h = ChronoDuration::hours;
        let (from, to) = validate_range(now() - h(1), now(), now()).unwrap();
        assert_eq!((from, to), (now() - h(1), now()));
        // `to` slightly ahead of the server is clamped, not refused.
        let (_, to) =
            validate_range(now() - h(1), now() + ChronoDuration::seconds(10), now()).unwrap();
        assert_eq!(to, now());
        // A 24 h preset computed a moment ago still fits.
        validate_range(now() - h(24) - ChronoDuration::seconds(3), now(), now()).unwrap();

        let err = validate_range(now(), now() - h(1), now()).unwrap_err();
        assert_eq!(err.field, "from");
        assert!(err.message.contains("before"));
        assert_eq!(
            validate_range(now() - h(2), now() + h(1), now())
                .unwrap_err()
                .field,
            "to"
        );
        assert_eq!(
            validate_range(now() - h(48), now() - h(47), now())
                .unwrap_err()
                .field,
            "from"
        );
        let err = validate_range(now() - h(2), now() + h(1), now()).unwrap_err();
        assert!(err.message.contains("future"));
        // From in the (allowed) future but `to` clamped to now leaves nothing.
        let err = validate_range(
            now() + ChronoDuration::seconds(5),
            now() + ChronoDuration::seconds(20),
            now(),
        )
        .unwrap_err();
        assert_eq!(err.field, "from");
    }

    #[test]
    fn ranges_longer_than_retention_are_refused_by_from() {
        // `to` can be at most a minute ahead, so a range longer than the
        // retention always starts before it.
        let day = std::time::Duration::from_secs(24 * 3600);
        let err = validate_range(now() - ChronoDuration::hours(25), now(), now(), day).unwrap_err();
        assert_eq!(err.field, "from");
        assert!(err.message.contains("24 h"));
        let year = crate::limits::RETENTION;
        validate_range(now() - ChronoDuration::days(399), now(), now(), year).unwrap();
        let err =
            validate_range(now() - ChronoDuration::days(401), now(), now(), year).unwrap_err();
        assert!(err.message.contains("400 days"), "{}", err.message);
    }

    #[test]
    fn reasons() {
        assert_eq!(validate_reason(None).unwrap(), None);
        assert_eq!(validate_reason(Some("   ")).unwrap(), None);
        assert_eq!(
            validate_reason(Some(" ok ")).unwrap().as_deref(),
            Some("ok")
        );
        assert_eq!(
            validate_reason(Some(&"x".repeat(501))).unwrap_err().field,
            "reason"
        );
        assert_eq!(
            validate_reason(Some("a\u{0}b")).unwrap_err().field,
            "reason"
        );
        assert!(validate_reason(Some("line one\nline two")).is_ok());
        assert_eq!(
            validate_reason(Some("fine\u{202E}enif")).unwrap_err().field,
            "reason"
        );
    }

    #[test]
    fn ticks_and_counts() {
        assert_eq!(validate_tick(1000).unwrap(), 1000);
        let err = validate_tick(300).unwrap_err();
        assert_eq!(err.field, "tickMs");
        assert!(err.message.contains("250, 500, 1000, 2000, 5000"));
        assert_eq!(parse_count("limit", None, 10, 100).unwrap(), 10);
        assert_eq!(parse_count("limit", Some("25"), 10, 100).unwrap(), 25);
        assert_eq!(
            parse_count("limit", Some("0"), 10, 100).unwrap_err().field,
            "limit"
        );
        assert_eq!(
            parse_count("limit", Some("101"), 10, 100)
                .unwrap_err()
                .field,
            "limit"
        );
        assert!(
            parse_count("limit", Some("ten"), 10, 100)
                .unwrap_err()
                .message
                .contains("whole number")
        );
    }
}
