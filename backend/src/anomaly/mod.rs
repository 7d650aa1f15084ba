//! Anomaly detection on live usage: robust per-entity baselines, causes
//! computed from the data, and the book of anomalies people act on.

mod baseline;
mod book;
mod cause;
mod detector;
mod format;
mod series;

pub use book::AnomalyBook;
pub use detector::{Detector, DetectorConfig};
