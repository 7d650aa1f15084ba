//! WebSocket sessions on `GET /ws`: one actix-ws task per client, fed by the hub.

pub mod client_message;
pub mod session;
pub mod subscription;
pub mod view_watch;
