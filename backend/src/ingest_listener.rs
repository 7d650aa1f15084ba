//! The ingest port (`--ingest-port`): a second HTTP server in the same
//! process that serves only ingest, on a worker thread of its own. Ingest
//! there never waits behind WebSocket fan-out, which keeps the main port's
//! workers busy sending frames to every viewer. It shares the state, the
//! tokens, the body limits and the middleware with the main listener, so a
//! batch sent here is checked, stored and streamed exactly as one sent there.

use std::net::{IpAddr, TcpListener};

use actix_web::HttpServer;
use actix_web::dev::Server;

use crate::routes;
use crate::startup::app;
use crate::state::AppState;

/// One worker: ingest is short requests that wait for a commit, and the
/// point of this listener is a thread that does nothing else.
const WORKERS: usize = 1;

/// A bound, running ingest server and the port it took.
pub struct IngestListener {
    pub port: u16,
    pub server: Server,
}

/// Binds `bind:port` (0 picks a free port) and starts serving ingest.
pub fn serve(state: AppState, bind: IpAddr, port: u16) -> std::io::Result<IngestListener> {
    let listener = TcpListener::bind((bind, port))?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || app(state.clone(), routes::configure_ingest))
        .listen(listener)?
        .workers(WORKERS)
        .tcp_nodelay(true)
        .disable_signals()
        .shutdown_timeout(5)
        .run();
    tracing::info!("ingest only on http://{bind}:{port} (one worker of its own)");
    Ok(IngestListener { port, server })
}
