//! Historical mode: loads the selected range from `/api/metrics/history` and
//! sets up the playback clock over it.

use super::{api, clock};
use crate::logic::playback::Playback;
use crate::logic::series::Series;
use crate::logic::settings::{Mode, Settings};
use crate::logic::window::range_bounds;
use crate::state::{HISTORY, History, PLAYBACK};

/// Loads the range the settings describe (presets end at "now" when asked).
pub async fn load(settings: Settings) {
    if settings.mode != Mode::Historical {
        *HISTORY.write() = History::Idle;
        *PLAYBACK.write() = None;
        return;
    }
    *HISTORY.write() = History::Loading;
    let (from, to) = range_bounds(settings.range, clock::server_now());
    match api::history(from, to, None).await {
        Ok(response) => {
            let (from, to) = (response.from, response.to);
            let capacity = response.buckets.len() + 1;
            let series = Series::from_history(response, capacity);
            *PLAYBACK.write() = Some(Playback::new(from, to).starting_at(series.first_with_data()));
            *HISTORY.write() = History::Loaded { series, from, to };
        }
        Err(e) => *HISTORY.write() = History::Failed(format!("Could not load history: {e}.")),
    }
}
