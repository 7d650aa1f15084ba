//! Access control: tokens with roles and tenant scopes, the extractor that
//! checks them, and the origin rule for browser writes.
//!
//! | role | may |
//! |---|---|
//! | `admin` | everything |
//! | `viewer` | reads (REST, WebSocket), acknowledge / dismiss / reopen |
//! | `ingest` | `POST /api/ingest` only |
//!
//! Each token also names the tenants it may see (`"*"` for all); a scoped
//! caller sees and acts on those tenants only, everywhere.

pub mod bearer;
pub mod caller;
pub mod extract;
pub mod origin;
pub mod roles;
pub mod secret;
pub mod tokens;

pub use caller::Caller;
pub use extract::{Administer, Authorized, Decide, Ingest, Permission, Read, authorize};
pub use roles::{Action, Role};
pub use secret::Secret;
pub use tokens::TokenTable;
