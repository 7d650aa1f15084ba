//! `ViewKey`: two sessions share a view when the names they may see and ask
//! for, the window and the top-N are the same.

use protocol::TimeWindow;

use crate::aggregation::NameFilter;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ViewKey {
    /// The requested filter within the caller's scope (`Caller::view`).
    pub names: NameFilter,
    pub window: TimeWindow,
    pub customers: usize,
}
