//! Logs (tracing) and the server's own metrics, served as Prometheus text at `GET /metrics`.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tracing_subscriber::EnvFilter;

/// Logs to stderr; `RUST_LOG` overrides the default level.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    // A second call (tests build several servers) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum Source {
    Simulator,
    Http,
    /// OpenTelemetry spans (`POST /v1/traces`).
    Otlp,
}

impl EncodeLabelValue for Source {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        match self {
            Source::Simulator => "simulator",
            Source::Http => "http",
            Source::Otlp => "otlp",
        }
        .encode(encoder)
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabel {
    pub source: Source,
}

/// What became of an OpenTelemetry span.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum SpanOutcome {
    /// A GenAI call, counted.
    Accepted,
    /// Not a GenAI call (no model): skipped, not an error.
    Ignored,
    /// Unusable attributes: refused in a partial success.
    Rejected,
}

impl EncodeLabelValue for SpanOutcome {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        match self {
            SpanOutcome::Accepted => "accepted",
            SpanOutcome::Ignored => "ignored",
            SpanOutcome::Rejected => "rejected",
        }
        .encode(encoder)
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: SpanOutcome,
}

/// Why a WebSocket session ended.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum Disconnect {
    ClientClosed,
    SendTimeout,
    HeartbeatTimeout,
    /// The client sent a frame or message over the size limit.
    MessageTooBig,
    ProtocolError,
    Shutdown,
}

impl EncodeLabelValue for Disconnect {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        match self {
            Disconnect::ClientClosed => "client_closed",
            Disconnect::SendTimeout => "send_timeout",
            Disconnect::HeartbeatTimeout => "heartbeat_timeout",
            Disconnect::MessageTooBig => "message_too_big",
            Disconnect::ProtocolError => "protocol_error",
            Disconnect::Shutdown => "shutdown",
        }
        .encode(encoder)
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DisconnectLabel {
    pub reason: Disconnect,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    pub route: String,
}

fn latency_histogram() -> Histogram {
    // 0.1 ms … ~6.5 s
    Histogram::new(exponential_buckets(0.0001, 2.0, 17))
}

/// Every counter the server keeps about itself. Cheap to update from any thread.
#[derive(Debug)]
pub struct Telemetry {
    registry: Registry,
    pub reports_ingested: Family<SourceLabel, Counter>,
    pub ingest_batches: Family<SourceLabel, Counter>,
    pub simulator_dropped: Counter,
    pub names_overflowed: Counter,
    pub frames_sealed: Counter,
    pub updates_logged: Counter,
    pub frame_seal_seconds: Histogram,
    pub ws_sessions: Gauge,
    pub ws_sessions_opened: Counter,
    pub ws_messages_sent: Counter,
    pub ws_bytes_sent: Counter,
    pub ws_disconnects: Family<DisconnectLabel, Counter>,
    pub ws_catch_ups: Counter,
    pub ws_resyncs: Counter,
    pub ws_delivery_seconds: Histogram,
    pub http_requests: Family<RouteLabels, Counter>,
    pub http_request_seconds: Family<RouteLabel, Histogram, fn() -> Histogram>,
    pub anomalies_open: Gauge,
    pub anomalies_reported: Counter,
    pub storage_commit_seconds: Histogram,
    pub storage_errors: Counter,
    pub storage_bytes: Gauge,
    pub ingest_durable_seconds: Histogram,
    pub otlp_spans: Family<OutcomeLabel, Counter>,
    pub unpriced_calls: Family<SourceLabel, Counter>,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new()
    }
}

impl Telemetry {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("finops");
        let t = Telemetry {
            reports_ingested: Family::default(),
            ingest_batches: Family::default(),
            simulator_dropped: Counter::default(),
            names_overflowed: Counter::default(),
            frames_sealed: Counter::default(),
            updates_logged: Counter::default(),
            frame_seal_seconds: latency_histogram(),
            ws_sessions: Gauge::default(),
            ws_sessions_opened: Counter::default(),
            ws_messages_sent: Counter::default(),
            ws_bytes_sent: Counter::default(),
            ws_disconnects: Family::default(),
            ws_catch_ups: Counter::default(),
            ws_resyncs: Counter::default(),
            ws_delivery_seconds: latency_histogram(),
            http_requests: Family::default(),
            http_request_seconds: Family::new_with_constructor(latency_histogram),
            anomalies_open: Gauge::default(),
            anomalies_reported: Counter::default(),
            storage_commit_seconds: latency_histogram(),
            storage_errors: Counter::default(),
            storage_bytes: Gauge::default(),
            ingest_durable_seconds: latency_histogram(),
            otlp_spans: Family::default(),
            unpriced_calls: Family::default(),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register(
            "reports_ingested",
            "Raw reports accepted, by source",
            t.reports_ingested.clone(),
        );
        r.register(
            "ingest_batches",
            "Batches of reports accepted, by source",
            t.ingest_batches.clone(),
        );
        r.register(
            "simulator_dropped_reports",
            "Simulated reports dropped because the aggregator's mailbox was full",
            t.simulator_dropped.clone(),
        );
        r.register(
            "names_overflowed",
            "Reports whose tenant, customer or model folded into (other) past the name caps",
            t.names_overflowed.clone(),
        );
        r.register(
            "frames_sealed",
            "Coalescing frames sealed",
            t.frames_sealed.clone(),
        );
        r.register(
            "updates_logged",
            "Folded updates appended to the update log",
            t.updates_logged.clone(),
        );
        r.register(
            "frame_seal_seconds",
            "Time to seal a frame: fold into the rollups and serialise once",
            t.frame_seal_seconds.clone(),
        );
        r.register(
            "ws_sessions",
            "Open WebSocket sessions",
            t.ws_sessions.clone(),
        );
        r.register(
            "ws_sessions_opened",
            "WebSocket sessions opened",
            t.ws_sessions_opened.clone(),
        );
        r.register(
            "ws_messages_sent",
            "WebSocket messages sent",
            t.ws_messages_sent.clone(),
        );
        r.register(
            "ws_bytes_sent",
            "WebSocket payload bytes sent",
            t.ws_bytes_sent.clone(),
        );
        r.register(
            "ws_disconnects",
            "WebSocket sessions ended, by reason",
            t.ws_disconnects.clone(),
        );
        r.register(
            "ws_catch_ups",
            "Times a session that fell behind was caught up from the update log",
            t.ws_catch_ups.clone(),
        );
        r.register(
            "ws_resyncs",
            "Times a session was told to reload a snapshot",
            t.ws_resyncs.clone(),
        );
        r.register(
            "ws_delivery_seconds",
            "From sealing a frame to handing its delta to a session's socket",
            t.ws_delivery_seconds.clone(),
        );
        r.register(
            "http_requests",
            "HTTP requests, by route and status",
            t.http_requests.clone(),
        );
        r.register(
            "http_request_seconds",
            "HTTP request handling time, by route",
            t.http_request_seconds.clone(),
        );
        r.register(
            "anomalies_open",
            "Anomalies ongoing and not yet acknowledged or dismissed",
            t.anomalies_open.clone(),
        );
        r.register(
            "anomalies_reported",
            "Anomaly openings, changes and endings reported",
            t.anomalies_reported.clone(),
        );
        r.register(
            "storage_commit_seconds",
            "Time to commit one sealed frame to the durable store",
            t.storage_commit_seconds.clone(),
        );
        r.register(
            "storage_errors",
            "Commits or anomaly writes the durable store refused",
            t.storage_errors.clone(),
        );
        r.register(
            "storage_bytes",
            "Bytes the durable store takes on disk",
            t.storage_bytes.clone(),
        );
        r.register(
            "ingest_durable_seconds",
            "From accepting an ingest batch to its frame being committed (group commit)",
            t.ingest_durable_seconds.clone(),
        );
        r.register(
            "otlp_spans",
            "OpenTelemetry spans received, by outcome (accepted GenAI calls, ignored non-GenAI spans, rejected)",
            t.otlp_spans.clone(),
        );
        r.register(
            "unpriced_calls",
            "Calls accepted with no known cost (model not in the price table, no cost sent), by source",
            t.unpriced_calls.clone(),
        );
        Telemetry { registry, ..t }
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    pub fn disconnect(&self, reason: Disconnect) {
        self.ws_disconnects
            .get_or_create(&DisconnectLabel { reason })
            .inc();
    }

    pub fn spans(&self, outcome: SpanOutcome, count: u64) {
        if count > 0 {
            self.otlp_spans
                .get_or_create(&OutcomeLabel { outcome })
                .inc_by(count);
        }
    }

    pub fn unpriced(&self, source: Source, calls: u64) {
        if calls > 0 {
            self.unpriced_calls
                .get_or_create(&SourceLabel { source })
                .inc_by(calls);
        }
    }

    pub fn ingested(&self, source: Source, reports: u64) {
        let label = SourceLabel { source };
        self.reports_ingested.get_or_create(&label).inc_by(reports);
        self.ingest_batches.get_or_create(&label).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposes_prefixed_metrics_with_labels() {
        let t = Telemetry::new();
        t.ingested(Source::Http, 5);
        t.disconnect(Disconnect::SendTimeout);
        t.ws_sessions.set(3);
        t.http_request_seconds
            .get_or_create(&RouteLabel {
                route: protocol::paths::STATS.into(),
            })
            .observe(0.002);
        let text = t.encode();
        assert!(
            text.contains("finops_reports_ingested_total{source=\"http\"} 5"),
            "{text}"
        );
        assert!(text.contains("finops_ws_disconnects_total{reason=\"send_timeout\"} 1"));
        assert!(text.contains("finops_ws_sessions 3"));
        assert!(text.contains("finops_http_request_seconds_count{route=\"/api/stats\"} 1"));
        assert!(text.ends_with("# EOF\n"));
    }
}
