//! Pure logic: no browser, no Dioxus. Everything here is unit-tested natively.

pub mod aggregate;
pub mod announce;
pub mod anomaly_book;
pub mod anomaly_markers;
pub mod backoff;
pub mod buffer;
pub mod chart;
pub mod colors;
pub mod compare;
pub mod connection;
pub mod csv;
pub mod drill;
pub mod feed_machine;
pub mod format;
pub mod gauge;
pub mod playback;
pub mod ranking;
pub mod series;
pub mod settings;
pub mod spend;
pub mod store;
pub mod transport_policy;
pub mod views;
pub mod window;
