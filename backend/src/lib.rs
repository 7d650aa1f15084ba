pub mod anomaly;
pub mod simulation;
