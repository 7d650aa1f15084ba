//! Decodes the server's WebSocket messages into [`ServerMessage`] without
//! serde's buffering of internally tagged enums (the web client's hot path).
//!
//! `ServerMessage` is tagged by a `type` field inside the object. serde's
//! derived decoder for such an enum first copies the whole message into its
//! own tree of owned values (`Content`) and then decodes the variant from
//! that copy: every string of every update in a delta is allocated twice,
//! and every payload type gets a second decoder for the copy. Measured on
//! the web client: +40 KB of wasm (before gzip) and, at 1,000 updates/s, the
//! largest share of decoding time (see docs/PERFORMANCE.md, "Browser").
//!
//! Here the tag is read first (the rest of the message is skipped without
//! allocating), then the message is decoded once more, straight into the
//! payload of that variant. The private payload structs mirror the variants
//! of `ServerMessage` field for field, next to it in this crate; the tests
//! round-trip every variant through the derived encoder, so a change to one
//! without the other fails them.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::Error as _;

use crate::time::rfc3339_millis;
use crate::{Anomaly, ApiErrorDetail, MetricUpdate, ServerMessage, Timestamp};

impl ServerMessage {
    /// Decodes one message; an unknown `type` (a newer server) is an error.
    /// Same result as `serde_json::from_str`, with half the allocations.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        decode(text)
    }
}

fn decode(text: &str) -> Result<ServerMessage, serde_json::Error> {
    #[derive(Deserialize)]
    struct Tag<'a> {
        #[serde(rename = "type", borrow)]
        kind: Cow<'a, str>,
    }
    let tag: Tag = serde_json::from_str(text)?;
    Ok(match tag.kind.as_ref() {
        "delta" => {
            let m: Delta = serde_json::from_str(text)?;
            ServerMessage::Delta {
                cursor: m.cursor,
                after: m.after,
                sealed_at: m.sealed_at,
                updates: m.updates,
            }
        }
        "heartbeat" => {
            let m: Heartbeat = serde_json::from_str(text)?;
            ServerMessage::Heartbeat {
                server_time: m.server_time,
                cursor: m.cursor,
            }
        }
        "anomaly" => {
            let m: AnomalyMessage = serde_json::from_str(text)?;
            ServerMessage::Anomaly { anomaly: m.anomaly }
        }
        "hello" => {
            let m: Hello = serde_json::from_str(text)?;
            ServerMessage::Hello {
                server_time: m.server_time,
                cursor: m.cursor,
                frame_ms: m.frame_ms,
                tick_options_ms: m.tick_options_ms,
                default_tick_ms: m.default_tick_ms,
            }
        }
        "subscribed" => {
            let m: Subscribed = serde_json::from_str(text)?;
            ServerMessage::Subscribed {
                cursor: m.cursor,
                tick_ms: m.tick_ms,
            }
        }
        "resync" => {
            let m: Resync = serde_json::from_str(text)?;
            ServerMessage::Resync {
                reason: m.reason,
                cursor: m.cursor,
            }
        }
        "error" => {
            let m: ErrorMessage = serde_json::from_str(text)?;
            ServerMessage::Error { error: m.error }
        }
        "view" => {
            let m: ViewMessage = serde_json::from_str(text)?;
            ServerMessage::View { view: m.view }
        }
        other => {
            return Err(serde_json::Error::custom(format!(
                "unknown message type `{other}`"
            )));
        }
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Delta {
    cursor: u64,
    after: u64,
    #[serde(with = "rfc3339_millis")]
    sealed_at: Timestamp,
    updates: Vec<MetricUpdate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Heartbeat {
    #[serde(with = "rfc3339_millis")]
    server_time: Timestamp,
    cursor: u64,
}

#[derive(Deserialize)]
struct ViewMessage {
    view: Box<crate::view::ViewUpdate>,
}

#[derive(Deserialize)]
struct AnomalyMessage {
    anomaly: Box<Anomaly>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Hello {
    #[serde(with = "rfc3339_millis")]
    server_time: Timestamp,
    cursor: u64,
    frame_ms: u32,
    tick_options_ms: Vec<u32>,
    default_tick_ms: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Subscribed {
    cursor: u64,
    tick_ms: u32,
}

#[derive(Deserialize)]
struct Resync {
    reason: String,
    cursor: u64,
}

#[derive(Deserialize)]
struct ErrorMessage {
    error: ApiErrorDetail,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anomaly::tests::sample as anomaly;
    use crate::{ErrorCode, Metrics};

    fn t() -> Timestamp {
        "2026-11-23T10:00:00.250Z".parse().unwrap()
    }

    fn update(seq: u64) -> MetricUpdate {
        MetricUpdate {
            seq,
            timestamp: t(),
            tenant_id: "acme".into(),
            customer_id: "acme-\"17\"".into(),
            model: "gpt-4o".into(),
            samples: 3,
            metrics: Metrics {
                total_calls: 3,
                total_tokens: 4_200,
                input_tokens: 4_000,
                output_tokens: 200,
                total_cost: 0.042,
                avg_latency_ms: 812.5,
                ..Default::default()
            },
        }
    }

    /// Every variant, as the protocol encodes it, decodes to itself.
    #[test]
    fn every_variant_round_trips_through_the_protocol_encoder() {
        let messages = [
            ServerMessage::Hello {
                server_time: t(),
                cursor: 5,
                frame_ms: 250,
                tick_options_ms: vec![250, 500, 1000],
                default_tick_ms: 250,
            },
            ServerMessage::Subscribed {
                cursor: 5,
                tick_ms: 250,
            },
            ServerMessage::Delta {
                cursor: 7,
                after: 5,
                sealed_at: t(),
                updates: vec![update(6), update(7)],
            },
            ServerMessage::Delta {
                cursor: 7,
                after: 7,
                sealed_at: t(),
                updates: vec![],
            },
            ServerMessage::Anomaly {
                anomaly: Box::new(anomaly()),
            },
            ServerMessage::Resync {
                reason: "lagged".into(),
                cursor: 9,
            },
            ServerMessage::Heartbeat {
                server_time: t(),
                cursor: 9,
            },
            ServerMessage::View {
                view: Box::new(crate::view::ViewUpdate {
                    version: 3,
                    at: t(),
                    spend_rate_per_hour: Some(1.5),
                    ..Default::default()
                }),
            },
            ServerMessage::Error {
                error: ApiErrorDetail {
                    code: ErrorCode::InvalidParameter,
                    message: "tickMs must be one of 250, 500".into(),
                    field: Some("tickMs".into()),
                },
            },
        ];
        for message in messages {
            let text = serde_json::to_string(&message).unwrap();
            assert_eq!(decode(&text).unwrap(), message, "{text}");
        }
    }

    #[test]
    fn the_tag_may_come_anywhere_and_unknown_fields_are_ignored() {
        let text = r#"{"cursor": 9, "serverTime": "2026-11-23T10:00:00.250Z", "extra": [1, {"a": 2}], "type": "heartbeat"}"#;
        assert_eq!(
            decode(text).unwrap(),
            ServerMessage::Heartbeat {
                server_time: t(),
                cursor: 9
            }
        );
    }

    #[test]
    fn unknown_types_and_broken_messages_are_errors() {
        assert!(decode(r#"{"type": "launch", "cursor": 1}"#).is_err());
        assert!(decode(r#"{"cursor": 1}"#).is_err());
        assert!(decode(r#"{"type": "delta", "cursor": 1}"#).is_err());
        assert!(decode("not json").is_err());
        // Same answers as the protocol's own decoder.
        for text in [r#"{"type": "launch"}"#, r#"{"type": "delta", "cursor": 1}"#] {
            assert!(serde_json::from_str::<ServerMessage>(text).is_err());
        }
    }
}
