//! Browser side effects: HTTP and WebSocket transports, timers, storage,
//! visibility. Each service owns one global signal (see `state`).

pub mod anomalies;
pub mod api;
pub mod browser;
pub mod clock;
pub mod feed;
pub mod frame;
pub mod history;
pub mod instrumentation;
