//! Typed configuration: command-line flags with environment-variable
//! fallbacks, grouped by concern. Durations are `Duration`s; the token is a
//! [`Secret`] that no `Debug` output or log line can show.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser};

use crate::auth::Secret;
use crate::storage::Retention;

/// Real-time AI FinOps dashboard server.
#[derive(Debug, Clone, Parser)]
#[command(name = "backend", version, about)]
pub struct Config {
    #[command(flatten)]
    pub server: ServerConfig,

    #[command(flatten)]
    pub simulator: SimulatorConfig,

    #[command(flatten)]
    pub ws: WsConfig,

    #[command(flatten)]
    pub auth: AuthConfig,

    #[command(flatten)]
    pub storage: StorageConfig,

    #[command(flatten)]
    pub otlp: OtlpConfig,

    /// Ask the server configured by the other flags whether it is healthy, then exit (0 or 1).
    #[arg(long)]
    pub healthcheck: bool,

    /// Print a new random token and its SHA-256 (for a tokens file), then exit.
    #[arg(long)]
    pub generate_token: bool,

    /// Copy the database in --data-dir to this file, safely while a server
    /// runs on it (SQLite's online backup), then exit.
    #[arg(long, value_name = "FILE")]
    pub backup_to: Option<PathBuf>,
}

/// The system of record: where usage, anomalies and decisions are kept.
#[derive(Debug, Clone, Args)]
pub struct StorageConfig {
    /// Directory of the embedded database (created if missing); '' keeps
    /// everything in memory, like --ephemeral.
    #[arg(long, env = "FINOPS_DATA_DIR", default_value = "data", value_parser = parse_dir)]
    pub data_dir: PathBuf,

    /// Keep nothing on disk: a restart starts empty (tests, demos).
    #[arg(long, env = "FINOPS_EPHEMERAL")]
    pub ephemeral: bool,

    /// Days of per-minute rollups kept.
    #[arg(long, env = "FINOPS_RETAIN_MINUTES_DAYS", default_value_t = 35,
          value_parser = clap::value_parser!(u32).range(2..=3660))]
    pub retain_minutes_days: u32,

    /// Days of hourly and daily rollups kept (the longest range history answers).
    #[arg(long, env = "FINOPS_RETAIN_HOURS_DAYS", default_value_t = 400,
          value_parser = clap::value_parser!(u32).range(2..=3660))]
    pub retain_hours_days: u32,

    /// Largest size the database may grow to, in MiB; past it ingest is
    /// refused (503) instead of filling the disk. No limit by default.
    #[arg(long, env = "FINOPS_STORAGE_MAX_MB")]
    pub storage_max_mb: Option<u64>,
}

impl StorageConfig {
    /// The database directory, or `None` when nothing is kept on disk.
    pub fn dir(&self) -> Option<&std::path::Path> {
        (!self.ephemeral && !self.data_dir.as_os_str().is_empty()).then_some(&self.data_dir)
    }

    /// How long the store keeps each tier (seconds: 20 minutes, enough for
    /// the 15-minute views after a restart).
    pub fn tiers(&self) -> Retention {
        let days = |d: u32| Duration::from_secs(u64::from(d) * 86_400);
        Retention {
            seconds: Duration::from_secs(20 * 60),
            minutes: days(self.retain_minutes_days),
            hours: days(self.retain_hours_days),
        }
    }

    /// How far back history can be asked for.
    pub fn retention(&self) -> Duration {
        Duration::from_secs(
            u64::from(self.retain_hours_days.max(self.retain_minutes_days)) * 86_400,
        )
    }
}

/// The OpenTelemetry receiver (`POST /v1/traces`): which span or resource
/// attributes name the tenant, the customer and a precomputed cost. Each
/// list is tried in order, the span's attributes before its resource's.
#[derive(Debug, Clone, Args)]
pub struct OtlpConfig {
    /// Attributes naming the tenant; a span with none goes to the tenant of
    /// a token scoped to one, else is rejected.
    #[arg(
        long,
        env = "FINOPS_OTLP_TENANT_ATTRIBUTES",
        value_delimiter = ',',
        default_value = "tenant.id,service.namespace"
    )]
    pub otlp_tenant_attributes: Vec<String>,

    /// Attributes naming the customer.
    #[arg(
        long,
        env = "FINOPS_OTLP_CUSTOMER_ATTRIBUTES",
        value_delimiter = ',',
        default_value = "enduser.id,user.id,service.name"
    )]
    pub otlp_customer_attributes: Vec<String>,

    /// Attributes carrying a call's cost in US dollars, used instead of the price table.
    #[arg(
        long,
        env = "FINOPS_OTLP_COST_ATTRIBUTES",
        value_delimiter = ',',
        default_value = "gen_ai.usage.cost,gen_ai.usage.cost.amount,response_cost"
    )]
    pub otlp_cost_attributes: Vec<String>,

    /// Providers (`gen_ai.provider.name`) whose input token count leaves
    /// out the cached tokens, as Anthropic's API does.
    #[arg(
        long,
        env = "FINOPS_OTLP_CACHE_APART",
        value_delimiter = ',',
        default_value = "anthropic,aws.bedrock"
    )]
    pub otlp_cache_apart: Vec<String>,
}

impl OtlpConfig {
    pub fn rules(&self) -> crate::otlp::Rules {
        let clean = |v: &[String]| {
            v.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        crate::otlp::Rules {
            tenant_keys: clean(&self.otlp_tenant_attributes),
            customer_keys: clean(&self.otlp_customer_attributes),
            cost_keys: clean(&self.otlp_cost_attributes),
            cache_apart: clean(&self.otlp_cache_apart),
        }
    }
}

/// Where the server listens and what it serves.
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// Address to listen on.
    #[arg(long, env = "FINOPS_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "FINOPS_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Directory of the built web client, served at `/`.
    #[arg(long, env = "FINOPS_WEB_DIR", default_value = "web/dist")]
    pub web_dir: PathBuf,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "FINOPS_MAX_BODY_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "FINOPS_WORKERS")]
    pub workers: Option<usize>,

    /// A second port, on the same address, that serves only ingest
    /// (`POST /api/ingest`, `POST /v1/traces`) from a worker thread of its
    /// own, so WebSocket viewers on the main port cannot slow ingest down
    /// (0 picks a free one). Off by default.
    #[arg(long, env = "FINOPS_INGEST_PORT")]
    pub ingest_port: Option<u16>,
}

/// The built-in traffic simulator.
#[derive(Debug, Clone, Args)]
pub struct SimulatorConfig {
    /// Simulated tenants.
    #[arg(long, env = "FINOPS_TENANTS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub tenants: u32,

    /// Simulated customers across all tenants.
    #[arg(long, env = "FINOPS_CUSTOMERS", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub customers: u32,

    /// Simulated reports per second across all tenants (daily-rhythm mean).
    #[arg(long, env = "FINOPS_RATE", default_value_t = 400.0, value_parser = parse_rate)]
    pub rate: f64,

    /// Seed for the simulation, for reproducible runs (random otherwise).
    #[arg(long, env = "FINOPS_SEED")]
    pub seed: Option<u64>,

    /// Turn the simulator off: the dashboard shows only data sent to `POST /api/ingest`.
    #[arg(long, env = "FINOPS_NO_SIMULATOR")]
    pub no_simulator: bool,

    /// Mean seconds between injected incidents across all tenants; 0 turns them off.
    #[arg(long = "incident-every", env = "FINOPS_INCIDENT_EVERY", default_value = "300",
          value_parser = parse_secs)]
    pub incident_every: Duration,
}

/// WebSocket session timing.
#[derive(Debug, Clone, Args)]
pub struct WsConfig {
    /// A WebSocket send that takes longer than this closes the session (ms).
    #[arg(long = "ws-send-timeout-ms", env = "FINOPS_WS_SEND_TIMEOUT_MS",
          default_value = "5000", value_parser = parse_ms)]
    pub send_timeout: Duration,

    /// Interval between server pings on each WebSocket (ms, at least 100).
    #[arg(long = "ws-ping-ms", env = "FINOPS_WS_PING_MS",
          default_value = "10000", value_parser = parse_ping_ms)]
    pub ping_interval: Duration,

    /// A WebSocket client silent for this long is disconnected (ms).
    #[arg(long = "ws-client-timeout-ms", env = "FINOPS_WS_CLIENT_TIMEOUT_MS",
          default_value = "30000", value_parser = parse_ms)]
    pub client_timeout: Duration,
}

/// Who may do what, and from which web pages.
#[derive(Debug, Clone, Args)]
pub struct AuthConfig {
    /// One admin token: when set (or with a tokens file), every endpoint but
    /// `/healthz` and `/api/openapi.json` needs `Authorization: Bearer <token>`.
    #[arg(long, env = "FINOPS_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<Secret>,

    /// Tokens with roles and tenant scopes (TOML or JSON; see deploy/tokens.example.toml).
    #[arg(long, env = "FINOPS_TOKENS_FILE")]
    pub tokens_file: Option<PathBuf>,

    /// Origins besides the server's own allowed to call the API from a browser
    /// (repeat or comma-separate).
    #[arg(
        long = "cors-origin",
        env = "FINOPS_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if !(0.0..=5_000_000.0).contains(&rate) {
        return Err("must be between 0 and 5000000 reports per second".into());
    }
    Ok(rate)
}

/// A directory, where '' (nothing on disk) is allowed.
fn parse_dir(text: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(text))
}

fn parse_whole(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))
}

fn parse_ms(text: &str) -> Result<Duration, String> {
    parse_whole(text).map(Duration::from_millis)
}

fn parse_ping_ms(text: &str) -> Result<Duration, String> {
    let ms = parse_whole(text)?;
    if ms < 100 {
        return Err("must be at least 100 milliseconds".into());
    }
    Ok(Duration::from_millis(ms))
}

fn parse_secs(text: &str) -> Result<Duration, String> {
    parse_whole(text).map(Duration::from_secs)
}

impl SimulatorConfig {
    /// Whether simulated traffic runs at all.
    pub fn enabled(&self) -> bool {
        !self.no_simulator && self.rate > 0.0
    }

    /// Mean time between incidents, `None` when they are off.
    pub fn incidents(&self) -> Option<Duration> {
        (!self.incident_every.is_zero()).then_some(self.incident_every)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn defaults_match_the_readme() {
        let c = Config::try_parse_from(["backend"]).unwrap();
        assert_eq!(c.server.bind.to_string(), "127.0.0.1");
        assert_eq!(c.server.port, 8080);
        assert_eq!(c.simulator.tenants, 7);
        assert_eq!(c.simulator.customers, 100);
        assert_eq!(c.simulator.rate, 400.0);
        assert!(c.simulator.enabled());
        assert_eq!(c.simulator.incidents(), Some(Duration::from_secs(300)));
        assert!(c.auth.api_token.is_none());
        assert!(c.auth.tokens_file.is_none());
        assert_eq!(c.ws.send_timeout, Duration::from_secs(5));
        assert_eq!(c.ws.ping_interval, Duration::from_secs(10));
        assert_eq!(c.ws.client_timeout, Duration::from_secs(30));
        assert!(c.auth.cors_origins.is_empty());
        assert_eq!(c.server.web_dir, PathBuf::from("web/dist"));
        assert_eq!(c.storage.dir(), Some(std::path::Path::new("data")));
        assert_eq!(c.storage.retention(), Duration::from_secs(400 * 86_400));
        assert_eq!(c.storage.retain_minutes_days, 35);
        assert_eq!(c.server.ingest_port, None);
    }

    #[test]
    fn the_ingest_port_is_a_port() {
        let c = Config::try_parse_from(["backend", "--ingest-port", "9091"]).unwrap();
        assert_eq!(c.server.ingest_port, Some(9091));
        assert!(Config::try_parse_from(["backend", "--ingest-port", "70000"]).is_err());
    }

    #[test]
    fn storage_can_be_turned_off_two_ways() {
        let empty = Config::try_parse_from(["backend", "--data-dir", ""]).unwrap();
        assert_eq!(empty.storage.dir(), None);
        let ephemeral = Config::try_parse_from(["backend", "--ephemeral"]).unwrap();
        assert_eq!(ephemeral.storage.dir(), None);
        assert!(Config::try_parse_from(["backend", "--retain-minutes-days", "1"]).is_err());
    }

    #[test]
    fn flags_parse_and_bad_values_are_refused() {
        let c = Config::try_parse_from([
            "backend",
            "--bind",
            "0.0.0.0",
            "--port",
            "9000",
            "--rate",
            "100000",
            "--seed",
            "7",
            "--no-simulator",
            "--incident-every",
            "0",
            "--cors-origin",
            "https://a.example,https://b.example",
            "--ws-ping-ms",
            "250",
        ])
        .unwrap();
        assert_eq!(c.server.port, 9000);
        assert_eq!(c.simulator.rate, 100_000.0);
        assert_eq!(c.simulator.seed, Some(7));
        assert!(!c.simulator.enabled());
        assert_eq!(c.simulator.incidents(), None);
        assert_eq!(c.auth.cors_origins.len(), 2);
        assert_eq!(c.ws.ping_interval, Duration::from_millis(250));
        assert!(Config::try_parse_from(["backend", "--rate", "-1"]).is_err());
        assert!(Config::try_parse_from(["backend", "--tenants", "0"]).is_err());
        assert!(Config::try_parse_from(["backend", "--bind", "nowhere"]).is_err());
        assert!(Config::try_parse_from(["backend", "--ws-ping-ms", "5"]).is_err());
        assert!(Config::try_parse_from(["backend", "--ws-send-timeout-ms", "soon"]).is_err());
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let c = Config::try_parse_from(["backend", "--api-token", "hunter2-is-my-token"]).unwrap();
        let printed = format!("{c:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert_eq!(
            c.auth.api_token.as_ref().map(Secret::expose),
            Some("hunter2-is-my-token")
        );
    }

    #[test]
    fn every_flag_is_in_the_readme_configuration_table() {
        let readme = include_str!("../../README.md");
        let table: Vec<&str> = readme
            .lines()
            .skip_while(|l| !l.starts_with("## Configuration"))
            .take_while(|l| !l.starts_with("## ") || l.starts_with("## Configuration"))
            .filter(|l| l.starts_with('|'))
            .collect();
        let command = Config::command();
        let missing: Vec<String> = command
            .get_arguments()
            .filter_map(|a| a.get_long())
            .filter(|long| !["help", "version"].contains(long))
            .filter(|long| {
                let flag = format!("`--{long}`");
                !table.iter().any(|row| row.contains(&flag))
            })
            .map(|long| format!("--{long}"))
            .collect();
        assert!(
            missing.is_empty(),
            "flags missing from the README's configuration table: {missing:?}"
        );
    }
}
