//! The burst buffer and the frame flush: updates from either transport queue
//! in a bounded buffer and are applied to the store at most once per
//! animation frame, then published to the panels in one `VIEW_FRAME`.

use std::cell::{Cell, RefCell};

use dioxus::prelude::*;
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::StreamExt;
use protocol::MetricUpdate;

use super::{browser, clock, feed, instrumentation};
use crate::logic::aggregate::{rate_per_hour, rate_span};
use crate::logic::anomaly_book::Filter;
use crate::logic::buffer::{AfterPush, UpdateBuffer};
use crate::logic::format::page_title;
use crate::state::{ANOMALIES, LINK, SETTINGS, STORE, VIEW_FRAME};

/// Updates held between frames; at this size the buffer is applied at once.
pub const BUFFER_CAPACITY: usize = 50_000;

thread_local! {
    static BUFFER: RefCell<UpdateBuffer> = RefCell::new(UpdateBuffer::new(BUFFER_CAPACITY));
    static FLUSH_REQUESTS: RefCell<Option<UnboundedSender<()>>> = const { RefCell::new(None) };
    static FLUSHES_THIS_FRAME: Cell<u64> = const { Cell::new(0) };
}

/// Queues updates from a transport. In a hidden tab (no animation frames)
/// they are applied at once so the store and the title stay current.
pub fn deliver(updates: Vec<MetricUpdate>) {
    let after = BUFFER.with(|b| b.borrow_mut().push(updates));
    match after {
        AfterPush::FlushNow => flush(false),
        _ if !browser::is_visible() => flush(false),
        AfterPush::Wait { schedule: true } => FLUSH_REQUESTS.with(|tx| {
            if let Some(tx) = tx.borrow().as_ref() {
                let _ = tx.unbounded_send(());
            }
        }),
        AfterPush::Wait { schedule: false } => {}
    }
}

/// The frame loop: waits for a flush request, then for the next animation
/// frame, then applies everything queued. Runs in a Dioxus task, so it ends
/// (and unregisters) when the app unmounts.
pub async fn run() {
    let (tx, mut rx): (UnboundedSender<()>, UnboundedReceiver<()>) = unbounded();
    FLUSH_REQUESTS.with(|slot| *slot.borrow_mut() = Some(tx));
    let _unregister = Unregister;
    while rx.next().await.is_some() {
        if browser::is_visible() {
            next_frame().await;
        }
        flush(true);
    }
}

struct Unregister;

impl Drop for Unregister {
    fn drop(&mut self) {
        FLUSH_REQUESTS.with(|slot| slot.borrow_mut().take());
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

/// Applies what is queued, moves the rings to now and publishes a frame.
pub fn flush(on_frame: bool) {
    instrumentation::measured("finops:flush", || apply_and_publish(on_frame));
}

fn apply_and_publish(on_frame: bool) {
    let updates = BUFFER.with(|b| b.borrow_mut().drain());
    let now = clock::server_now();
    let gap = {
        let mut store = STORE.write();
        let gap = store.apply(&updates);
        store.advance_to(now);
        gap
    };
    if gap {
        feed::wake(feed::Wake::Reload);
    }
    // Flushes that applied data in this frame (a frame flush closes the frame).
    let flushes = FLUSHES_THIS_FRAME.with(|f| {
        let n = f.get() + u64::from(!updates.is_empty());
        f.set(if on_frame { 0 } else { n });
        n
    });
    instrumentation::count(|c| {
        c.flushes += 1;
        c.max_batch = c.max_batch.max(updates.len() as u64);
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
        Some(crate::logic::connection::Transport::Socket) => "websocket",
        Some(crate::logic::connection::Transport::Polling) => "polling",
        None => "none",
    };
    instrumentation::publish(&store.counters, transport, link.state.kind(), visible);
}

/// The once-a-second tick: with nothing queued, moves the rings to now so the
/// live chart scrolls through quiet periods, and republishes.
pub fn tick() {
    if BUFFER.with(|b| b.borrow().is_empty()) {
        STORE.write().advance_to(clock::server_now());
        publish();
    }
}
