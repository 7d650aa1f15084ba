//! Application assembly: configuration in, a running server out. The actors
//! are started here, the shared state is built once, and routes are mounted.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix::{Actor, Arbiter};
use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use parking_lot::RwLock;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::actors::aggregator::Aggregator;
use crate::actors::detector::AnomalyDetector;
use crate::actors::generator::TenantGenerator;
use crate::aggregation::{Pipeline, RollupConfig, Rollups};
use crate::announcer::Announcer;
use crate::anomaly::{AnomalyBook, Detector, DetectorConfig};
use crate::auth::TokenTable;
use crate::budget::{self, BudgetBook};
use crate::config::Config;
use crate::error;
use crate::feed::Hub;
use crate::ingest_listener::{self, IngestListener};
use crate::middleware::{json_errors, observe, origin_guard};
use crate::otlp::Pricer;
use crate::routes;
use crate::simulation::{SimConfig, build_tenants};
use crate::state::AppState;
use crate::storage::{SqliteStorage, Storage, StorageHandle, Writer, restore};
use crate::telemetry::Telemetry;
use crate::views::Views;

/// Frames the hub keeps for a slow session before it lags (~64 s).
const HUB_CAPACITY: usize = 256;
/// Anomalies kept for the list and for people to act on.
const ANOMALY_BOOK_CAPACITY: usize = 500;

pub struct Application {
    port: u16,
    server: Server,
    /// The ingest port's own server (`--ingest-port`), when there is one.
    ingest: Option<IngestListener>,
    state: AppState,
    aggregator_thread: Arbiter,
}

impl Application {
    /// Starts the actors and binds the server. Must run inside an actix system.
    pub async fn build(config: Config) -> std::io::Result<Application> {
        let tokens = TokenTable::load(
            config.auth.api_token.as_ref(),
            config.auth.tokens_file.as_deref(),
        )
        .map_err(std::io::Error::other)?;
        if tokens.is_open() {
            tracing::info!("no tokens configured: every endpoint is open to whoever can reach it");
        } else {
            tracing::info!(tokens = ?tokens.summary(), "tokens configured: reads and writes need one");
        }
        let config = Arc::new(config);
        let telemetry = Arc::new(Telemetry::new());
        let start = start_seq();
        let rollups = Arc::new(Rollups::new(RollupConfig::default(), start));
        let mut pipeline = Pipeline::new(rollups.clone());
        let hub = Hub::new(HUB_CAPACITY);
        let mut book = AnomalyBook::new(ANOMALY_BOOK_CAPACITY);
        let mut budgets = BudgetBook::default();
        let run = run_id();
        let storage = open_storage(
            &config,
            &run,
            (start / 1000) as i64,
            &mut pipeline,
            &rollups,
            (&mut book, &mut budgets),
            &telemetry,
        )?;
        let book = Arc::new(RwLock::new(book));
        let announcer = Announcer::new(book.clone(), hub.clone(), telemetry.clone())
            .storing_to(storage.clone());

        let detector = AnomalyDetector::new(
            Detector::new(DetectorConfig {
                id_prefix: format!("anm-{run}"),
                ..DetectorConfig::default()
            }),
            announcer.clone(),
        )
        .start();
        // The aggregator gets a thread of its own so ingest never competes
        // with the actors on the main system thread.
        let aggregator_thread = Arbiter::new();
        let aggregator = {
            let (hub, telemetry, storage) = (hub.clone(), telemetry.clone(), storage.clone());
            let detector = detector.recipient();
            Aggregator::start_in_arbiter(&aggregator_thread.handle(), move |_| {
                Aggregator::new(pipeline, hub, telemetry, Some(detector), storage)
            })
        };
        let simulator = &config.simulator;
        if simulator.enabled() {
            let sim = SimConfig {
                tenants: simulator.tenants as usize,
                customers: simulator.customers as usize,
                rate_per_sec: simulator.rate,
                seed: simulator.seed.unwrap_or_else(rand::random),
                incident_every: simulator.incidents(),
            };
            for tenant in build_tenants(&sim) {
                TenantGenerator::new(tenant, aggregator.clone(), telemetry.clone()).start();
            }
        }

        let openapi = routes::openapi::document(!tokens.is_open()).into();
        let state = AppState {
            config: config.clone(),
            tokens: Arc::new(tokens),
            openapi,
            rollups,
            hub,
            book,
            budgets: Arc::new(RwLock::new(budgets)),
            announcer,
            telemetry,
            aggregator,
            started: Instant::now(),
            run,
            shutdown: CancellationToken::new(),
            sessions: TaskTracker::new(),
            storage,
            pricer: Arc::new(Pricer::builtin()),
            otlp_rules: Arc::new(config.otlp.rules()),
            views: Views::default(),
        };

        let server_config = &config.server;
        if !server_config.web_dir.join("index.html").is_file() {
            tracing::warn!(
                dir = %server_config.web_dir.display(),
                "no built web client there; `/` lists the API instead (run `bash web/build.sh`)"
            );
        }
        let listener = TcpListener::bind((server_config.bind, server_config.port))?;
        let port = listener.local_addr()?.port();
        let app_state = state.clone();
        let web_dir = server_config.web_dir.clone();
        let mut server = HttpServer::new(move || {
            let web_dir = web_dir.clone();
            app(app_state.clone(), move |cfg| {
                routes::configure(cfg);
                routes::web::configure(cfg, &web_dir);
            })
        })
        .listen(listener)?
        .tcp_nodelay(true)
        .disable_signals()
        .shutdown_timeout(5);
        if let Some(workers) = server_config.workers {
            server = server.workers(workers.max(1));
        }
        // Bound before the main server runs, so a taken ingest port fails
        // start-up with nothing left serving.
        let ingest = server_config
            .ingest_port
            .map(|ingest_port| {
                ingest_listener::serve(state.clone(), server_config.bind, ingest_port)
            })
            .transpose()?;
        let server = server.run();
        let app = Application {
            port,
            server,
            ingest,
            state,
            aggregator_thread,
        };
        spawn_signal_handler(app.stopper());
        actix_web::rt::spawn(budget::watcher::run(app.state.clone()));
        let views = app.state.views.clone();
        actix_web::rt::spawn(views.run(
            app.state.rollups.clone(),
            Duration::from_millis(u64::from(protocol::view::VIEW_TICK_MS)),
            app.state.shutdown.clone(),
        ));
        Ok(app)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The ingest port, when `--ingest-port` asked for one.
    pub fn ingest_port(&self) -> Option<u16> {
        self.ingest.as_ref().map(|i| i.port)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that stops the server gracefully (sessions are told first).
    pub fn stopper(&self) -> Stopper {
        Stopper {
            server: self.server.handle(),
            ingest: self.ingest.as_ref().map(|i| i.server.handle()),
            shutdown: self.state.shutdown.clone(),
            sessions: self.state.sessions.clone(),
            storage: self.state.storage.clone(),
        }
    }

    /// Serves until stopped; then the aggregator's thread stops too, so no
    /// frame is sealed (or committed) after the server is gone.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = match self.ingest {
            Some(ingest) => {
                let (main, ingest) = futures_util::future::join(self.server, ingest.server).await;
                main.and(ingest)
            }
            None => self.server.await,
        };
        self.aggregator_thread.stop();
        served
    }
}

/// How long shutdown waits for WebSocket sessions to send their close frame.
const SESSIONS_GRACE: Duration = Duration::from_secs(5);

/// The one way the server stops (signal or caller): sessions are told to
/// close ("going away"), the listener stops and in-flight requests drain,
/// it waits for the session tasks to end, then for the store's writer to
/// finish what it was given.
#[derive(Clone)]
pub struct Stopper {
    server: ServerHandle,
    ingest: Option<ServerHandle>,
    shutdown: CancellationToken,
    sessions: TaskTracker,
    storage: Option<StorageHandle>,
}

impl Stopper {
    pub async fn stop(&self) {
        self.shutdown.cancel();
        self.sessions.close();
        // Both listeners stop taking connections and drain what they hold.
        match &self.ingest {
            Some(ingest) => {
                futures_util::future::join(self.server.stop(true), ingest.stop(true)).await;
            }
            None => self.server.stop(true).await,
        }
        if tokio::time::timeout(SESSIONS_GRACE, self.sessions.wait())
            .await
            .is_err()
        {
            tracing::warn!(left = self.sessions.len(), "sessions did not close in time");
        }
        // What was sealed before the stop is written before it returns.
        if let Some(storage) = &self.storage {
            storage.flush().await;
        }
    }
}

/// One listener's application: the shared state and the middleware every
/// listener has (auth reads the tokens from app data), around `routes`.
pub(crate) fn app(
    state: AppState,
    routes: impl FnOnce(&mut web::ServiceConfig),
) -> App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = cors(&state.config.auth.cors_origins);
    // Outermost last: observe → compress → JSON errors → origin guard → CORS → routes.
    App::new()
        .app_data(web::Data::from(state.tokens.clone()))
        .app_data(web::Data::new(state))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .wrap(cors)
        .wrap(from_fn(origin_guard::refuse_foreign_writes))
        .wrap(from_fn(json_errors::json_error_bodies))
        .wrap(Compress::default())
        .wrap(from_fn(observe::observe))
        .configure(routes)
}

/// Same origin only, unless origins are configured.
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers(["authorization", "content-type"])
        .max_age(3600)
}

/// The first cursor: microseconds since the epoch at start, so a restarted
/// server's positions are all later than any its predecessor handed out.
fn start_seq() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Opens the durable store (unless the server keeps nothing on disk), puts
/// what it holds back into the pipeline, rollups and book, records this run
/// and starts the writer. A store that cannot be opened stops start-up with
/// a message saying why.
fn open_storage(
    config: &Config,
    run: &str,
    started_ms: i64,
    pipeline: &mut Pipeline,
    rollups: &Rollups,
    (book, budgets): (&mut AnomalyBook, &mut BudgetBook),
    telemetry: &Arc<Telemetry>,
) -> std::io::Result<Option<StorageHandle>> {
    let Some(dir) = config.storage.dir() else {
        tracing::info!("ephemeral: nothing is kept on disk; a restart starts empty");
        return Ok(None);
    };
    let retention = config.storage.tiers();
    let max_bytes = config.storage.storage_max_mb.map(|mb| mb * 1024 * 1024);
    let storage: Arc<dyn Storage> =
        Arc::new(SqliteStorage::open(dir, max_bytes, retention).map_err(std::io::Error::other)?);
    let loading = Instant::now();
    let restored = restore(
        storage.as_ref(),
        pipeline,
        rollups,
        book,
        budgets,
        started_ms,
    )
    .map_err(std::io::Error::other)?;
    storage
        .begin_run(run, started_ms)
        .map_err(std::io::Error::other)?;
    tracing::info!(
        dir = %dir.display(),
        series = restored.series,
        rows = restored.rows,
        runs = restored.runs,
        anomalies = restored.anomalies,
        budgets = restored.budgets,
        ms = loading.elapsed().as_millis() as u64,
        "storage opened and history restored"
    );
    Writer::spawn(storage, run.to_string(), retention, telemetry.clone()).map(Some)
}

/// This run's name: the start time in base-36 milliseconds (so ids sort by
/// run) and two random base-36 digits (two runs in one millisecond differ).
pub fn run_id() -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut out = Vec::with_capacity(12);
    while ms > 0 {
        out.push(DIGITS[(ms % 36) as usize]);
        ms /= 36;
    }
    out.reverse();
    let random: u16 = rand::random();
    out.push(DIGITS[usize::from(random % 36)]);
    out.push(DIGITS[usize::from(random / 36 % 36)]);
    out.into_iter().map(char::from).collect()
}

/// Ctrl-C or SIGTERM: the same stop as [`Stopper::stop`].
fn spawn_signal_handler(stopper: Stopper) {
    actix_web::rt::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        stopper.stop().await;
    });
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
