//! Changes to the view's filter, from the filter bar and from drill-downs in
//! the panels. The root's settings effect sees the change, puts it in the
//! URL as a new history entry (so Back undoes it) and restarts the feed.

use dioxus::prelude::*;
use protocol::Filter;
use protocol::filter::Dimension;

use crate::logic::drill;
use crate::state::SETTINGS;

pub fn set(filter: Filter) {
    if SETTINGS.peek().filter != filter {
        SETTINGS.write().filter = filter;
    }
}

/// Narrows the view to `name` in `dimension` (a click on a row, legend or anomaly).
pub fn drill_to(dimension: Dimension, name: &str) {
    let next = drill::drill(&SETTINGS.peek().filter, dimension, name);
    set(next);
}
