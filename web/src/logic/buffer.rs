//! The client-side burst buffer: view messages queue here between animation
//! frames and are applied to the store in one go, so several messages in
//! one frame (a reconnect, a poll answering a backlog) cost one render.

/// A bounded queue of what waits for the next frame.
///
/// Bounded without losing data: when a push fills it, the caller is told to
/// apply at once instead of waiting for the frame (the store stays exact;
/// only the render is skipped until the frame).
#[derive(Debug)]
pub struct FrameBuffer<T> {
    queue: Vec<T>,
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

impl<T> FrameBuffer<T> {
    pub fn new(capacity: usize) -> Self {
        FrameBuffer {
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

    /// Queues one item. `schedule` in the answer is true when nothing was
    /// queued before, i.e. when no frame callback is pending yet.
    pub fn push(&mut self, item: T) -> AfterPush {
        let was_empty = self.queue.is_empty();
        self.queue.push(item);
        if self.queue.len() >= self.capacity {
            self.forced_flushes += 1;
            AfterPush::FlushNow
        } else {
            AfterPush::Wait {
                schedule: was_empty,
            }
        }
    }

    /// Takes everything queued, oldest first.
    pub fn drain(&mut self) -> Vec<T> {
        std::mem::take(&mut self.queue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_push_schedules_one_frame_and_later_pushes_wait() {
        let mut b = FrameBuffer::new(100);
        assert_eq!(b.push(1), AfterPush::Wait { schedule: true });
        assert_eq!(b.push(2), AfterPush::Wait { schedule: false });
        assert_eq!(b.push(3), AfterPush::Wait { schedule: false });
        assert_eq!(b.drain(), [1, 2, 3]);
        assert!(b.is_empty());
        // After a drain the next push asks for a frame again.
        assert_eq!(b.push(4), AfterPush::Wait { schedule: true });
    }

    #[test]
    fn full_buffer_asks_for_an_immediate_flush_and_stays_bounded() {
        let mut b = FrameBuffer::new(3);
        b.push(1);
        b.push(2);
        assert_eq!(b.push(3), AfterPush::FlushNow);
        assert_eq!(b.forced_flushes, 1);
        assert_eq!(b.len(), 3);
        assert_eq!(b.drain().len(), 3);
        assert!(b.is_empty());
    }
}
