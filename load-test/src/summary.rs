//! The end-of-run summary: a table for people, JSON for tools.

use serde::Serialize;

use crate::proc_sampler::ServerUsage;
use crate::stats::Percentiles;

#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    /// `json` (`POST /api/ingest`) or `otlp` (`POST /v1/traces`, one span per report).
    pub format: &'static str,
    pub target_rate: u64,
    pub batch: u64,
    pub accepted: u64,
    pub accepted_per_sec: f64,
    pub requests: u64,
    pub errors: u64,
    pub schedule_misses: u64,
    pub request_latency: Percentiles,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WsSummary {
    pub clients: u64,
    pub connected: u64,
    pub connect_errors: u64,
    pub tick_ms: u32,
    pub messages: u64,
    pub messages_per_sec: f64,
    pub bytes: u64,
    /// Bytes received per second by one connected client, on average.
    pub bytes_per_sec_per_client: f64,
    /// The filter every client subscribed with (`tenant=lt-t0`); empty: none.
    pub filter: String,
    /// Our reports each client had to receive: all accepted, or with a
    /// filter, the accepted ones it admits.
    pub expected_reports: u64,
    pub updates: u64,
    pub reconnects: u64,
    pub resyncs: u64,
    pub delivery_latency: Percentiles,
    pub event_latency: Percentiles,
    pub server_kib_per_session: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PollSummary {
    pub clients: u64,
    pub interval_ms: u64,
    pub requests: u64,
    pub errors: u64,
    pub updates: u64,
    pub event_latency: Percentiles,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Invariants {
    /// Clients that received fewer of our reports than were accepted.
    pub clients_missing_reports: u64,
    pub reports_missing: u64,
    pub no_loss: bool,
    /// Updates the fully parsing clients got that their filter does not
    /// admit (0 without a filter); a server ignoring the filter shows here,
    /// since receiving more than is owed is not a loss.
    pub updates_outside_filter: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub server: String,
    pub seconds: f64,
    pub ingest: IngestSummary,
    pub websocket: WsSummary,
    pub polling: PollSummary,
    pub server_usage: ServerUsage,
    pub invariants: Invariants,
}

fn row(out: &mut String, label: &str, value: String) {
    out.push_str(&format!("  {label:<34} {value}\n"));
}

fn pct(p: &Percentiles) -> String {
    if p.count == 0 {
        return "—".into();
    }
    format!(
        "p50 {:.1} · p95 {:.1} · p99 {:.1} · max {:.1} ms (n={})",
        p.p50_ms, p.p95_ms, p.p99_ms, p.max_ms, p.count
    )
}

impl Summary {
    pub fn table(&self) -> String {
        let mut out = format!(
            "\nload test against {} for {:.1} s\n",
            self.server, self.seconds
        );
        let i = &self.ingest;
        if i.target_rate > 0 {
            out.push_str("ingest\n");
            row(
                &mut out,
                "target rate",
                format!(
                    "{} reports/s in batches of {} ({})",
                    i.target_rate, i.batch, i.format
                ),
            );
            row(
                &mut out,
                "accepted",
                format!("{} ({:.0}/s)", i.accepted, i.accepted_per_sec),
            );
            row(
                &mut out,
                "requests / errors / misses",
                format!(
                    "{} / {} / {} reports",
                    i.requests, i.errors, i.schedule_misses
                ),
            );
            row(&mut out, "request latency", pct(&i.request_latency));
        }
        let w = &self.websocket;
        if w.clients > 0 {
            out.push_str("websocket\n");
            row(
                &mut out,
                "clients connected / failed",
                format!(
                    "{} / {} (tick {} ms)",
                    w.connected, w.connect_errors, w.tick_ms
                ),
            );
            row(
                &mut out,
                "messages delivered",
                format!(
                    "{} ({:.0}/s, {:.1} MiB)",
                    w.messages,
                    w.messages_per_sec,
                    w.bytes as f64 / 1048576.0
                ),
            );
            row(
                &mut out,
                "bytes per client",
                format!("{:.1} KiB/s", w.bytes_per_sec_per_client / 1024.0),
            );
            if !w.filter.is_empty() {
                row(
                    &mut out,
                    "filter (each client expects)",
                    format!("{} ({} reports)", w.filter, w.expected_reports),
                );
            }
            row(&mut out, "updates delivered", w.updates.to_string());
            row(
                &mut out,
                "reconnects / resyncs",
                format!("{} / {}", w.reconnects, w.resyncs),
            );
            row(
                &mut out,
                "delivery (sealed → client)",
                pct(&w.delivery_latency),
            );
            row(&mut out, "event (report → client)", pct(&w.event_latency));
            if let Some(kib) = w.server_kib_per_session {
                row(
                    &mut out,
                    "server memory per session",
                    format!("{kib:.1} KiB"),
                );
            }
        }
        let p = &self.polling;
        if p.clients > 0 {
            out.push_str("polling\n");
            row(
                &mut out,
                "clients / interval",
                format!("{} / {} ms", p.clients, p.interval_ms),
            );
            row(
                &mut out,
                "requests / errors",
                format!("{} / {}", p.requests, p.errors),
            );
            row(&mut out, "updates received", p.updates.to_string());
            row(&mut out, "event (report → client)", pct(&p.event_latency));
        }
        let s = &self.server_usage;
        if s.samples > 0 {
            out.push_str("server process\n");
            row(
                &mut out,
                "RSS start / peak / end",
                format!(
                    "{:.1} / {:.1} / {:.1} MiB",
                    s.rss_start_mib, s.rss_peak_mib, s.rss_end_mib
                ),
            );
            row(
                &mut out,
                "CPU average / peak",
                format!(
                    "{:.0}% / {:.0}% of one core",
                    s.cpu_avg_percent, s.cpu_peak_percent
                ),
            );
        }
        out.push_str("invariants\n");
        let inv = &self.invariants;
        // Filtered clients are owed only what their filter admits (see `expected_reports`).
        let label = if self.websocket.filter.is_empty() {
            "every client got every report"
        } else {
            "every client got every report owed"
        };
        row(
            &mut out,
            label,
            if inv.no_loss {
                "yes".into()
            } else {
                format!(
                    "NO: {} clients missing {} reports",
                    inv.clients_missing_reports, inv.reports_missing
                )
            },
        );
        if !self.websocket.filter.is_empty() {
            row(
                &mut out,
                "nothing outside the filter",
                match inv.updates_outside_filter {
                    0 => "yes".into(),
                    n => format!("NO: {n} updates it does not admit"),
                },
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_shows_what_ran() {
        let mut s = Summary {
            server: "http://127.0.0.1:1".into(),
            seconds: 10.0,
            ..Summary::default()
        };
        s.ingest.target_rate = 1000;
        s.ingest.accepted = 10_000;
        s.websocket.clients = 5;
        s.websocket.connected = 5;
        s.invariants.no_loss = true;
        assert!(!s.table().contains("filter"));
        s.websocket.filter = "tenant=lt-t0".into();
        s.websocket.expected_reports = 1_430;
        assert!(s.table().contains("tenant=lt-t0 (1430 reports)"));
        assert!(
            s.table()
                .lines()
                .any(|l| l.contains("nothing outside the filter") && l.ends_with("yes"))
        );
        s.invariants.updates_outside_filter = 3;
        assert!(s.table().contains("NO: 3 updates it does not admit"));
        s.invariants.updates_outside_filter = 0;
        let table = s.table();
        assert!(table.contains("accepted"));
        assert!(table.contains("clients connected / failed"));
        assert!(!table.contains("polling"));
        assert!(
            table
                .lines()
                .any(|l| l.contains("every client got every report") && l.ends_with("yes"))
        );
        s.invariants = Invariants {
            clients_missing_reports: 2,
            reports_missing: 7,
            no_loss: false,
            updates_outside_filter: 0,
        };
        assert!(s.table().contains("NO: 2 clients missing 7 reports"));

        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["ingest"]["accepted"], 10_000);
        assert_eq!(json["invariants"]["no_loss"], false);
        assert_eq!(json["invariants"]["reports_missing"], 7);
    }
}
