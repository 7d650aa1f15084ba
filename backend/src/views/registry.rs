//! `Views`: the views sessions watch, each computed once per tick and its
//! change serialised once into a broadcast channel every watcher reads. A
//! view nobody watches any more is dropped at the next tick.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytestring::ByteString;
use chrono::Utc;
use parking_lot::Mutex;
use protocol::{ServerMessage, ViewUpdate};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::diff::ViewState;
use super::key::ViewKey;
use super::snapshot;
use crate::aggregation::Rollups;

/// Messages kept for a slow watcher before it lags and rejoins in full.
const CHANNEL: usize = 64;

struct Entry {
    state: ViewState,
    tx: broadcast::Sender<ByteString>,
    /// The full view at the current version, serialised on first demand.
    full: Option<ByteString>,
}

#[derive(Clone, Default)]
pub struct Views {
    inner: Arc<Mutex<HashMap<ViewKey, Entry>>>,
}

fn message(update: ViewUpdate) -> ByteString {
    let message = ServerMessage::View {
        view: Box::new(update),
    };
    // Serialising plain data cannot fail.
    ByteString::from(serde_json::to_string(&message).unwrap_or_default())
}

impl Views {
    /// Starts watching `key`: the full view now, and the receiver of every
    /// change after it (subscribed under the same lock, so none is missed).
    pub fn join(
        &self,
        rollups: &Rollups,
        key: ViewKey,
    ) -> (ByteString, broadcast::Receiver<ByteString>) {
        let mut views = self.inner.lock();
        let entry = views.entry(key).or_insert_with_key(|key| {
            let mut state = ViewState::default();
            let now = Utc::now();
            state.update(snapshot::compute(&rollups.read(), key, now), now);
            Entry {
                state,
                tx: broadcast::channel(CHANNEL).0,
                full: None,
            }
        });
        let full = entry
            .full
            .get_or_insert_with(|| message(entry.state.full(Utc::now())))
            .clone();
        (full, entry.tx.subscribe())
    }

    /// Views watched now.
    pub fn len(&self) -> usize {
        self.inner.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One tick: drops unwatched views, and sends each watched one's change.
    pub fn tick(&self, rollups: &Rollups) {
        let mut views = self.inner.lock();
        views.retain(|_, e| e.tx.receiver_count() > 0);
        if views.is_empty() {
            return;
        }
        let state = rollups.read();
        let now = Utc::now();
        for (key, entry) in views.iter_mut() {
            if let Some(update) = entry.state.update(snapshot::compute(&state, key, now), now) {
                entry.full = None;
                // A receiver gone since `retain` is fine.
                let _ = entry.tx.send(message(update));
            }
        }
    }

    /// Ticks every `every` until `shutdown`.
    pub async fn run(self, rollups: Arc<Rollups>, every: Duration, shutdown: CancellationToken) {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = interval.tick() => self.tick(&rollups),
            }
        }
    }
}
