//! Browser side effects: HTTP and WebSocket transports, timers, storage,
//! visibility. Each service owns its signals (see `state`) and keeps its
//! decisions in `logic`.
//!
//! The root starts the long-running ones as tasks of its own scope
//! (`frame::start`, `feed::run`), so they end with it. Calls go one way,
//! feed → anomalies → frame and feed → frame; the frame flush reaches the
//! feed only by sending `Wake::Reload` on a sender the root handed it.

pub mod access;
pub mod anomalies;
pub mod api;
pub mod browser;
pub mod budgets;
pub mod clock;
pub mod comparison;
pub mod feed;
pub mod filter;
pub mod frame;
pub mod history;
pub mod inflate;
pub mod instrumentation;
