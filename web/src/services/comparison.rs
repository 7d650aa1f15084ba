//! Comparison with yesterday and last week, from `/api/metrics/history?compare=`.
//!
//! Yesterday is always loaded (the gauge says "vs yesterday same time");
//! last week only while the chart overlays it. Live, the fine series' span
//! is loaded once and then only the buckets the clock has since reached,
//! one small request per bucket; historical, the loaded range once. The
//! root restarts this loop when the mode, range, filter or overlay changes.

use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use dioxus::prelude::*;

use super::{api, browser, clock};
use crate::logic::compare::{CompareWith, Comparisons, Shifted};
use crate::logic::settings::{Mode, Settings};
use crate::logic::store::{FINE_SPAN, FINE_STEP};
use crate::state::{COMPARISONS, HISTORY, History};

/// How often a live view asks for the buckets it has reached: one bucket.
const LIVE_REFRESH: Duration = FINE_STEP;
/// How long a failed or not-yet-possible request waits before the next try.
const RETRY: Duration = Duration::from_secs(5);

/// Loads the comparisons `settings` need, until the caller drops it.
pub async fn keep_loaded(settings: Settings) {
    *COMPARISONS.write() = Comparisons::default();
    let mut wanted = vec![CompareWith::Yesterday];
    wanted.extend(settings.compare.filter(|c| *c != CompareWith::Yesterday));
    match settings.mode {
        Mode::Live => loop {
            if browser::is_visible() {
                for with in &wanted {
                    load_live(*with).await;
                }
            }
            gloo_timers::future::sleep(LIVE_REFRESH).await;
        },
        Mode::Historical => {
            let (from, to, step) = loop {
                if let History::Loaded { series, from, to } = &*HISTORY.peek() {
                    break (*from, *to, series.resolution());
                }
                gloo_timers::future::sleep(Duration::from_millis(250)).await;
            };
            for with in wanted {
                while api::compared(from, to, step.as_secs(), with)
                    .await
                    .map(|r| store(with, Shifted::from_response(&r)))
                    .is_err()
                {
                    gloo_timers::future::sleep(RETRY).await;
                }
            }
        }
    }
}

/// Live: from where the held comparison ends (or the fine span back) to now.
async fn load_live(with: CompareWith) {
    let now = clock::server_now();
    let span_start = now - TimeDelta::seconds(FINE_SPAN.as_secs() as i64);
    let held_end = COMPARISONS
        .peek()
        .get(with)
        .end_ms()
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single());
    let from = held_end
        .filter(|end| *end > span_start)
        .unwrap_or(span_start);
    if from >= now {
        return;
    }
    // A failure keeps what is shown; the next bucket's request retries it.
    if let Ok(r) = api::compared(from, now, FINE_STEP.as_secs(), with).await {
        store(with, Shifted::from_response(&r));
    }
}

fn store(with: CompareWith, newer: Shifted) {
    COMPARISONS.write().get_mut(with).merge(newer);
}
