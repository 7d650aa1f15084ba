//! `Subscription`: what one session has delivered and what it is holding back
//! until its tick. Pure: the session task feeds it frames and sends what it
//! says to send.

use std::sync::Arc;

use bytestring::ByteString;
use protocol::MetricUpdate;
use protocol::limits::FRAME_MS;
use protocol::time::Timestamp;

use crate::aggregation::NameFilter;
use crate::feed::{SealedFrame, delta_from_updates, delta_message, filtered_delta_message};

/// What to do after a frame arrived.
#[derive(Debug, PartialEq)]
pub enum FrameOutcome {
    /// Hold it until the tick.
    Wait,
    /// Send this delta now (nothing to send if `None`: the frames were empty).
    Flush(Option<ByteString>),
    /// The frame does not follow what was delivered: catch up from the log.
    Gap,
}

#[derive(Debug)]
pub struct Subscription {
    /// `seq` of the last update passed on (sent, or not for this client).
    cursor: u64,
    /// The position the client was last told (the `cursor` of the last
    /// delta sent): the next delta continues from it. Behind `cursor` only
    /// while the updates in between were none of this client's.
    announced: u64,
    /// `seq` of the last update held in `pending` (or `cursor`).
    pending_cursor: u64,
    tick_frames: u64,
    tick_ms: u32,
    pending: Vec<Arc<SealedFrame>>,
    /// What this client may see; `None` for everything.
    filter: Option<NameFilter>,
}

impl Subscription {
    /// `tick_ms` must be a validated tick option (a whole number of frames).
    /// A `filter` that admits everything is the same as none.
    pub fn new(cursor: u64, tick_ms: u32, filter: &NameFilter) -> Self {
        let mut s = Subscription {
            cursor,
            announced: cursor,
            pending_cursor: cursor,
            tick_frames: 1,
            tick_ms,
            pending: Vec::new(),
            filter: (!filter.is_all()).then(|| filter.clone()),
        };
        s.set_tick(tick_ms);
        s
    }

    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// The client's filter, if it sees only part of the stream.
    pub fn filter(&self) -> Option<&NameFilter> {
        self.filter.as_ref()
    }

    pub fn tick_ms(&self) -> u32 {
        self.tick_ms
    }

    pub fn set_tick(&mut self, tick_ms: u32) {
        self.tick_ms = tick_ms;
        self.tick_frames = u64::from((tick_ms / FRAME_MS).max(1));
    }

    pub fn on_frame(&mut self, frame: Arc<SealedFrame>) -> FrameOutcome {
        let on_tick = frame.no.is_multiple_of(self.tick_frames);
        if frame.is_empty() || frame.last_seq <= self.pending_cursor {
            // Nothing new in it (or already sent from the log); it still marks time.
        } else if frame.first_seq != self.pending_cursor + 1 {
            return FrameOutcome::Gap;
        } else {
            self.pending_cursor = frame.last_seq;
            self.pending.push(frame);
        }
        if on_tick || self.pending.len() as u64 >= self.tick_frames {
            FrameOutcome::Flush(self.flush())
        } else {
            FrameOutcome::Wait
        }
    }

    fn flush(&mut self) -> Option<ByteString> {
        let message = match &self.filter {
            None => delta_message(&self.pending, self.announced),
            Some(filter) => {
                filtered_delta_message(&self.pending, self.announced, |u| filter.admits_update(u))
            }
        };
        self.pending.clear();
        self.cursor = self.pending_cursor;
        if message.is_some() {
            self.announced = self.cursor;
        }
        message
    }

    /// A delta of updates read from the log (already filtered for this
    /// client) that brings it up to `through`; `None` when there are none.
    pub fn from_log(
        &mut self,
        updates: &[MetricUpdate],
        through: u64,
        sealed_at: Timestamp,
    ) -> Option<ByteString> {
        let message = delta_from_updates(updates, self.announced, through, sealed_at);
        self.cursor = through;
        self.pending_cursor = through;
        if message.is_some() {
            self.announced = through;
        }
        message
    }

    /// The client was brought up to `cursor` from the log; drop what was held.
    pub fn caught_up(&mut self, cursor: u64) {
        self.pending.clear();
        self.cursor = cursor;
        self.pending_cursor = cursor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use protocol::{Metrics, ServerMessage};

    fn frame(no: u64, first_seq: u64, n: usize) -> Arc<SealedFrame> {
        tenant_frame(no, first_seq, n, "t")
    }

    fn tenant_frame(no: u64, first_seq: u64, n: usize, tenant: &str) -> Arc<SealedFrame> {
        let updates = (0..n as u64)
            .map(|i| MetricUpdate {
                seq: first_seq + i,
                timestamp: "2026-11-23T10:00:00Z".parse().unwrap(),
                tenant_id: tenant.into(),
                customer_id: format!("c{i}"),
                model: "m".into(),
                samples: 1,
                metrics: Metrics::default(),
            })
            .collect();
        Arc::new(SealedFrame::new(
            no,
            first_seq,
            "2026-11-23T10:00:00Z".parse().unwrap(),
            updates,
        ))
    }

    fn delta(outcome: FrameOutcome) -> (u64, u64, Vec<u64>) {
        match outcome {
            FrameOutcome::Flush(Some(message)) => match serde_json::from_str(&message).unwrap() {
                ServerMessage::Delta {
                    after,
                    cursor,
                    updates,
                    ..
                } => (after, cursor, updates.iter().map(|u| u.seq).collect()),
                other => panic!("{other:?}"),
            },
            other => panic!("expected a delta, got {other:?}"),
        }
    }

    fn seqs(outcome: FrameOutcome) -> Vec<u64> {
        delta(outcome).2
    }

    #[test]
    fn default_tick_sends_every_frame() {
        let mut s = Subscription::new(10, 250, &NameFilter::all());
        assert_eq!(seqs(s.on_frame(frame(1, 11, 2))), [11, 12]);
        assert_eq!(s.cursor(), 12);
        assert_eq!(s.on_frame(frame(2, 13, 0)), FrameOutcome::Flush(None));
        assert_eq!(seqs(s.on_frame(frame(3, 13, 1))), [13]);
    }

    #[test]
    fn slower_ticks_batch_frames_on_multiples() {
        let mut s = Subscription::new(0, 1000, &NameFilter::all());
        assert_eq!(s.on_frame(frame(1, 1, 1)), FrameOutcome::Wait);
        assert_eq!(s.on_frame(frame(2, 2, 1)), FrameOutcome::Wait);
        assert_eq!(s.on_frame(frame(3, 3, 0)), FrameOutcome::Wait);
        assert_eq!(s.cursor(), 0);
        assert_eq!(seqs(s.on_frame(frame(4, 3, 2))), [1, 2, 3, 4]);
        assert_eq!(s.cursor(), 4);
        s.set_tick(500);
        assert_eq!(s.tick_ms(), 500);
        assert_eq!(s.on_frame(frame(5, 5, 1)), FrameOutcome::Wait);
        assert_eq!(seqs(s.on_frame(frame(6, 6, 1))), [5, 6]);
    }

    #[test]
    fn a_scoped_client_gets_only_its_tenant_and_deltas_that_chain() {
        let scope = NameFilter::tenants(["mine"]);
        let mut s = Subscription::new(0, 250, &scope);
        // seq 1..=2 are someone else's: nothing to send, position unchanged for the client.
        assert_eq!(
            s.on_frame(tenant_frame(1, 1, 2, "theirs")),
            FrameOutcome::Flush(None)
        );
        assert_eq!(s.cursor(), 2);
        // The next delta continues from what the client was last told (0).
        assert_eq!(
            delta(s.on_frame(tenant_frame(2, 3, 2, "mine"))),
            (0, 4, vec![3, 4])
        );
        assert_eq!(
            s.on_frame(tenant_frame(3, 5, 1, "theirs")),
            FrameOutcome::Flush(None)
        );
        assert_eq!(
            delta(s.on_frame(tenant_frame(4, 6, 1, "mine"))),
            (4, 6, vec![6])
        );
        // From the log: updates already filtered, through a later cursor.
        assert!(s.from_log(&[], 9, Utc::now()).is_none());
        assert_eq!(s.cursor(), 9);
        let unscoped = Subscription::new(0, 250, &NameFilter::all());
        assert!(unscoped.filter().is_none());
    }

    #[test]
    fn frames_already_sent_are_skipped_and_gaps_detected() {
        let mut s = Subscription::new(0, 250, &NameFilter::all());
        s.caught_up(5);
        // Frame 1..=5 was already replayed from the log.
        assert_eq!(s.on_frame(frame(1, 1, 5)), FrameOutcome::Flush(None));
        assert_eq!(seqs(s.on_frame(frame(2, 6, 1))), [6]);
        // 7..=8 missing.
        assert_eq!(s.on_frame(frame(3, 9, 1)), FrameOutcome::Gap);
        assert_eq!(s.cursor(), 6);
    }
}
