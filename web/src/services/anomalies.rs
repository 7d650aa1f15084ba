//! The anomaly service: loads the list, takes pushes from the socket, and
//! carries out the viewer's reviews — saved in localStorage first (so they
//! survive a reload even when the server is away) and then sent to the server.

use std::collections::BTreeMap;

use dioxus::prelude::*;
use gloo_storage::{LocalStorage, Storage};
use protocol::{Anomaly, AnomalyAction, AnomalyStatus};

use super::{api, clock, frame};
use crate::logic::anomaly_book::{AnomalyBook, Review};
use crate::state::{ANOMALIES, UNDO, Undo};

/// How long an acknowledgement or dismissal can be undone.
pub const UNDO_FOR: std::time::Duration = std::time::Duration::from_secs(10);

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
        send(&id, status, None).await;
    }
}

/// An anomaly pushed by the socket (plain or boxed, as the message carries it).
pub fn upsert(anomaly: impl Into<Box<Anomaly>>) {
    ANOMALIES.write().upsert(*anomaly.into());
}

/// Acknowledge, dismiss or reopen: recorded and saved at once, then sent
/// (with the viewer's reason, if one was given). An acknowledgement or a
/// dismissal can be undone for [`UNDO_FOR`].
pub fn review(id: String, status: AnomalyStatus, reason: Option<String>) {
    let entity = {
        let mut book = ANOMALIES.write();
        let entity = book.get(&id).map(|a| a.entity.id.clone());
        if !book.review(&id, status, clock::now_ms()) {
            return;
        }
        save(&book);
        entity
    };
    frame::publish();
    *UNDO.write() = match (status, entity) {
        (AnomalyStatus::Open, _) | (_, None) => None,
        (status, Some(entity)) => Some(Undo {
            id: id.clone(),
            entity,
            status,
        }),
    };
    // Not tied to the clicked item: it leaves the list (and unmounts) at once,
    // which would cancel a task spawned in its scope.
    let undone = id.clone();
    dioxus::dioxus_core::spawn_forever(async move {
        send(&id, status, reason).await;
    });
    if status != AnomalyStatus::Open {
        dioxus::dioxus_core::spawn_forever(async move {
            gloo_timers::future::sleep(UNDO_FOR).await;
            if UNDO.peek().as_ref().is_some_and(|u| u.id == undone) {
                *UNDO.write() = None;
            }
        });
    }
}

/// Reopens what the last acknowledgement or dismissal closed.
pub fn undo() {
    let Some(last) = UNDO.write().take() else {
        return;
    };
    review(last.id, AnomalyStatus::Open, Some("undone".into()));
}

async fn send(id: &str, status: AnomalyStatus, reason: Option<String>) {
    let action = AnomalyAction::to_reach(status);
    // On failure the review stays saved locally and is re-sent on the next refresh.
    if let Ok(updated) = api::anomaly_action(id, action, reason).await {
        ANOMALIES.write().upsert(updated);
    }
}
