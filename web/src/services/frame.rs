//! The burst buffer and the frame flush: updates from either transport queue
//! in a bounded buffer and are applied to the store at most once per
//! animation frame, then published to the panels in one `VIEW_FRAME`.
//!
//! [`use_frame`] creates both in the calling scope (the app root): the queue
//! is a value that scope owns and the frame loop one of its coroutines, so
//! both end with it. The [`Frame`] handle it returns is how the feed
//! delivers. A gap found while applying is sent to the feed's
//! `Coroutine<Wake>`, looked up through context: the frame flush needs no
//! import of the feed, which calls it.

use dioxus::prelude::*;
use futures_channel::mpsc::UnboundedReceiver;
use futures_util::StreamExt;
use protocol::MetricUpdate;

use super::{browser, clock, instrumentation};
use crate::logic::aggregate::{rate_per_hour, rate_span};
use crate::logic::anomaly_book::Filter;
use crate::logic::buffer::{AfterPush, UpdateBuffer};
use crate::logic::connection::Transport;
use crate::logic::feed_machine::Wake;
use crate::logic::format::page_title;
use crate::state::{ANOMALIES, LINK, SETTINGS, STORE, VIEW_FRAME};

/// Updates held between frames; at this size the buffer is applied at once.
pub const BUFFER_CAPACITY: usize = 50_000;

/// What waits for the next frame.
struct Queue {
    buffer: UpdateBuffer,
    /// Flushes that applied data since the last frame flush.
    flushes_this_frame: u64,
}

/// Asks the frame loop to flush on the next animation frame.
pub struct FlushRequest;

/// The frame service of one app root. `Copy`: pass it to whoever delivers.
#[derive(Clone, Copy)]
pub struct Frame {
    queue: CopyValue<Queue>,
    frame_loop: Coroutine<FlushRequest>,
}

/// Creates the queue and starts the frame loop in the current scope; both
/// end when it unmounts.
pub fn use_frame() -> Frame {
    let queue = use_hook(|| {
        CopyValue::new(Queue {
            buffer: UpdateBuffer::new(BUFFER_CAPACITY),
            flushes_this_frame: 0,
        })
    });
    let frame_loop = use_coroutine(move |requests| run(requests, queue));
    Frame { queue, frame_loop }
}

impl Frame {
    /// Queues updates from a transport. In a hidden tab (no animation frames)
    /// they are applied at once so the store and the title stay current.
    pub fn deliver(self, updates: Vec<MetricUpdate>) {
        let mut queue = self.queue;
        let after = queue.write().buffer.push(updates);
        match after {
            AfterPush::FlushNow => self.flush(false),
            _ if !browser::is_visible() => self.flush(false),
            AfterPush::Wait { schedule: true } => self.frame_loop.send(FlushRequest),
            AfterPush::Wait { schedule: false } => {}
        }
    }

    /// Applies what is queued, moves the rings to now and publishes a frame.
    pub fn flush(self, on_frame: bool) {
        flush(self.queue, on_frame);
    }

    /// The once-a-second tick: with nothing queued, moves the rings to now so
    /// the live chart scrolls through quiet periods, and republishes.
    pub fn tick(self) {
        if self.queue.read().buffer.is_empty() {
            STORE.write().advance_to(clock::server_now());
            publish();
        }
    }
}

/// The frame loop: waits for a flush request, then for the next animation
/// frame, then applies everything queued.
async fn run(mut requests: UnboundedReceiver<FlushRequest>, queue: CopyValue<Queue>) {
    while requests.next().await.is_some() {
        if browser::is_visible() {
            next_frame().await;
        }
        flush(queue, true);
    }
}

/// Resolves on the next animation frame.
async fn next_frame() {
    let (tx, rx) = futures_channel::oneshot::channel::<()>();
    browser::on_next_frame(move || {
        let _ = tx.send(());
    });
    let _ = rx.await;
}

fn flush(queue: CopyValue<Queue>, on_frame: bool) {
    instrumentation::measured("finops:flush", || apply_and_publish(queue, on_frame));
}

fn apply_and_publish(mut queue: CopyValue<Queue>, on_frame: bool) {
    let updates = queue.write().buffer.drain();
    let now = clock::server_now();
    let gap = {
        let mut store = STORE.write();
        let gap = store.apply(&updates);
        store.advance_to(now);
        gap
    };
    if gap {
        request_reload();
    }
    // Flushes that applied data in this frame (a frame flush closes the frame).
    let flushes = {
        let mut queue = queue.write();
        let n = queue.flushes_this_frame + u64::from(!updates.is_empty());
        queue.flushes_this_frame = if on_frame { 0 } else { n };
        n
    };
    instrumentation::count(|c| {
        c.flushes += 1;
        c.max_batch = c.max_batch.max(updates.len() as u64);
        c.max_flushes_per_frame = c.max_flushes_per_frame.max(flushes);
    });
    publish();
}

/// Tells the feed a sub-store must be reloaded (nothing to tell when no feed runs).
fn request_reload() {
    if let Some(feed) = try_consume_context::<Coroutine<Wake>>() {
        feed.send(Wake::Reload);
    }
}

/// Publishes the store to the panels (when someone can see them) and
/// refreshes the title and the instrumentation (always).
pub fn publish() {
    let visible = browser::is_visible();
    let store = STORE.peek();
    if visible && !SETTINGS.peek().paused {
        *VIEW_FRAME.write() += 1;
        instrumentation::count(|c| c.view_frames += 1);
        if store.fine.is_some() {
            instrumentation::data_shown();
        }
    }
    let rate = store.fine.as_ref().and_then(|fine| {
        let end = protocol::time::align_floor(clock::server_now(), fine.resolution());
        rate_per_hour(fine, end, rate_span(fine.resolution()))
    });
    browser::set_title(&page_title(rate, ANOMALIES.peek().count(Filter::Open)));
    let link = LINK.peek();
    let transport = match link.state.transport() {
        Some(Transport::Socket) => "websocket",
        Some(Transport::Polling) => "polling",
        None => "none",
    };
    instrumentation::publish(&store.counters, transport, link.state.kind(), visible);
}
