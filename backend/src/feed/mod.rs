//! The live feed: sealed frames and anomaly events, serialised once and
//! broadcast to every WebSocket session.

pub mod frame;
pub mod hub;

pub use frame::{SealedFrame, delta_from_updates, delta_message, filtered_delta_message};
pub use hub::{AnomalyEvent, Event, Hub, anomaly_message};
