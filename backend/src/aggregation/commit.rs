//! `FrameCommit`: a sealed frame as the durable store commits it, built by
//! the pipeline so the store needs nothing else to write it.

use super::coalescer::Entry;
use super::names::SeriesKey;

/// A tenant, customer and model by name: how the store knows a series.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SeriesName {
    pub tenant: String,
    pub customer: String,
    pub model: String,
}

/// One sealed frame, as it is committed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameCommit {
    /// The frame's number in this run: commits happen in this order.
    pub frame_no: u64,
    pub sealed_at_ms: i64,
    /// Keys this frame uses for the first time in this run, with their names.
    pub new_series: Vec<(SeriesKey, SeriesName)>,
    /// The frame's folded updates (one per series and second).
    pub entries: Vec<Entry>,
}
