//! Live views computed on the server (`subscribeView`, see `protocol::view`):
//! each distinct view (window, filter within the caller's scope, top-N) is
//! computed once per tick however many sessions watch it, diffed against
//! what was sent, and the change serialised once and shared.
//!
//! - [`key`]: what makes two views the same.
//! - [`snapshot`]: a view's figures now, from the rollups (pure).
//! - [`diff`]: what changed since the last tick, and the full view (pure).
//! - [`frame`]: one change as sent, as text or deflated (made once).
//! - [`registry`]: the views being watched, their tick, and joining one.

pub mod diff;
pub mod frame;
pub mod key;
pub mod registry;
pub mod snapshot;

pub use frame::{Outgoing, ViewFrame};
pub use key::ViewKey;
pub use registry::Views;
