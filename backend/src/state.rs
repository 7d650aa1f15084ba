//! `AppState`: the handles every handler and session shares. Built once in
//! `startup`; cheap to clone (all `Arc`s and actor addresses).

use std::sync::Arc;
use std::time::Instant;

use actix::Addr;
use parking_lot::RwLock;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::actors::aggregator::Aggregator;
use crate::aggregation::Rollups;
use crate::aggregation::plan::StoredSpans;
use crate::announcer::Announcer;
use crate::anomaly::AnomalyBook;
use crate::auth::TokenTable;
use crate::budget::BudgetBook;
use crate::config::Config;
use crate::feed::Hub;
use crate::otlp::{Pricer, Rules};
use crate::storage::StorageHandle;
use crate::telemetry::Telemetry;
use crate::views::Views;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    /// The tokens the server accepts (empty: open to everyone).
    pub tokens: Arc<TokenTable>,
    /// `GET /api/openapi.json`, built once at start-up.
    pub openapi: bytestring::ByteString,
    pub rollups: Arc<Rollups>,
    pub hub: Hub,
    /// Read anomalies here; change them only through `announcer`.
    pub book: Arc<RwLock<AnomalyBook>>,
    pub announcer: Announcer,
    /// Monthly budgets (kept in the store; changed by `PUT /api/budgets`).
    pub budgets: Arc<RwLock<BudgetBook>>,
    pub telemetry: Arc<Telemetry>,
    pub aggregator: Addr<Aggregator>,
    pub started: Instant,
    /// This run's id (`startup::run_id`), the prefix of its anomaly ids.
    pub run: String,
    /// Cancelled on shutdown: sessions close with "going away".
    pub shutdown: CancellationToken,
    /// Every WebSocket session task, so shutdown can wait for them.
    pub sessions: TaskTracker,
    /// The durable store; `None` when the server keeps nothing on disk.
    pub storage: Option<StorageHandle>,
    /// Prices OpenTelemetry spans from the vendored table.
    pub pricer: Arc<Pricer>,
    /// How spans map to reports (from `config.otlp`).
    pub otlp_rules: Arc<Rules>,
    /// Live views computed on the server, shared by the sessions watching each.
    pub views: Views,
}

impl AppState {
    /// How far back history can be asked for.
    pub fn retention(&self) -> std::time::Duration {
        self.config.storage.retention()
    }

    /// What the durable store keeps, for planning reads (`None`: memory only).
    pub fn stored_spans(&self) -> Option<StoredSpans> {
        let days = |d: u32| i64::from(d) * 86_400_000;
        self.storage.as_ref().map(|_| StoredSpans {
            minutes_ms: days(self.config.storage.retain_minutes_days),
            hours_ms: days(self.config.storage.retain_hours_days),
        })
    }
}
