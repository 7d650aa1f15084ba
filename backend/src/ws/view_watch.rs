//! A session watching a server-side view (`subscribeView`): which view, and
//! the receiver of its changes. The session sends the full view on joining
//! (and on rejoining after it lagged), then each change as it comes.

use bytestring::ByteString;
use protocol::view::{VIEW_CUSTOMERS_DEFAULT, VIEW_CUSTOMERS_MAX};
use protocol::{FieldError, ViewSpec};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::aggregation::Rollups;
use crate::auth::Caller;
use crate::views::{ViewKey, Views};

pub struct ViewWatch {
    key: ViewKey,
    rx: broadcast::Receiver<ByteString>,
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
    /// Joins `key`: the full view to send first, and the watch.
    pub fn join(views: &Views, rollups: &Rollups, key: ViewKey) -> (ByteString, ViewWatch) {
        let (full, rx) = views.join(rollups, key.clone());
        (full, ViewWatch { key, rx })
    }

    /// Joins the same view again (after lagging): its full view now.
    pub fn rejoin(&mut self, views: &Views, rollups: &Rollups) -> ByteString {
        let (full, rx) = views.join(rollups, self.key.clone());
        self.rx = rx;
        full
    }

    /// The next change of the watched view; pending forever when none is watched.
    pub async fn next(watch: &mut Option<ViewWatch>) -> Result<ByteString, RecvError> {
        match watch {
            Some(w) => w.rx.recv().await,
            None => std::future::pending().await,
        }
    }
}
