//! The access token of this tab: taken from the URL fragment
//! (`?mode=wall#token=…`, for a wall display) or typed into the sign-in
//! form, kept in sessionStorage for the tab's session (never localStorage:
//! closing the tab forgets it), and sent with every request. The server's
//! 401 or 403 marks it refused, which opens the sign-in form.

use dioxus::prelude::*;
use gloo_storage::{SessionStorage, Storage};

use super::browser;
use crate::state::ACCESS;

/// sessionStorage key of the token.
pub const STORAGE_KEY: &str = "finops.token";

/// Reads the token once, at start: the fragment's wins over a stored one.
pub fn init() {
    if let Some(token) = browser::take_fragment_param("token") {
        // Storage can be disabled; the token still serves this page.
        let _ = SessionStorage::set(STORAGE_KEY, &token);
        *ACCESS.write() = crate::state::Access {
            token: Some(token),
            refused: false,
        };
        return;
    }
    let token = SessionStorage::get::<String>(STORAGE_KEY)
        .ok()
        .filter(|t| !t.is_empty());
    ACCESS.write().token = token;
}

/// The token to send, if any.
pub fn token() -> Option<String> {
    ACCESS.peek().token.clone()
}

/// The server refused a request: it needs a (better) token.
pub fn refused() {
    if !ACCESS.peek().refused {
        ACCESS.write().refused = true;
    }
}

/// Keeps `token` for this tab and clears the refusal; the caller wakes the feed.
pub fn sign_in(token: &str) {
    let token = token.trim().to_string();
    let _ = SessionStorage::set(STORAGE_KEY, &token);
    *ACCESS.write() = crate::state::Access {
        token: Some(token),
        refused: false,
    };
}

/// Forgets the token (the next request will ask for one again).
pub fn sign_out() {
    SessionStorage::delete(STORAGE_KEY);
    *ACCESS.write() = crate::state::Access::default();
}
