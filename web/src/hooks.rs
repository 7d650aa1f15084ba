//! Hooks shared by the panels.

use dioxus::prelude::*;

use crate::logic::settings::{Mode, Settings};
use crate::logic::views::Source;
use crate::services::clock;
use crate::state::{HISTORY, History, OVERDUE_SINCE, PLAYBACK, SETTINGS, STORE, VIEW_FRAME};

/// A panel's view, recomputed on each published frame (live) or playback
/// step (historical). The panel re-renders only when the result changes.
pub fn use_panel_view<T: PartialEq + 'static>(select: fn(&Source) -> Option<T>) -> Memo<Option<T>> {
    use_memo(move || {
        subscribe();
        current(select)
    })
}

/// [`use_panel_view`] for a view that also depends on a setting (`pick`).
pub fn use_panel_view_by<K: 'static, T: PartialEq + 'static>(
    pick: fn(&Settings) -> K,
    select: fn(&Source, K) -> Option<T>,
) -> Memo<Option<T>> {
    use_memo(move || {
        subscribe();
        let key = pick(&SETTINGS.peek());
        current(|source| select(source, key))
    })
}

/// Subscribes to the frame, not the store: the flush decides when panels see new data.
fn subscribe() {
    let _frame = VIEW_FRAME.read();
    let _settings = SETTINGS.read();
    let _history = HISTORY.read();
    let _playback = PLAYBACK.read();
    let _overdue = OVERDUE_SINCE.read();
}

/// The same selection read once, without subscribing (for event handlers such as downloads).
pub fn current<T>(select: impl FnOnce(&Source) -> Option<T>) -> Option<T> {
    let settings = SETTINGS.peek();
    match settings.mode {
        Mode::Live => {
            let store = STORE.peek();
            select(&Source::Live {
                store: &store,
                window: settings.window(),
                now: clock::server_now(),
                as_of: *OVERDUE_SINCE.peek(),
            })
        }
        Mode::Historical => {
            let history = HISTORY.peek();
            let History::Loaded { series, from, to } = &*history else {
                return None;
            };
            let playhead = PLAYBACK.peek().as_ref().map_or(*to, |p| p.position);
            select(&Source::Historical {
                series,
                from: *from,
                to: *to,
                playhead,
            })
        }
    }
}
