//! WebSocket messages on `GET /ws`, tagged by `type`.
//!
//! A session goes: server `hello` → client `subscribe` (with the cursor it
//! holds, if any) → server `subscribed`, then `delta`s carrying every update
//! after that cursor in `seq` order, `anomaly` whenever one opens, changes or
//! ends, and a `heartbeat` when nothing else was sent for a while. If the
//! server can no longer serve the client's position it sends `resync`: the
//! client reloads a snapshot over REST and subscribes again.

use serde::{Deserialize, Serialize};

use crate::anomaly::Anomaly;
use crate::error::ApiErrorDetail;
use crate::filter::Filter;
use crate::metric::MetricUpdate;
use crate::time::{self, Timestamp};
use crate::view::{ViewEncoding, ViewSpec, ViewUpdate};

/// The subprotocol both sides speak, offered in `Sec-WebSocket-Protocol`.
pub const SUBPROTOCOL: &str = "finops.v1";

/// A browser cannot set `Authorization` on a WebSocket, so it offers its
/// token as a second subprotocol: this prefix and the token's bytes in hex
/// (subprotocol names allow few characters). The server answers with
/// [`SUBPROTOCOL`] only, so the token is never echoed.
pub const BEARER_SUBPROTOCOL_PREFIX: &str = "finops.bearer.";

/// The subprotocol that carries `token`.
pub fn bearer_subprotocol(token: &str) -> String {
    let mut out = String::with_capacity(BEARER_SUBPROTOCOL_PREFIX.len() + token.len() * 2);
    out.push_str(BEARER_SUBPROTOCOL_PREFIX);
    for byte in token.bytes() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// The token in a `Sec-WebSocket-Protocol` header value, if one is offered.
pub fn token_from_subprotocols(header: &str) -> Option<String> {
    let hex = header
        .split(',')
        .map(str::trim)
        .find_map(|p| p.strip_prefix(BEARER_SUBPROTOCOL_PREFIX))?;
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Client → server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ClientMessage {
    /// Start (or restart) the stream after `cursor`; without one, from now.
    Subscribe {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cursor: Option<u64>,
        /// One of the server's tick options; the default tick otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tick_ms: Option<u32>,
        /// Only these tenants, customers and models (within the token's
        /// scope); everything the token may see when absent.
        #[serde(default, skip_serializing_if = "Filter::is_empty")]
        filter: Filter,
    },
    /// Change how often deltas are sent.
    SetTick { tick_ms: u32 },
    /// Change what the stream carries from the current cursor on; the
    /// server answers `subscribed`, and the client reloads its snapshot
    /// with the same filter over REST.
    SetFilter {
        #[serde(default)]
        filter: Filter,
    },
    /// Receive a live view computed on the server (see [`crate::view`])
    /// instead of raw updates; answered with a full `view`, then changes.
    /// Sent again (with the same or another view) it starts over in full.
    SubscribeView {
        view: ViewSpec,
        /// How the `view` messages come: JSON text frames (the default) or
        /// `deflate`d binary frames.
        #[serde(default, skip_serializing_if = "ViewEncoding::is_json")]
        encoding: ViewEncoding,
    },
}

/// Server → client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ServerMessage {
    Hello {
        #[serde(with = "time::rfc3339_millis")]
        server_time: Timestamp,
        /// `seq` of the newest update in the log.
        cursor: u64,
        /// The server's coalescing period.
        frame_ms: u32,
        /// Ticks a client may ask for.
        tick_options_ms: Vec<u32>,
        default_tick_ms: u32,
    },
    Subscribed {
        /// Deltas that follow carry the updates after this `seq`.
        cursor: u64,
        tick_ms: u32,
    },
    Delta {
        /// The client's new position: every update up to this `seq` that the
        /// client may see is in this delta or an earlier one.
        cursor: u64,
        /// The position this delta continues from: it holds every update the
        /// client may see in `(after, cursor]`. A client whose position is
        /// not `after` missed something and reloads. (A client whose token
        /// sees only some tenants gets `seq`s with holes between them.)
        after: u64,
        /// When the server sealed the newest frame in this delta.
        #[serde(with = "time::rfc3339_millis")]
        sealed_at: Timestamp,
        /// Consecutive updates in `seq` order.
        updates: Vec<MetricUpdate>,
    },
    Anomaly {
        anomaly: Box<Anomaly>,
    },
    /// The subscribed view, in full or what changed.
    View {
        view: Box<ViewUpdate>,
    },
    Resync {
        /// Why the stream cannot continue from the client's position.
        reason: String,
        /// The server's newest `seq`.
        cursor: u64,
    },
    Heartbeat {
        #[serde(with = "time::rfc3339_millis")]
        server_time: Timestamp,
        cursor: u64,
    },
    Error {
        error: ApiErrorDetail,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::metric::Metrics;
    use serde_json::json;

    fn round_trip(message: &ServerMessage, expected: serde_json::Value) {
        let value = serde_json::to_value(message).unwrap();
        assert_eq!(value, expected);
        assert_eq!(
            &serde_json::from_value::<ServerMessage>(value).unwrap(),
            message
        );
    }

    #[test]
    fn tokens_travel_as_a_hex_subprotocol() {
        let offered = format!("{SUBPROTOCOL}, {}", bearer_subprotocol("s3cret/+=é"));
        assert!(offered.starts_with("finops.v1, finops.bearer.7333"));
        assert_eq!(
            token_from_subprotocols(&offered).as_deref(),
            Some("s3cret/+=é")
        );
        assert_eq!(token_from_subprotocols(SUBPROTOCOL), None);
        assert_eq!(token_from_subprotocols("finops.bearer.7"), None);
        assert_eq!(token_from_subprotocols("finops.bearer.zz"), None);
        assert_eq!(
            token_from_subprotocols("finops.bearer.ff"),
            None,
            "not UTF-8"
        );
    }

    #[test]
    fn client_messages_are_pinned() {
        let sub: ClientMessage =
            serde_json::from_value(json!({"type": "subscribe", "cursor": 12, "tickMs": 1000}))
                .unwrap();
        assert_eq!(
            sub,
            ClientMessage::Subscribe {
                cursor: Some(12),
                tick_ms: Some(1000),
                filter: Filter::default(),
            }
        );
        let bare: ClientMessage = serde_json::from_value(json!({"type": "subscribe"})).unwrap();
        assert_eq!(
            bare,
            ClientMessage::Subscribe {
                cursor: None,
                tick_ms: None,
                filter: Filter::default(),
            }
        );
        let filtered: ClientMessage = serde_json::from_value(
            json!({"type": "subscribe", "filter": {"tenants": ["acme"], "models": ["o1"]}}),
        )
        .unwrap();
        let ClientMessage::Subscribe { filter, .. } = filtered else {
            panic!("not a subscribe")
        };
        assert_eq!(
            (filter.tenants, filter.models),
            (vec!["acme".into()], vec!["o1".into()])
        );
        assert_eq!(
            serde_json::to_value(ClientMessage::SetFilter {
                filter: Filter::default()
            })
            .unwrap(),
            json!({"type": "setFilter", "filter": {}})
        );
        assert_eq!(
            serde_json::to_value(ClientMessage::SetTick { tick_ms: 500 }).unwrap(),
            json!({"type": "setTick", "tickMs": 500})
        );
        assert!(serde_json::from_value::<ClientMessage>(json!({"type": "launch"})).is_err());
    }

    #[test]
    fn server_messages_are_pinned() {
        let t: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        round_trip(
            &ServerMessage::Hello {
                server_time: t,
                cursor: 5,
                frame_ms: 250,
                tick_options_ms: vec![250, 1000],
                default_tick_ms: 250,
            },
            json!({"type": "hello", "serverTime": "2026-11-23T10:00:00.000Z", "cursor": 5,
                   "frameMs": 250, "tickOptionsMs": [250, 1000], "defaultTickMs": 250}),
        );
        round_trip(
            &ServerMessage::Subscribed {
                cursor: 5,
                tick_ms: 250,
            },
            json!({"type": "subscribed", "cursor": 5, "tickMs": 250}),
        );
        let update = MetricUpdate {
            seq: 6,
            timestamp: t,
            tenant_id: "t".into(),
            customer_id: "c".into(),
            model: "gpt-4o".into(),
            samples: 1,
            metrics: Metrics::default(),
        };
        let delta = ServerMessage::Delta {
            cursor: 6,
            after: 5,
            sealed_at: t,
            updates: vec![update.clone()],
        };
        let value = serde_json::to_value(&delta).unwrap();
        assert_eq!(value["type"], "delta");
        assert_eq!(value["cursor"], 6);
        assert_eq!(value["after"], 5);
        assert_eq!(value["sealedAt"], "2026-11-23T10:00:00.000Z");
        assert_eq!(value["updates"][0], serde_json::to_value(&update).unwrap());
        round_trip(
            &ServerMessage::Resync {
                reason: "lagged".into(),
                cursor: 9,
            },
            json!({"type": "resync", "reason": "lagged", "cursor": 9}),
        );
        round_trip(
            &ServerMessage::Heartbeat {
                server_time: t,
                cursor: 9,
            },
            json!({"type": "heartbeat", "serverTime": "2026-11-23T10:00:00.000Z", "cursor": 9}),
        );
        round_trip(
            &ServerMessage::Error {
                error: ApiErrorDetail {
                    code: ErrorCode::InvalidParameter,
                    message: "tickMs must be one of 250, 500".into(),
                    field: Some("tickMs".into()),
                },
            },
            json!({"type": "error", "error": {"code": "invalid_parameter",
                   "message": "tickMs must be one of 250, 500", "field": "tickMs"}}),
        );
        let anomaly = ServerMessage::Anomaly {
            anomaly: Box::new(crate::anomaly::tests::sample()),
        };
        let value = serde_json::to_value(&anomaly).unwrap();
        assert_eq!(value["type"], "anomaly");
        assert_eq!(value["anomaly"]["id"], "anm-000017");
        assert_eq!(
            serde_json::from_value::<ServerMessage>(value).unwrap(),
            anomaly
        );
    }
}
