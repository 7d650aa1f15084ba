//! `Subscription`: what one session has delivered and what it is holding back
//! until its tick. Pure: the session task feeds it frames and sends what it
//! says to send.

use std::sync::Arc;

use bytestring::ByteString;
use protocol::limits::FRAME_MS;

use crate::feed::{SealedFrame, delta_message};

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
    /// `seq` of the last update sent to the client.
    cursor: u64,
    /// `seq` of the last update held in `pending` (or `cursor`).
    pending_cursor: u64,
    tick_frames: u64,
    tick_ms: u32,
    pending: Vec<Arc<SealedFrame>>,
}

impl Subscription {
    /// `tick_ms` must be a validated tick option (a whole number of frames).
    pub fn new(cursor: u64, tick_ms: u32) -> Self {
        let mut s = Subscription {
            cursor,
            pending_cursor: cursor,
            tick_frames: 1,
            tick_ms,
            pending: Vec::new(),
        };
        s.set_tick(tick_ms);
        s
    }

    pub fn cursor(&self) -> u64 {
        self.cursor
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
        let message = delta_message(&self.pending);
        self.pending.clear();
        self.cursor = self.pending_cursor;
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
    use protocol::{MetricUpdate, Metrics, ServerMessage};

    fn frame(no: u64, first_seq: u64, n: usize) -> Arc<SealedFrame> {
        let updates = (0..n as u64)
            .map(|i| MetricUpdate {
                seq: first_seq + i,
                timestamp: "2026-11-23T10:00:00Z".parse().unwrap(),
                tenant_id: "t".into(),
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

    fn seqs(outcome: FrameOutcome) -> Vec<u64> {
        match outcome {
            FrameOutcome::Flush(Some(message)) => match serde_json::from_str(&message).unwrap() {
                ServerMessage::Delta { updates, .. } => updates.iter().map(|u| u.seq).collect(),
                other => panic!("{other:?}"),
            },
            other => panic!("expected a delta, got {other:?}"),
        }
    }

    #[test]
    fn default_tick_sends_every_frame() {
        let mut s = Subscription::new(10, 250);
        assert_eq!(seqs(s.on_frame(frame(1, 11, 2))), [11, 12]);
        assert_eq!(s.cursor(), 12);
        assert_eq!(s.on_frame(frame(2, 13, 0)), FrameOutcome::Flush(None));
        assert_eq!(seqs(s.on_frame(frame(3, 13, 1))), [13]);
    }

    #[test]
    fn slower_ticks_batch_frames_on_multiples() {
        let mut s = Subscription::new(0, 1000);
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
    fn frames_already_sent_are_skipped_and_gaps_detected() {
        let mut s = Subscription::new(0, 250);
        s.caught_up(5);
        // Frame 1..=5 was already replayed from the log.
        assert_eq!(s.on_frame(frame(1, 1, 5)), FrameOutcome::Flush(None));
        assert_eq!(seqs(s.on_frame(frame(2, 6, 1))), [6]);
        // 7..=8 missing.
        assert_eq!(s.on_frame(frame(3, 9, 1)), FrameOutcome::Gap);
        assert_eq!(s.cursor(), 6);
    }
}
