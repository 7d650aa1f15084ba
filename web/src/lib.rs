//! FinOps Live web client: a Dioxus dashboard compiled to wasm32.
//!
//! `logic` holds pure, natively tested modules; `state` the global signals
//! (one owner each); `services` the browser side effects (transports,
//! storage, timers); `components` the thin UI over them; `app` the root.

pub mod app;
pub mod components;
pub mod hooks;
pub mod logic;
pub mod services;
pub mod state;
