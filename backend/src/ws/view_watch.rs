//! A session watching a server-side view (`subscribeView`): which view, and
//! the receiver of its changes. The session sends the full view on joining
//! (and on rejoining after it lagged), then each change as it comes.

use std::sync::Arc;

use protocol::view::{VIEW_CUSTOMERS_DEFAULT, VIEW_CUSTOMERS_MAX};
use protocol::{FieldError, ViewEncoding, ViewSpec};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::aggregation::Rollups;
use crate::auth::Caller;
use crate::views::{Outgoing, ViewFrame, ViewKey, Views};

pub struct ViewWatch {
    key: ViewKey,
    encoding: ViewEncoding,
    rx: broadcast::Receiver<Arc<ViewFrame>>,
}

/// The view `spec` asks for, as `caller` may see it; a field error naming
/// what is wrong otherwise.
pub fn key_for(caller: &Caller, spec: &ViewSpec) -> Result<ViewKey, FieldError> {
    spec.filter.validate("view.filter.")?;
    let customers = spec.customers.unwrap_or(VIEW_CUSTOMERS_DEFAULT);
    if !(1..=VIEW_CUSTOMERS_MAX).contains(&customers) {
        return Err(FieldError::new(
            "view.customers",
            format!("view.customers must be 1 to {VIEW_CUSTOMERS_MAX}"),
        ));
    }
    Ok(ViewKey {
        names: caller.view(&spec.filter),
        window: spec.window,
        customers: customers as usize,
    })
}

impl ViewWatch {
    /// Joins `key`: the full view to send first (in `encoding`), and the watch.
    pub fn join(
        views: &Views,
        rollups: &Rollups,
        key: ViewKey,
        encoding: ViewEncoding,
    ) -> (Outgoing, ViewWatch) {
        let (full, rx) = views.join(rollups, key.clone());
        (full.encoded(encoding), ViewWatch { key, encoding, rx })
    }

    /// Joins the same view again (after lagging): its full view now.
    pub fn rejoin(&mut self, views: &Views, rollups: &Rollups) -> Outgoing {
        let (full, rx) = views.join(rollups, self.key.clone());
        self.rx = rx;
        full.encoded(self.encoding)
    }

    /// The next change of the watched view, as this session sends it;
    /// pending forever when none is watched.
    pub async fn next(watch: &mut Option<ViewWatch>) -> Result<Outgoing, RecvError> {
        match watch {
            Some(w) => Ok(w.rx.recv().await?.encoded(w.encoding)),
            None => std::future::pending().await,
        }
    }
}
