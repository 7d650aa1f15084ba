//! The anomaly service: loads the list, takes pushes from the socket, and
//! carries out the viewer's reviews — saved in localStorage first (so they
//! survive a reload even when the server is away) and then sent to the server.

use std::collections::BTreeMap;

use dioxus::prelude::*;
use gloo_storage::{LocalStorage, Storage};
use protocol::{Anomaly, AnomalyAction, AnomalyStatus};

use super::{api, clock, frame};
use crate::logic::anomaly_book::{AnomalyBook, Review};
use crate::state::ANOMALIES;

/// localStorage key of the viewer's reviews.
pub const STORAGE_KEY: &str = "finops.anomalyReviews";
/// Anomalies loaded per refresh.
const LOAD_LIMIT: usize = 100;

/// Reads saved reviews into the book (once, at start).
pub fn restore() {
    // A corrupt or missing entry is not an error: start without reviews.
    let reviews: BTreeMap<String, Review> = LocalStorage::get(STORAGE_KEY).unwrap_or_default();
    *ANOMALIES.write() = AnomalyBook::with_reviews(reviews);
}

fn save(book: &AnomalyBook) {
    // Storage can be full or disabled (private mode): the review still
    // applies for this page and is sent to the server.
    let _ = LocalStorage::set(STORAGE_KEY, book.reviews());
}

/// Reloads the list and re-sends reviews the server has not recorded.
pub async fn refresh() {
    let Ok(list) = api::anomalies(LOAD_LIMIT).await else {
        // The feed reports connection trouble; the list keeps what it had.
        return;
    };
    ANOMALIES.write().replace_all(list);
    frame::publish();
    let unsynced = ANOMALIES.peek().unsynced();
    for (id, status) in unsynced {
        send(&id, status).await;
    }
}

/// An anomaly pushed by the socket (plain or boxed, as the message carries it).
pub fn upsert(anomaly: impl Into<Box<Anomaly>>) {
    ANOMALIES.write().upsert(*anomaly.into());
}

/// Acknowledge, dismiss or reopen: recorded and saved at once, then sent.
pub fn review(id: String, status: AnomalyStatus) {
    {
        let mut book = ANOMALIES.write();
        if !book.review(&id, status, clock::now_ms()) {
            return;
        }
        save(&book);
    }
    frame::publish();
    // Not tied to the clicked item: it leaves the list (and unmounts) at once,
    // which would cancel a task spawned in its scope.
    dioxus::dioxus_core::spawn_forever(async move {
        send(&id, status).await;
    });
}

async fn send(id: &str, status: AnomalyStatus) {
    let action = AnomalyAction::to_reach(status);
    // On failure the review stays saved locally and is re-sent on the next refresh.
    if let Ok(updated) = api::anomaly_action(id, action).await {
        ANOMALIES.write().upsert(updated);
    }
}
