//! `SealedFrame`: one coalescing period's updates, serialised once for every session.

use bytestring::ByteString;
use protocol::MetricUpdate;
use protocol::time::{Timestamp, format_timestamp};

#[derive(Debug)]
pub struct SealedFrame {
    /// Frame number since start; sessions with slower ticks send on multiples of it.
    pub no: u64,
    /// `seq` of the first update (`last_seq + 1` when the frame is empty).
    pub first_seq: u64,
    /// `seq` of the last update: the cursor after this frame.
    pub last_seq: u64,
    pub sealed_at: Timestamp,
    pub updates: Vec<MetricUpdate>,
    /// The updates as a JSON array, for stitching several frames into one delta.
    updates_json: String,
    /// The whole `delta` message for this frame alone (empty frames: none).
    message: Option<ByteString>,
}

impl SealedFrame {
    pub fn new(no: u64, first_seq: u64, sealed_at: Timestamp, updates: Vec<MetricUpdate>) -> Self {
        let last_seq = (first_seq + updates.len() as u64).saturating_sub(1);
        // Serialising plain data into a String cannot fail.
        let updates_json = serde_json::to_string(&updates).unwrap_or_else(|_| "[]".into());
        let message = (!updates.is_empty()).then(|| {
            ByteString::from(delta_json(
                last_seq,
                first_seq.saturating_sub(1),
                sealed_at,
                &[&updates_json],
            ))
        });
        SealedFrame {
            no,
            first_seq,
            last_seq,
            sealed_at,
            updates,
            updates_json,
            message,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.updates.is_empty()
    }
}

/// Builds a `delta` message from already-serialised update arrays, so the
/// updates of a frame are serialised once however many sessions send them.
fn delta_json(cursor: u64, after: u64, sealed_at: Timestamp, arrays: &[&str]) -> String {
    let body_len: usize = arrays.iter().map(|a| a.len()).sum();
    let mut out = String::with_capacity(body_len + 112);
    out.push_str(r#"{"type":"delta","cursor":"#);
    out.push_str(&cursor.to_string());
    out.push_str(r#","after":"#);
    out.push_str(&after.to_string());
    out.push_str(r#","sealedAt":""#);
    out.push_str(&format_timestamp(sealed_at));
    out.push_str(r#"","updates":["#);
    let mut first = true;
    for array in arrays {
        // Each array is "[...]"; splice its items.
        let items = array
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
            .unwrap_or("");
        if items.is_empty() {
            continue;
        }
        if !first {
            out.push(',');
        }
        out.push_str(items);
        first = false;
    }
    out.push_str("]}");
    out
}

/// One `delta` message continuing from `after` with the updates of
/// consecutive frames, or `None` if they are all empty. A single frame's
/// message is shared, not rebuilt.
pub fn delta_message(frames: &[std::sync::Arc<SealedFrame>], after: u64) -> Option<ByteString> {
    let non_empty: Vec<&SealedFrame> = frames
        .iter()
        .map(|f| &**f)
        .filter(|f| !f.is_empty())
        .collect();
    match non_empty.as_slice() {
        [] => None,
        [one] if one.first_seq == after + 1 => one.message.clone(),
        many => {
            let last = many[many.len() - 1];
            let arrays: Vec<&str> = many.iter().map(|f| f.updates_json.as_str()).collect();
            Some(ByteString::from(delta_json(
                last.last_seq,
                after,
                last.sealed_at,
                &arrays,
            )))
        }
    }
}

/// A `delta` of the updates of `frames` that `keep` admits, continuing from
/// `after` up to the last frame's cursor; `None` when none is admitted
/// (the client's position stays `after`, which the next delta continues from).
pub fn filtered_delta_message(
    frames: &[std::sync::Arc<SealedFrame>],
    after: u64,
    keep: impl Fn(&MetricUpdate) -> bool,
) -> Option<ByteString> {
    let last = frames.last()?;
    let kept: Vec<&MetricUpdate> = frames
        .iter()
        .flat_map(|f| f.updates.iter())
        .filter(|u| keep(u))
        .collect();
    if kept.is_empty() {
        return None;
    }
    let json = serde_json::to_string(&kept).ok()?;
    Some(ByteString::from(delta_json(
        last.last_seq,
        after,
        last.sealed_at,
        &[&json],
    )))
}

/// A `delta` message for updates read back from the log: everything the
/// client may see in `(after, cursor]`.
pub fn delta_from_updates(
    updates: &[MetricUpdate],
    after: u64,
    cursor: u64,
    sealed_at: Timestamp,
) -> Option<ByteString> {
    if updates.is_empty() {
        return None;
    }
    let json = serde_json::to_string(updates).ok()?;
    Some(ByteString::from(delta_json(
        cursor,
        after,
        sealed_at,
        &[&json],
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{Metrics, ServerMessage};
    use std::sync::Arc;

    fn update(seq: u64, customer: &str) -> MetricUpdate {
        MetricUpdate {
            seq,
            timestamp: "2026-11-23T10:00:00.125Z".parse().unwrap(),
            tenant_id: "t \"quoted\"".into(),
            customer_id: customer.into(),
            model: "gpt-4o".into(),
            samples: 2,
            metrics: Metrics {
                total_calls: 3,
                total_tokens: 30,
                input_tokens: 20,
                output_tokens: 10,
                total_cost: 0.25,
                avg_latency_ms: 512.5,
                ..Default::default()
            },
        }
    }

    fn parse(message: &ByteString) -> ServerMessage {
        serde_json::from_str(message).unwrap()
    }

    #[test]
    fn a_frame_is_one_valid_delta() {
        let t = "2026-11-23T10:00:00.250Z".parse().unwrap();
        let frame = SealedFrame::new(1, 11, t, vec![update(11, "a"), update(12, "b")]);
        assert_eq!(frame.last_seq, 12);
        let message = delta_message(&[Arc::new(frame)], 10).unwrap();
        match parse(&message) {
            ServerMessage::Delta {
                cursor,
                after,
                sealed_at,
                updates,
            } => {
                assert_eq!(cursor, 12);
                assert_eq!(after, 10);
                assert_eq!(sealed_at, t);
                assert_eq!(updates, vec![update(11, "a"), update(12, "b")]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn frames_stitch_into_one_delta_skipping_empty_ones() {
        let t0 = "2026-11-23T10:00:00.250Z".parse().unwrap();
        let t1 = "2026-11-23T10:00:00.500Z".parse().unwrap();
        let t2 = "2026-11-23T10:00:00.750Z".parse().unwrap();
        let frames = [
            Arc::new(SealedFrame::new(1, 1, t0, vec![update(1, "a")])),
            Arc::new(SealedFrame::new(2, 2, t1, vec![])),
            Arc::new(SealedFrame::new(
                3,
                2,
                t2,
                vec![update(2, "b"), update(3, "c")],
            )),
        ];
        assert!(frames[1].is_empty());
        assert_eq!(frames[1].last_seq, 1);
        match parse(&delta_message(&frames, 0).unwrap()) {
            ServerMessage::Delta {
                cursor,
                after,
                sealed_at,
                updates,
            } => {
                assert_eq!(cursor, 3);
                assert_eq!(after, 0);
                assert_eq!(sealed_at, t2);
                assert_eq!(updates.iter().map(|u| u.seq).collect::<Vec<_>>(), [1, 2, 3]);
            }
            other => panic!("{other:?}"),
        }
        assert!(delta_message(&frames[1..2], 1).is_none());
        assert!(delta_message(&[], 0).is_none());
    }

    #[test]
    fn filtered_deltas_keep_only_admitted_updates_and_span_every_frame() {
        let t = "2026-11-23T10:00:00.250Z".parse().unwrap();
        let frames = [
            Arc::new(SealedFrame::new(
                1,
                1,
                t,
                vec![update(1, "a"), update(2, "b")],
            )),
            Arc::new(SealedFrame::new(2, 3, t, vec![update(3, "b")])),
        ];
        let message = filtered_delta_message(&frames, 0, |u| u.customer_id == "a").unwrap();
        match parse(&message) {
            ServerMessage::Delta {
                cursor,
                after,
                updates,
                ..
            } => {
                assert_eq!((after, cursor), (0, 3));
                assert_eq!(updates.iter().map(|u| u.seq).collect::<Vec<_>>(), [1]);
            }
            other => panic!("{other:?}"),
        }
        assert!(filtered_delta_message(&frames, 0, |_| false).is_none());
    }

    #[test]
    fn log_reads_become_deltas() {
        let t = "2026-11-23T10:00:00.250Z".parse().unwrap();
        assert!(delta_from_updates(&[], 5, 7, t).is_none());
        let message = delta_from_updates(&[update(7, "x")], 5, 9, t).unwrap();
        match parse(&message) {
            ServerMessage::Delta {
                cursor,
                after,
                updates,
                ..
            } => {
                assert_eq!((after, cursor), (5, 9));
                assert_eq!(updates.len(), 1);
            }
            other => panic!("{other:?}"),
        }
    }
}
