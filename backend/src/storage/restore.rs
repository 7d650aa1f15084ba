//! Start-up from the durable store: the series it knows are interned into
//! this run's pipeline, the recent rollups fill the rings, earlier runs mark
//! what was recorded, and the anomaly book comes back with every decision.

use rustc_hash::FxHashMap;

use super::{Storage, StorageError};
use crate::aggregation::{Pipeline, Rollups, WarmRow};
use crate::anomaly::AnomalyBook;
use crate::budget::BudgetBook;

/// What start-up found, for the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Restored {
    pub series: usize,
    pub rows: usize,
    pub runs: usize,
    pub anomalies: usize,
    pub budgets: usize,
}

/// Loads what `storage` holds into this run's state.
pub fn restore(
    storage: &dyn Storage,
    pipeline: &mut Pipeline,
    rollups: &Rollups,
    book: &mut AnomalyBook,
    budgets: &mut BudgetBook,
    now_ms: i64,
) -> Result<Restored, StorageError> {
    let loaded = storage.load(now_ms)?;
    let keys = pipeline.adopt_series(&loaded.series);
    storage.adopt(&keys);
    let key_of: FxHashMap<i64, _> = keys.iter().copied().collect();
    let rows: Vec<WarmRow> = loaded
        .rows
        .iter()
        .filter_map(|(series, tier, bucket_ms, usage)| {
            key_of.get(series).map(|key| WarmRow {
                tier: *tier,
                bucket_ms: *bucket_ms,
                key: *key,
                usage: *usage,
            })
        })
        .collect();
    rollups.warm(pipeline.names(), &rows, loaded.runs.clone());
    // Oldest first, so the book's eviction keeps the newest.
    for mut anomaly in loaded.anomalies.iter().rev().cloned() {
        // The run that tracked an ongoing anomaly is gone; it ended when it
        // was last evaluated. A spike that goes on opens a new one.
        if anomaly.ended_at.is_none() {
            anomaly.ended_at = Some(anomaly.updated_at);
        }
        book.restore(anomaly);
    }
    let budget_count = loaded.budgets.len();
    *budgets = BudgetBook::new(loaded.budgets);
    Ok(Restored {
        series: loaded.series.len(),
        rows: rows.len(),
        runs: loaded.runs.len(),
        anomalies: loaded.anomalies.len(),
        budgets: budget_count,
    })
}
