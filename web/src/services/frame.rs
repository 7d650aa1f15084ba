//! The burst buffer and the frame flush: view messages from either transport
//! queue in a bounded buffer and are applied to the store at most once per
//! animation frame, then published to the panels in one `VIEW_FRAME`.
//!
//! [`start`] creates both in the calling scope (the app root): the queue is
//! a value that scope owns and the frame loop one of its tasks, so both end
//! with it. The [`Frame`] handle it returns is how the feed delivers. A gap
//! found while applying is sent as [`Wake::Reload`] on the sender the root
//! handed in: the frame flush needs no import of the feed, which calls it.

use dioxus::prelude::*;
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::StreamExt;
use protocol::{ViewSpec, ViewUpdate};

use super::{browser, clock, instrumentation};
use crate::logic::aggregate::{rate_per_hour, rate_span};
use crate::logic::anomaly_book::Filter;
use crate::logic::buffer::{AfterPush, FrameBuffer};
use crate::logic::connection::Transport;
use crate::logic::feed_machine::Wake;
use crate::logic::format::page_title;
use crate::state::{ANOMALIES, LINK, SETTINGS, STORE, VIEW_FRAME};

/// Deliveries held between frames; at this many the buffer is applied at once.
pub const BUFFER_CAPACITY: usize = 64;

/// What one transport delivered: view messages for the view `spec`.
type Delivery = (ViewSpec, Vec<ViewUpdate>);

/// What waits for the next frame, and where to send what a flush finds.
struct Queue {
    buffer: FrameBuffer<Delivery>,
    /// Flushes that applied data since the last frame flush.
    flushes_this_frame: u64,
    /// The frame loop's inbox: flush on the next animation frame.
    frame_requests: UnboundedSender<()>,
    /// The feed's inbox: a sub-store must be reloaded.
    reload: UnboundedSender<Wake>,
}

/// The frame service of one app root. `Copy`: pass it to whoever delivers.
#[derive(Clone, Copy)]
pub struct Frame {
    queue: CopyValue<Queue>,
}

/// Creates the queue and spawns the frame loop in the current scope (call it
/// once, from a hook of the app root): both end when that scope does. Gaps
/// are reported on `reload`.
pub fn start(reload: UnboundedSender<Wake>) -> Frame {
    let (frame_requests, inbox) = unbounded();
    let queue = CopyValue::new(Queue {
        buffer: FrameBuffer::new(BUFFER_CAPACITY),
        flushes_this_frame: 0,
        frame_requests,
        reload,
    });
    spawn(run(inbox, queue));
    Frame { queue }
}

impl Frame {
    /// Queues view messages for `spec` from a transport. In a hidden tab (no
    /// animation frames) they are applied at once so the store and the title
    /// stay current.
    pub fn deliver(self, spec: ViewSpec, updates: Vec<ViewUpdate>) {
        let mut queue = self.queue;
        let after = queue.write().buffer.push((spec, updates));
        match after {
            AfterPush::FlushNow => self.flush(false),
            _ if !browser::is_visible() => self.flush(false),
            AfterPush::Wait { schedule: true } => {
                let _ = queue.peek().frame_requests.unbounded_send(());
            }
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
async fn run(mut requests: UnboundedReceiver<()>, queue: CopyValue<Queue>) {
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
    let deliveries = queue.write().buffer.drain();
    let updates: usize = deliveries.iter().map(|(_, u)| u.len()).sum();
    let now = clock::server_now();
    let gap = {
        let mut store = STORE.write();
        let mut gap = false;
        for (spec, updates) in deliveries {
            gap |= store.apply(&spec, updates);
        }
        store.advance_to(now);
        gap
    };
    if gap {
        let _ = queue.peek().reload.unbounded_send(Wake::Reload);
    }
    // Flushes that applied data in this frame (a frame flush closes the frame).
    let flushes = {
        let mut queue = queue.write();
        let n = queue.flushes_this_frame + u64::from(updates > 0);
        queue.flushes_this_frame = if on_frame { 0 } else { n };
        n
    };
    instrumentation::count(|c| {
        c.flushes += 1;
        c.max_batch = c.max_batch.max(updates as u64);
        c.max_flushes_per_frame = c.max_flushes_per_frame.max(flushes);
    });
    publish();
}

/// Publishes the store to the panels (when someone can see them) and
/// refreshes the title and the instrumentation (always).
pub fn publish() {
    let visible = browser::is_visible();
    let store = STORE.peek();
    if visible && !SETTINGS.peek().paused {
        *VIEW_FRAME.write() += 1;
        instrumentation::count(|c| c.view_frames += 1);
        if store.view.is_some() {
            instrumentation::data_shown();
        }
    }
    let rate = store.fine().and_then(|fine| {
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
    instrumentation::publish(&store, transport, link.state.kind(), visible);
}
