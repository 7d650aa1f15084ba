//! Aggregation: folding reports into frames, buckets and the update log, and
//! the queries that read them back. Plain data structures; the aggregator
//! actor (`crate::actors::aggregator`) drives them.

pub mod bucket;
pub mod coalescer;
pub mod names;
pub mod pipeline;

pub mod query;
pub mod rollups;
pub mod selection;
pub mod time_ring;
pub mod update_log;
pub mod usage;

pub use coalescer::{Coalescer, Entry};
pub use names::{Interner, NameCaps, Names, SeriesKey};
pub use pipeline::Pipeline;
pub use selection::{NameFilter, Selection};

pub use rollups::{RollupConfig, RollupState, Rollups};
pub use update_log::Expired;
pub use usage::Usage;
