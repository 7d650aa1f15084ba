//! The client-side burst buffer: updates queue here between animation frames
//! and are applied to the store in one go, so a burst of hundreds of updates
//! costs one render, not hundreds.

use protocol::MetricUpdate;

/// A bounded queue of updates waiting for the next frame.
///
/// Bounded without losing data: when a push fills it, the caller is told to
/// apply at once instead of waiting for the frame (the store stays exact;
/// only the render is skipped until the frame).
#[derive(Debug, Default)]
pub struct UpdateBuffer {
    queue: Vec<MetricUpdate>,
    capacity: usize,
    /// Flushes done because the buffer was full rather than because a frame came.
    pub forced_flushes: u64,
}

/// What the caller should do after a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterPush {
    /// Wait for the next frame (one is already requested if `schedule` is true).
    Wait { schedule: bool },
    /// The buffer is full: drain and apply now.
    FlushNow,
}

impl UpdateBuffer {
    pub fn new(capacity: usize) -> Self {
        UpdateBuffer {
            queue: Vec::new(),
            capacity: capacity.max(1),
            forced_flushes: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Queues a batch. `schedule` in the answer is true when the buffer was
    /// empty, i.e. when no frame callback is pending yet.
    pub fn push(&mut self, batch: impl IntoIterator<Item = MetricUpdate>) -> AfterPush {
        let was_empty = self.queue.is_empty();
        self.queue.extend(batch);
        if self.queue.len() >= self.capacity {
            self.forced_flushes += 1;
            AfterPush::FlushNow
        } else {
            AfterPush::Wait {
                schedule: was_empty && !self.queue.is_empty(),
            }
        }
    }

    /// Takes everything queued, oldest first.
    pub fn drain(&mut self) -> Vec<MetricUpdate> {
        std::mem::take(&mut self.queue)
    }

    /// Forgets what is queued (after a resync the snapshot replaces it).
    pub fn clear(&mut self) {
        self.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::Metrics;

    fn update(seq: u64) -> MetricUpdate {
        MetricUpdate {
            seq,
            timestamp: "2026-11-23T10:00:00Z".parse().unwrap(),
            tenant_id: "t".into(),
            customer_id: "c".into(),
            model: "gpt-4o".into(),
            samples: 1,
            metrics: Metrics::default(),
        }
    }

    #[test]
    fn first_push_schedules_one_frame_and_later_pushes_wait() {
        let mut b = UpdateBuffer::new(100);
        assert_eq!(b.push([update(1)]), AfterPush::Wait { schedule: true });
        assert_eq!(
            b.push([update(2), update(3)]),
            AfterPush::Wait { schedule: false }
        );
        let drained = b.drain();
        assert_eq!(drained.iter().map(|u| u.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert!(b.is_empty());
        // After a drain the next push asks for a frame again.
        assert_eq!(b.push([update(4)]), AfterPush::Wait { schedule: true });
    }

    #[test]
    fn empty_batches_do_not_schedule() {
        let mut b = UpdateBuffer::new(10);
        assert_eq!(b.push([]), AfterPush::Wait { schedule: false });
    }

    #[test]
    fn full_buffer_asks_for_an_immediate_flush_and_stays_bounded() {
        let mut b = UpdateBuffer::new(3);
        b.push([update(1), update(2)]);
        assert_eq!(b.push([update(3)]), AfterPush::FlushNow);
        assert_eq!(b.forced_flushes, 1);
        assert_eq!(b.drain().len(), 3);
        b.push([update(4)]);
        b.clear();
        assert_eq!(b.len(), 0);
    }
}
