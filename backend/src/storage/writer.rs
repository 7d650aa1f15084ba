//! The writer thread: the one place the store is written. It commits frames
//! in the order they were sealed, one transaction each (group commit: every
//! batch folded into a frame is durable when that frame is), keeps
//! anomalies as they change, prunes past retention, and publishes how far
//! it got, so `POST /api/ingest` answers only once its frame is committed.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use chrono::Utc;
use protocol::Anomaly;
use tokio::sync::watch;

use super::{FrameCommit, Retention, Storage, StorageError};
use crate::telemetry::Telemetry;

/// Commands waiting for the writer; a writer that falls this far behind
/// slows the aggregator (and so ingest) instead of queueing without bound.
const QUEUE: usize = 256;
/// Rows deleted per prune; prunes run once a minute.
const PRUNE_ROWS: usize = 50_000;
/// Failed frames remembered, so a late waiter can still learn its fate.
const FAILURES_KEPT: usize = 1_024;

enum Command {
    Frame(Box<FrameCommit>),
    Anomaly(Box<Anomaly>),
    /// Answered once everything sent before it is written.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// Time between prunes (each bounded to `PRUNE_ROWS`).
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// How far the writer got.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Durable {
    /// The last frame it tried to commit.
    pub done: u64,
    /// Recent frames whose commit failed.
    pub failed: VecDeque<u64>,
    /// Set while the store is failing; cleared by the next good commit.
    pub error: Option<StorageError>,
}

/// What the rest of the server holds of the store: a way to send it work,
/// to wait for a frame, and the store itself for reads.
#[derive(Clone)]
pub struct StorageHandle {
    tx: SyncSender<Command>,
    durable: watch::Receiver<Durable>,
    storage: Arc<dyn Storage>,
}

/// Why a wait for durability ended without it.
pub type Durability = Result<(), StorageError>;

impl StorageHandle {
    /// Hands a sealed frame to the writer; blocks while its queue is full.
    pub fn commit(&self, frame: FrameCommit) {
        if self.tx.send(Command::Frame(Box::new(frame))).is_err() {
            tracing::error!("the storage writer has stopped; a frame was not stored");
        }
    }

    /// Keeps an anomaly as it now is.
    pub fn save_anomaly(&self, anomaly: &Anomaly) {
        match self
            .tx
            .try_send(Command::Anomaly(Box::new(anomaly.clone())))
        {
            Ok(()) => {}
            // Full: wait rather than lose a decision.
            Err(TrySendError::Full(command)) => {
                let _ = self.tx.send(command);
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!(id = %anomaly.id, "the storage writer has stopped; anomaly not stored");
            }
        }
    }

    /// Waits until everything handed to the writer so far is written
    /// (shutdown, tests). Blocks on a full queue like any other command.
    pub async fn flush(&self) {
        let (done, wait) = tokio::sync::oneshot::channel();
        let tx = self.tx.clone();
        // The queue may be full: send from a thread that may block.
        let sent = tokio::task::spawn_blocking(move || tx.send(Command::Flush(done))).await;
        if matches!(sent, Ok(Ok(()))) {
            let _ = wait.await;
        }
    }

    /// `Err` while the store is failing: ingest refuses at once.
    pub fn healthy(&self) -> Durability {
        match &self.durable.borrow().error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Waits until frame `no` is committed (or failed, or `timeout` passed).
    pub async fn durable(&self, no: u64, timeout: Duration) -> Durability {
        let mut rx = self.durable.clone();
        let waited = tokio::time::timeout(timeout, rx.wait_for(|d| d.done >= no)).await;
        match waited {
            Ok(Ok(d)) if d.failed.contains(&no) => Err(d
                .error
                .clone()
                .unwrap_or_else(|| StorageError("storage unavailable: the commit failed".into()))),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err(StorageError(
                "storage unavailable: the storage writer has stopped".into(),
            )),
            Err(_) => Err(StorageError(format!(
                "storage unavailable: the frame was not committed within {} s",
                timeout.as_secs()
            ))),
        }
    }

    /// The store, for reads.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }
}

/// Starts the writer thread for `run`.
pub struct Writer;

impl Writer {
    pub fn spawn(
        storage: Arc<dyn Storage>,
        run: String,
        retention: Retention,
        telemetry: Arc<Telemetry>,
    ) -> std::io::Result<StorageHandle> {
        let (tx, rx) = sync_channel(QUEUE);
        let (state, durable) = watch::channel(Durable::default());
        let store = storage.clone();
        std::thread::Builder::new()
            .name("storage-writer".into())
            .spawn(move || run_writer(rx, store, &run, retention, state, &telemetry))?;
        Ok(StorageHandle {
            tx,
            durable,
            storage,
        })
    }
}

fn run_writer(
    rx: Receiver<Command>,
    storage: Arc<dyn Storage>,
    run: &str,
    retention: Retention,
    state: watch::Sender<Durable>,
    telemetry: &Telemetry,
) {
    let mut last_prune: Option<Instant> = None;
    for command in rx {
        match command {
            Command::Frame(frame) => {
                let started = Instant::now();
                let result = storage.commit(run, &frame);
                telemetry
                    .storage_commit_seconds
                    .observe(started.elapsed().as_secs_f64());
                record(&state, frame.frame_no, result, telemetry);
            }
            Command::Anomaly(anomaly) => {
                if let Err(e) = storage.save_anomaly(&anomaly) {
                    telemetry.storage_errors.inc();
                    tracing::error!(id = %anomaly.id, %e, "anomaly not stored");
                }
            }
            Command::Flush(done) => {
                let _ = done.send(());
            }
        }
        // Between commits, with bounded work, so a prune never holds a frame up for long.
        if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            last_prune = Some(Instant::now());
            match storage.prune(Utc::now().timestamp_millis(), &retention, PRUNE_ROWS) {
                Ok(0) => {}
                Ok(rows) => tracing::debug!(rows, "pruned rollups past retention"),
                Err(e) => tracing::warn!(%e, "prune failed"),
            }
            telemetry.storage_bytes.set(storage.size_bytes() as i64);
        }
    }
    tracing::info!("storage writer stopped");
}

/// Publishes a commit's outcome; logs only when health changes.
fn record(state: &watch::Sender<Durable>, no: u64, result: Durability, telemetry: &Telemetry) {
    state.send_modify(|d| {
        d.done = d.done.max(no);
        match result {
            Ok(()) => {
                if d.error.take().is_some() {
                    tracing::info!("storage recovered: frames are committed again");
                }
            }
            Err(e) => {
                telemetry.storage_errors.inc();
                if d.error.is_none() {
                    tracing::error!(%e, frame = no, "storage failed: ingest answers 503 until it recovers");
                }
                d.failed.push_back(no);
                while d.failed.len() > FAILURES_KEPT {
                    d.failed.pop_front();
                }
                d.error = Some(e);
            }
        }
    });
}
