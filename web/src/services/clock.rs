//! Wall clock, the server's clock and the viewer's time zone.
//!
//! Bucket edges must match the server's, so "now" is the local clock plus
//! the offset measured from the server's `serverTime` fields.

use std::cell::Cell;

use chrono::{FixedOffset, Offset, TimeZone, Utc};
use protocol::Timestamp;

thread_local! {
    static SERVER_OFFSET_MS: Cell<f64> = const { Cell::new(0.0) };
}

/// Milliseconds since the Unix epoch on this machine.
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

/// The server's "now", as best known.
pub fn server_now() -> Timestamp {
    let ms = now_ms() + SERVER_OFFSET_MS.with(Cell::get);
    Utc.timestamp_millis_opt(ms as i64)
        .single()
        .unwrap_or_default()
}

/// The server's time at local wall-clock `local_ms` (e.g. a last contact).
pub fn server_time_at(local_ms: f64) -> Timestamp {
    let ms = local_ms + SERVER_OFFSET_MS.with(Cell::get);
    Utc.timestamp_millis_opt(ms as i64)
        .single()
        .unwrap_or_default()
}

/// Records a server timestamp that was "now" on the server when sent; the
/// transit time is small next to bucket widths, so it is not corrected for.
pub fn observe_server_time(server_time: Timestamp) {
    let offset = server_time.timestamp_millis() as f64 - now_ms();
    SERVER_OFFSET_MS.with(|o| o.set(offset));
}

/// The offset times are shown in: UTC when the view asks for it (`?tz=utc`),
/// otherwise the viewer's. Read in a component, it re-renders on the toggle.
pub fn shown_offset() -> FixedOffset {
    use dioxus::prelude::ReadableExt;
    if crate::state::SETTINGS.read().utc {
        Utc.fix()
    } else {
        local_offset()
    }
}

/// The viewer's UTC offset (labels use a 24-hour clock in local time).
pub fn local_offset() -> FixedOffset {
    #[cfg(target_arch = "wasm32")]
    let minutes_west = js_sys::Date::new_0().get_timezone_offset() as i32;
    #[cfg(not(target_arch = "wasm32"))]
    let minutes_west = 0;
    FixedOffset::west_opt(minutes_west * 60).unwrap_or_else(|| Utc.fix())
}
