//! Command-line arguments, and the checks that keep a run bounded and local.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use protocol::TimeWindow;
use protocol::filter::{Dimension, Filter};

/// Drive a FinOps dashboard server over loopback: push reports to
/// `POST /api/ingest` on an open-loop schedule, hold WebSocket dashboard
/// clients and polling clients, and report throughput, latency percentiles,
/// losses and the server's memory and CPU.
#[derive(Debug, Clone, Parser)]
#[command(name = "load-test", version, about)]
pub struct Args {
    /// Server to drive; must be a loopback address.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,

    /// Start this backend binary on a free loopback port (simulator off) and stop it at the end.
    #[arg(long)]
    pub spawn: Option<PathBuf>,

    /// WebSocket endpoint for the dashboard clients, when it is not the
    /// server's own `/ws` (another server, e.g. `naive_broadcast.py`);
    /// must be a loopback `ws://` address.
    #[arg(long, value_name = "URL")]
    pub ws_url: Option<String>,

    /// Send ingest to this base URL instead of `--server` (a server's
    /// `--ingest-port`); must be a loopback `http://` address.
    #[arg(long, value_name = "URL", conflicts_with = "ingest_listener")]
    pub ingest_url: Option<String>,

    /// With `--spawn`: start the server with `--ingest-port` on a free port
    /// and send ingest there, apart from the WebSocket clients' port.
    #[arg(long, requires = "spawn")]
    pub ingest_listener: bool,

    /// Leave the spawned server's simulator on (off by default).
    #[arg(long)]
    pub with_simulator: bool,

    /// Extra argument for the spawned server (repeat).

    #[arg(long = "server-arg", allow_hyphen_values = true)]
    pub server_args: Vec<String>,

    /// Bearer token for a server with tokens (an admin token, or an ingest
    /// token for an ingest-only run). Never printed.
    #[arg(long, env = "FINOPS_LOAD_TOKEN", hide_env_values = true)]
    pub token: Option<Token>,

    /// Process to sample RSS and CPU from, for a server started outside the
    /// run (found automatically with --spawn).
    #[arg(long)]
    pub server_pid: Option<u32>,

    /// Seconds of ingest (the whole run is bounded by warm-up + this + drain).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub duration: u64,

    /// Seconds between clients connecting and ingest starting.
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,

    /// Seconds to wait after ingest for clients to receive everything.
    #[arg(long, default_value_t = 10)]
    pub drain: u64,

    /// Reports per second to push (0: no ingest).
    #[arg(long, default_value_t = 0)]
    pub ingest_rate: u64,

    /// How reports are sent: `json` to `POST /api/ingest`, or `otlp`: one
    /// OpenTelemetry GenAI span per report, protobuf, to `POST /v1/traces`.
    #[arg(long, value_enum, default_value_t = IngestFormat::Json)]
    pub ingest_format: IngestFormat,

    /// Reports per POST.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=20_000))]
    pub batch: u64,

    /// Distinct customer/model series the reports spread over.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub series: u64,

    /// Ingest requests allowed in flight; a batch due when all are busy is a schedule miss.
    #[arg(long, default_value_t = 64)]
    pub max_in_flight: usize,

    /// WebSocket dashboard clients to hold open.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=50_000))]
    pub ws_clients: u64,

    /// Every Nth WebSocket client parses each delta fully (and measures
    /// report-to-client latency); the others scan it cheaply. 1 = all parse fully.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub full_parse_every: u64,

    /// Subscribe the WebSocket clients with this filter: `tenant=lt-t0`,
    /// `model=gpt-4o`, `customer=…` (repeat, or join with `&`; names exact,
    /// as in the REST query string). Each then expects only the accepted
    /// reports the filter admits.
    #[arg(long = "ws-filter", value_name = "KEY=NAME")]
    pub ws_filter: Vec<String>,

    /// Subscribe the WebSocket clients to a server-side view of this window
    /// (`5m`, `15m`, `1h`, `24h`, `7d`, `30d`) with `subscribeView` instead of
    /// the raw stream, `--ws-filter` as the view's filter. Each then checks
    /// that versions follow one by one after the full message, and that its
    /// view's totals agree with `GET /api/stats` for the window at the end.
    #[arg(long = "ws-view", value_name = "WINDOW", value_parser = parse_window)]
    pub ws_view: Option<TimeWindow>,

    /// Top customers the view lists (the server's default when absent).
    #[arg(long, requires = "ws_view")]
    pub ws_view_customers: Option<u32>,

    /// Ask for the view's messages deflated (binary frames, as the web
    /// client does); bytes are counted as sent, compressed.
    #[arg(long, requires = "ws_view")]
    pub ws_deflate: bool,

    /// Write the first 40 text messages the first WebSocket client receives
    /// here, one a line (to see what a dashboard is sent).
    #[arg(long, value_name = "FILE")]
    pub ws_capture: Option<PathBuf>,

    /// Their session tick in milliseconds (raw subscriptions; views tick on the server).

    #[arg(long, default_value_t = 250)]
    pub tick_ms: u32,

    /// Polling clients.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub poll_clients: u64,

    /// Their polling interval in milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub poll_interval_ms: u64,

    /// Fail (exit 1) unless every client received every accepted report
    /// (with `--ws-filter`: every one it admits, and nothing else); with
    /// `--ws-view`: unless no view version was skipped and the views' totals
    /// counted every accepted report and agree with `GET /api/stats`.
    #[arg(long)]
    pub expect_no_loss: bool,

    /// Write the ingest ledger here: per series, the sums of the batches the
    /// server acknowledged and of those left in doubt (for crash tests).
    #[arg(long)]
    pub ledger: Option<PathBuf>,

    /// Write the summary as JSON here too.
    #[arg(long)]
    pub json: Option<PathBuf>,

    /// No live progress lines.
    #[arg(long)]
    pub quiet: bool,
}

impl Args {
    pub fn duration(&self) -> Duration {
        Duration::from_secs(self.duration)
    }

    /// Refuses anything but loopback `http://` (and `ws://`) addresses.
    pub fn check_target(&self) -> Result<(), String> {
        loopback("--server", &self.server, "http://")?;
        if let Some(url) = &self.ws_url {
            loopback("--ws-url", url, "ws://")?;
        }
        if let Some(url) = &self.ingest_url {
            loopback("--ingest-url", url, "http://")?;
        }
        Ok(())
    }

    /// The `--ws-filter` pairs as a filter; empty when none were given.
    pub fn ws_filter(&self) -> Result<Filter, String> {
        parse_filter(&self.ws_filter)
    }

    /// `--ws-url`, or the server's own `/ws`.
    pub fn ws_url(&self) -> String {
        if let Some(url) = &self.ws_url {
            return url.clone();
        }
        format!(
            "{}{}",
            self.server
                .replacen("http://", "ws://", 1)
                .trim_end_matches('/'),
            protocol::paths::WS
        )
    }
}

/// `url` is `scheme` then a loopback host (`localhost`, 127.x, `[::1]`).
fn loopback(flag: &str, url: &str, scheme: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix(scheme)
        .ok_or_else(|| format!("{flag} must start with {scheme}"))?;
    let host_port = rest.split('/').next().unwrap_or(rest);
    let host = host_port
        .rsplit_once(':')
        .map_or(host_port, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    let loopback = host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(format!("{flag} must be a loopback address, not `{host}`"))
    }
}

/// `key=name` pairs (each argument may join several with `&`) checked as
/// the server checks a filter. Unlike a query string, an unknown key is an
/// error: on a command line it is a typo, and ignoring it would measure an
/// unfiltered run under a filtered label.
pub fn parse_filter(args: &[String]) -> Result<Filter, String> {
    let mut pairs = Vec::new();
    for part in args
        .iter()
        .flat_map(|a| a.split('&'))
        .filter(|p| !p.is_empty())
    {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| format!("--ws-filter `{part}` is not key=name"))?;
        if Dimension::from_param(key).is_none() {
            return Err(format!(
                "--ws-filter key `{key}` is not one of tenant, customer, model"
            ));
        }
        pairs.push((key, value));
    }
    Filter::from_pairs(pairs).map_err(|e| format!("--ws-filter: {e}"))
}

/// A window preset as the server names it (`5m`, `1h`, …).
pub fn parse_window(text: &str) -> Result<TimeWindow, String> {
    TimeWindow::parse(text).ok_or_else(|| {
        let presets: Vec<&str> = TimeWindow::ALL.iter().map(|w| w.as_str()).collect();
        format!("`{text}` is not one of {}", presets.join(", "))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IngestFormat {
    Json,
    Otlp,
}

impl IngestFormat {
    pub fn path(self) -> &'static str {
        match self {
            IngestFormat::Json => protocol::paths::INGEST,
            IngestFormat::Otlp => protocol::paths::OTLP_TRACES,
        }
    }
}

/// A bearer token that `Debug` does not show.
#[derive(Clone)]
pub struct Token(pub String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

impl std::str::FromStr for Token {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Token(s.to_string()))
    }
}

impl Token {
    /// The `Authorization` header value.
    pub fn header(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(server: &str) -> Args {
        Args::try_parse_from(["load-test", "--server", server]).unwrap()
    }

    #[test]
    fn only_loopback_targets_are_allowed() {
        assert!(args("http://127.0.0.1:8080").check_target().is_ok());
        assert!(args("http://localhost:9000/").check_target().is_ok());
        assert!(args("http://[::1]:8080").check_target().is_ok());
        assert!(args("http://10.0.0.5:8080").check_target().is_err());
        assert!(args("http://example.com").check_target().is_err());
        assert!(args("https://127.0.0.1").check_target().is_err());
        assert_eq!(
            args("http://127.0.0.1:8080/").ws_url(),
            "ws://127.0.0.1:8080/ws"
        );
    }

    #[test]
    fn ws_and_ingest_urls_are_loopback_too() {
        let parse = |a: &[&str]| Args::try_parse_from([&["load-test"], a].concat()).unwrap();
        let other = parse(&["--ws-url", "ws://127.0.0.1:9000/ws"]);
        assert!(other.check_target().is_ok());
        assert_eq!(other.ws_url(), "ws://127.0.0.1:9000/ws");
        assert!(
            parse(&["--ws-url", "ws://10.1.1.1/ws"])
                .check_target()
                .is_err()
        );
        assert!(
            parse(&["--ws-url", "http://127.0.0.1/ws"])
                .check_target()
                .is_err()
        );
        assert!(
            parse(&["--ingest-url", "http://[::1]:9091"])
                .check_target()
                .is_ok()
        );
        assert!(
            parse(&["--ingest-url", "http://example.com"])
                .check_target()
                .is_err()
        );
        assert!(
            Args::try_parse_from(["load-test", "--ingest-listener"]).is_err(),
            "--ingest-listener needs --spawn"
        );
        assert!(
            Args::try_parse_from([
                "load-test",
                "--spawn",
                "backend",
                "--ingest-listener",
                "--ingest-url",
                "http://127.0.0.1:1"
            ])
            .is_err()
        );
        assert_eq!(parse(&["--server-pid", "42"]).server_pid, Some(42));
    }

    #[test]
    fn ws_filters_parse_like_a_query_string_and_refuse_typos() {
        let parse = |a: &[&str]| parse_filter(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(parse(&[]).unwrap().is_empty());
        let f = parse(&["tenant=lt-t0&model=gpt-4o", "tenant=lt-t1", "tenant=lt-t0"]).unwrap();
        assert_eq!(f.tenants, ["lt-t0", "lt-t1"], "repeats kept once");
        assert_eq!(f.models, ["gpt-4o"]);
        assert!(f.customers.is_empty());
        assert!(
            parse(&["tenants=lt-t0"])
                .unwrap_err()
                .contains("not one of")
        );
        assert!(parse(&["lt-t0"]).unwrap_err().contains("key=name"));
        assert!(parse(&["tenant="]).is_err(), "an empty name is refused");
        let args = Args::try_parse_from(["load-test", "--ws-filter", "tenant=lt-t3"]).unwrap();
        assert_eq!(args.ws_filter().unwrap().tenants, ["lt-t3"]);
    }

    #[test]
    fn ws_view_takes_a_window_preset() {
        let args = Args::try_parse_from(["load-test", "--ws-view", "5m"]).unwrap();
        assert_eq!(args.ws_view, Some(TimeWindow::FiveMinutes));
        assert_eq!(
            Args::try_parse_from(["load-test", "--ws-view", "1h", "--ws-view-customers", "5"])
                .unwrap()
                .ws_view_customers,
            Some(5)
        );
        assert_eq!(args.ws_view_customers, None);
        assert_eq!(Args::try_parse_from(["load-test"]).unwrap().ws_view, None);
        let err = Args::try_parse_from(["load-test", "--ws-view", "5min"]).unwrap_err();
        assert!(err.to_string().contains("not one of 5m"), "{err}");
        assert!(
            Args::try_parse_from(["load-test", "--ws-view-customers", "5"]).is_err(),
            "customers only with a view"
        );
    }

    #[test]
    fn runs_are_bounded() {
        assert!(Args::try_parse_from(["load-test", "--duration", "0"]).is_err());
        assert!(Args::try_parse_from(["load-test", "--duration", "7200"]).is_err());
        assert!(Args::try_parse_from(["load-test", "--ws-clients", "100000"]).is_err());
    }
}
