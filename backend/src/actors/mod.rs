//! The actors: one traffic generator per tenant, the aggregator, and the
//! anomaly detector. Each is a thin shell around a plain module
//! (`simulation`, `aggregation`, `anomaly`) that holds the logic and its tests.

pub mod aggregator;
pub mod detector;
pub mod generator;
