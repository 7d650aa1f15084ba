//! Middleware every request passes, outermost first: `observe` (count and
//! time by route), `json_errors` (error responses the framework makes on its
//! own get the JSON error body), `origin_guard` (browser writes from other
//! sites are refused).

pub mod json_errors;
pub mod observe;
pub mod origin_guard;
