//! Anomaly detection on live usage: robust per-entity baselines, causes
//! computed from the data, and the book of anomalies people act on.

mod baseline;
mod book;
mod cause;
mod detector;
mod format;
mod series;

pub use book::{AnomalyBook, Decision};
/// The detector's test harness (synthetic traffic, a virtual clock), shared
/// with the integration tests and the bench; not part of the API.
#[doc(hidden)]
pub use detector::testing;
pub use detector::{Detector, DetectorConfig};
