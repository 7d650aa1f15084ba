//! Typed configuration: command-line flags with environment-variable fallbacks.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Real-time AI FinOps dashboard server.
#[derive(Debug, Clone, Parser)]
#[command(name = "backend", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "FINOPS_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "FINOPS_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Directory of the built web client, served at `/`.
    #[arg(long, env = "FINOPS_WEB_DIR", default_value = "web/dist")]
    pub web_dir: PathBuf,

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
    #[arg(long, env = "FINOPS_INCIDENT_EVERY", default_value_t = 300)]
    pub incident_every: u64,

    /// When set, POST endpoints require `Authorization: Bearer <token>`.
    #[arg(long, env = "FINOPS_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,

    /// Origins allowed to call the API from a browser (same origin only when none).
    #[arg(
        long = "cors-origin",
        env = "FINOPS_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "FINOPS_MAX_BODY_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// A WebSocket send that takes longer than this closes the session (ms).
    #[arg(long, env = "FINOPS_WS_SEND_TIMEOUT_MS", default_value_t = 5_000)]
    pub ws_send_timeout_ms: u64,

    /// Interval between server pings on each WebSocket (ms).
    #[arg(long, env = "FINOPS_WS_PING_MS", default_value_t = 10_000)]
    pub ws_ping_ms: u64,

    /// A WebSocket client silent for this long is disconnected (ms).
    #[arg(long, env = "FINOPS_WS_CLIENT_TIMEOUT_MS", default_value_t = 30_000)]
    pub ws_client_timeout_ms: u64,

    /// Ask the server configured by the other flags whether it is healthy, then exit (0 or 1).
    #[arg(long)]
    pub healthcheck: bool,

    /// HTTP worker threads (default: one per core).

    #[arg(long, env = "FINOPS_WORKERS")]
    pub workers: Option<usize>,
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

impl Config {
    pub fn ws_send_timeout(&self) -> Duration {
        Duration::from_millis(self.ws_send_timeout_ms)
    }

    pub fn ws_ping_interval(&self) -> Duration {
        Duration::from_millis(self.ws_ping_ms.max(100))
    }

    pub fn ws_client_timeout(&self) -> Duration {
        Duration::from_millis(self.ws_client_timeout_ms)
    }

    /// The bearer token POST endpoints require, if any (an empty one counts as none).
    pub fn api_token(&self) -> Option<&str> {
        self.api_token.as_deref().filter(|t| !t.is_empty())
    }

    pub fn incident_every(&self) -> Option<Duration> {
        (self.incident_every > 0).then(|| Duration::from_secs(self.incident_every))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_readme() {
        let c = Config::try_parse_from(["backend"]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1");
        assert_eq!(c.port, 8080);
        assert_eq!(c.tenants, 7);
        assert_eq!(c.customers, 100);
        assert_eq!(c.rate, 400.0);
        assert!(!c.no_simulator);
        assert_eq!(c.incident_every(), Some(Duration::from_secs(300)));
        assert!(c.api_token().is_none());
        let empty = Config::try_parse_from(["backend", "--api-token", ""]).unwrap();
        assert_eq!(empty.api_token(), None);

        assert!(c.cors_origins.is_empty());
        assert_eq!(c.web_dir, PathBuf::from("web/dist"));
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
        ])
        .unwrap();
        assert_eq!(c.port, 9000);
        assert_eq!(c.rate, 100_000.0);
        assert_eq!(c.seed, Some(7));
        assert!(c.no_simulator);
        assert_eq!(c.incident_every(), None);
        assert_eq!(c.cors_origins.len(), 2);
        assert!(Config::try_parse_from(["backend", "--rate", "-1"]).is_err());
        assert!(Config::try_parse_from(["backend", "--tenants", "0"]).is_err());
        assert!(Config::try_parse_from(["backend", "--bind", "nowhere"]).is_err());
    }
}
