//! A cheap reading of a `delta` message for most WebSocket clients: the
//! cursor, when the frame was sealed, and how many of our reports it carries,
//! found by scanning instead of parsing every update. Ten thousand clients
//! fully parsing every delta would cost this machine more CPU than the server
//! under test; a sample of clients still parses fully (see `ws_client`).
//!
//! It relies on the field order the server serialises (`protocol::MetricUpdate`
//! declares `tenantId` before `samples`), which the tests below pin.

use chrono::{DateTime, Utc};

use crate::reports::TENANT_PREFIX;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScannedDelta {
    pub cursor: u64,
    pub sealed_at: DateTime<Utc>,
    /// Reports from load-test tenants.
    pub our_samples: u64,
    pub updates: u64,
}

fn number_after(text: &str, key: &str) -> Option<(u64, usize)> {
    let start = text.find(key)? + key.len();
    let digits = text[start..].bytes().take_while(u8::is_ascii_digit).count();
    Some((text[start..start + digits].parse().ok()?, start + digits))
}

/// `None` for anything that is not a delta.
pub fn delta(text: &str) -> Option<ScannedDelta> {
    let head = text.get(..text.len().min(120))?;
    if !head.starts_with(r#"{"type":"delta""#) {
        return None;
    }
    let (cursor, _) = number_after(head, r#""cursor":"#)?;
    let sealed_start = head.find(r#""sealedAt":""#)? + r#""sealedAt":""#.len();
    let sealed_len = head[sealed_start..].find('"')?;
    let sealed_at = DateTime::parse_from_rfc3339(&head[sealed_start..sealed_start + sealed_len])
        .ok()?
        .with_timezone(&Utc);
    let mut our_samples = 0;
    let mut updates = 0;
    let mut rest = text;
    const TENANT: &str = r#""tenantId":""#;
    while let Some(at) = rest.find(TENANT) {
        rest = &rest[at + TENANT.len()..];
        let ours = rest.starts_with(TENANT_PREFIX);
        let (samples, end) = number_after(rest, r#""samples":"#)?;
        rest = &rest[end..];
        updates += 1;
        if ours {
            our_samples += samples;
        }
    }
    Some(ScannedDelta {
        cursor,
        sealed_at,
        our_samples,
        updates,
    })
}

/// The head of a `view` message: enough to follow its versions and time it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScannedView {
    pub version: u64,
    pub full: bool,
    pub at: DateTime<Utc>,
}

/// `None` for anything that is not a `view` message. Relies on the order
/// `protocol::ViewUpdate` declares `version`, `full`, `at` (pinned below).
pub fn view(text: &str) -> Option<ScannedView> {
    const HEAD: &str = r#"{"type":"view","view":{"version":"#;
    let rest = text.strip_prefix(HEAD)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let version = rest[..digits].parse().ok()?;
    let rest = &rest[digits..];
    let (full, rest) = match rest.strip_prefix(r#","full":true"#) {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let rest = rest.strip_prefix(r#","at":""#)?;
    let at = DateTime::parse_from_rfc3339(&rest[..rest.find('"')?])
        .ok()?
        .with_timezone(&Utc);
    Some(ScannedView { version, full, at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{MetricUpdate, Metrics, ServerMessage};

    fn update(seq: u64, tenant: &str, samples: u32) -> MetricUpdate {
        MetricUpdate {
            seq,
            timestamp: Utc::now(),
            tenant_id: tenant.into(),
            customer_id: format!("{tenant}-c"),
            model: "gpt-4o".into(),
            samples,
            metrics: Metrics::default(),
        }
    }

    #[test]
    fn reads_what_the_server_serialises() {
        let sealed_at: DateTime<Utc> = "2026-11-23T10:00:00.250Z".parse().unwrap();
        let message = ServerMessage::Delta {
            cursor: 1795466262995943,
            after: 1795466262995940,
            sealed_at,
            updates: vec![
                update(1, "lt-t1", 7),
                update(2, "acme", 100),
                update(3, "lt-t2", 5),
            ],
        };
        let text = serde_json::to_string(&message).unwrap();
        let scanned = delta(&text).unwrap();
        assert_eq!(scanned.cursor, 1795466262995943);
        assert_eq!(scanned.sealed_at, sealed_at);
        assert_eq!(scanned.our_samples, 12);
        assert_eq!(scanned.updates, 3);
    }

    #[test]
    fn other_messages_are_not_deltas() {
        let text = serde_json::to_string(&ServerMessage::Subscribed {
            cursor: 5,
            tick_ms: 250,
        })
        .unwrap();
        assert!(delta(&text).is_none());
        assert!(delta("").is_none());
        assert!(delta("garbage").is_none());
        assert!(view(&text).is_none());
        assert!(view("").is_none());
    }

    #[test]
    fn reads_the_head_of_a_view_message() {
        let at: DateTime<Utc> = "2026-12-01T10:00:00.250Z".parse().unwrap();
        for (version, full) in [(1, true), (42, false)] {
            let message = ServerMessage::View {
                view: Box::new(protocol::ViewUpdate {
                    version,
                    full,
                    at,
                    spend_rate_per_hour: Some(3.0),
                    ..protocol::ViewUpdate::default()
                }),
            };
            let text = serde_json::to_string(&message).unwrap();
            assert_eq!(
                view(&text),
                Some(ScannedView { version, full, at }),
                "{text}"
            );
            assert!(delta(&text).is_none());
        }
    }
}
