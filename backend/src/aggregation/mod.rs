//! Aggregation: folding reports into frames, buckets and the update log, and
//! the queries that read them back. Plain data structures; the aggregator
//! actor (`crate::actors::aggregator`) drives them.

pub mod bucket;
pub mod coalescer;
pub mod commit;
pub mod compare;
pub mod coverage;
pub mod names;
pub mod pair_map;
pub mod pipeline;
pub mod plan;

pub mod query;
pub mod rollups;
pub mod selection;
pub mod tier;
pub mod time_ring;
pub mod update_log;
pub mod usage;

pub use coalescer::{Coalescer, Entry};
pub use commit::{FrameCommit, SeriesName};
pub use coverage::Coverage;
pub use names::{Interner, NameCaps, Names, SeriesKey};
pub use pipeline::Pipeline;
pub use selection::{NameFilter, Selection};
pub use tier::Tier;

pub use rollups::{RollupConfig, RollupState, Rollups, WarmRow};
pub use update_log::Expired;
pub use usage::Usage;
