//! The client-side burst buffer: batches of updates queue here between
//! animation frames and are applied to the store in one go, so a burst of
//! hundreds of updates costs one render, not hundreds.

use super::series::Batch;

/// A bounded queue of batches waiting for the next frame, bounded by the
/// updates they hold.
///
/// Bounded without losing data: when a push fills it, the caller is told to
/// apply at once instead of waiting for the frame (the store stays exact;
/// only the render is skipped until the frame).
#[derive(Debug, Default)]
pub struct UpdateBuffer {
    queue: Vec<Batch>,
    /// Updates in `queue`.
    updates: usize,
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
            updates: 0,
            capacity: capacity.max(1),
            forced_flushes: 0,
        }
    }

    /// Updates queued.
    pub fn len(&self) -> usize {
        self.updates
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Queues a batch (an empty one too: it still moves the cursor).
    /// `schedule` in the answer is true when nothing was queued before, i.e.
    /// when no frame callback is pending yet.
    pub fn push(&mut self, batch: Batch) -> AfterPush {
        let was_empty = self.queue.is_empty();
        self.updates += batch.updates.len();
        self.queue.push(batch);
        if self.updates >= self.capacity {
            self.forced_flushes += 1;
            AfterPush::FlushNow
        } else {
            AfterPush::Wait {
                schedule: was_empty,
            }
        }
    }

    /// Takes everything queued, oldest first.
    pub fn drain(&mut self) -> Vec<Batch> {
        self.updates = 0;
        std::mem::take(&mut self.queue)
    }

    /// Forgets what is queued (after a resync the snapshot replaces it).
    pub fn clear(&mut self) {
        self.updates = 0;
        self.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{MetricUpdate, Metrics};

    fn batch(seqs: &[u64]) -> Batch {
        Batch {
            after: seqs.first().map_or(0, |s| s - 1),
            cursor: seqs.last().copied().unwrap_or(0),
            updates: seqs
                .iter()
                .map(|seq| MetricUpdate {
                    seq: *seq,
                    timestamp: "2026-11-23T10:00:00Z".parse().unwrap(),
                    tenant_id: "t".into(),
                    customer_id: "c".into(),
                    model: "gpt-4o".into(),
                    samples: 1,
                    metrics: Metrics::default(),
                })
                .collect(),
        }
    }

    fn seqs(batches: &[Batch]) -> Vec<u64> {
        batches
            .iter()
            .flat_map(|b| b.updates.iter().map(|u| u.seq))
            .collect()
    }

    #[test]
    fn first_push_schedules_one_frame_and_later_pushes_wait() {
        let mut b = UpdateBuffer::new(100);
        assert_eq!(b.push(batch(&[1])), AfterPush::Wait { schedule: true });
        assert_eq!(b.push(batch(&[2, 3])), AfterPush::Wait { schedule: false });
        let drained = b.drain();
        assert_eq!(seqs(&drained), [1, 2, 3]);
        assert!(b.is_empty());
        // After a drain the next push asks for a frame again.
        assert_eq!(b.push(batch(&[4])), AfterPush::Wait { schedule: true });
    }

    #[test]
    fn empty_batches_still_move_the_cursor_so_they_are_queued() {
        let mut b = UpdateBuffer::new(10);
        assert_eq!(b.push(batch(&[])), AfterPush::Wait { schedule: true });
        assert_eq!(b.len(), 0);
        assert!(!b.is_empty());
    }

    #[test]
    fn full_buffer_asks_for_an_immediate_flush_and_stays_bounded() {
        let mut b = UpdateBuffer::new(3);
        b.push(batch(&[1, 2]));
        assert_eq!(b.push(batch(&[3])), AfterPush::FlushNow);
        assert_eq!(b.forced_flushes, 1);
        assert_eq!(b.drain().len(), 2);
        b.push(batch(&[4]));
        b.clear();
        assert_eq!(b.len(), 0);
        assert!(b.is_empty());
    }
}
