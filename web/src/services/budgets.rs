//! Month to date and budgets: loaded from `/api/budgets` for the view's
//! filter, again every half minute (they move slowly) and whenever the
//! filter changes (the root restarts this loop then).

use std::time::Duration;

use super::api;
use crate::state::BUDGETS;

const REFRESH: Duration = Duration::from_secs(30);

/// Loads now and then every [`REFRESH`], until the caller drops it.
pub async fn keep_loaded() {
    loop {
        // A failure keeps what was shown; the feed reports connection trouble.
        if let Ok(response) = api::budgets().await {
            *BUDGETS.write() = Some(response);
        }
        gloo_timers::future::sleep(REFRESH).await;
    }
}
