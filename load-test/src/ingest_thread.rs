//! The ingest driver on a thread and runtime of its own, with its own HTTP
//! client: thousands of WebSocket client tasks on the main runtime can then
//! not delay a batch that falls due, nor the clock read when its answer
//! comes, so the request latency measured is the server's.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use hdrhistogram::Histogram;
use tokio::sync::oneshot;

use crate::ingest::{self, Plan};
use crate::ledger::Ledger;
use crate::stats::{Counters, latency_histogram};

/// Worker threads of the ingest runtime: enough to build and send batches
/// at the highest rates this machine can offer.
const WORKERS: usize = 2;

pub struct IngestThread {
    thread: JoinHandle<()>,
    done: oneshot::Receiver<Histogram<u64>>,
}

/// Starts the schedule on its own runtime; `client` is built there.
pub fn start(
    client: impl FnOnce() -> Result<reqwest::Client, String> + Send + 'static,
    url: String,
    plan: Plan,
    counters: Arc<Counters>,
    ledger: Arc<Mutex<Ledger>>,
) -> Result<IngestThread, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .thread_name("ingest")
        .enable_all()
        .build()
        .map_err(|e| format!("no runtime for the ingest driver: {e}"))?;
    let (tell, done) = oneshot::channel();
    let thread = std::thread::Builder::new()
        .name("ingest-driver".into())
        .spawn(move || {
            let latencies = runtime.block_on(async move {
                match client() {
                    Ok(client) => ingest::run(client, url, plan, counters, ledger).await,
                    Err(e) => {
                        eprintln!("load-test: no HTTP client for ingest: {e}");
                        latency_histogram()
                    }
                }
            });
            let _ = tell.send(latencies);
        })
        .map_err(|e| format!("could not start the ingest thread: {e}"))?;
    Ok(IngestThread { thread, done })
}

impl IngestThread {
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// The request latencies, once the schedule has run out.
    pub async fn wait(self) -> Histogram<u64> {
        self.done.await.unwrap_or_else(|_| latency_histogram())
    }
}
