//! The end-of-run summary: a table for people, JSON for tools.

use serde::Serialize;

use crate::proc_sampler::ServerUsage;
use crate::stats::Percentiles;
use crate::view_check::PartBytes;

/// A run whose WebSocket clients watched a server-side view (`--ws-view`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ViewSummary {
    /// The view's window (`5m`), its filter being `WsSummary::filter`.
    pub window: String,
    pub customers: Option<u32>,
    /// Full `view` messages received, over all clients (one each, more after rejoins).
    pub fulls: u64,
    pub full_bytes: u64,
    /// Change messages received, over all clients.
    pub deltas: u64,
    /// Changes whose version was not the one after the last (each a missed change).
    pub version_gaps: u64,
    /// Bytes per second per client without the full messages, over the time
    /// since every client connected (warm-up, ingest and drain).
    pub delta_bytes_per_sec_per_client: f64,
    /// Seconds since every client connected: the time base of the change figures.
    pub connected_seconds: f64,
    /// Clients whose final totals were checked (the fully parsing ones).
    pub clients_checked: u64,
    /// Their final `totals.totalCalls`, least and most.
    pub view_calls_min: u64,
    pub view_calls_max: u64,
    /// `GET /api/stats` for the same window and filter, fetched just after.
    pub stats_calls: Option<u64>,
    pub stats_cost: Option<f64>,
    pub max_calls_diff: u64,
    pub max_cost_diff: f64,
    /// Every checked client's totals equal the stats' (calls, and cost to the view's rounding).
    pub totals_exact: bool,
    /// Every checked client's totals are within 1 % of the stats', and not
    /// empty if anything was accepted.
    pub totals_agree: bool,
    /// One client's full messages, and its changes, by part.
    pub full_message: PartBytes,
    pub changes: PartBytes,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    /// Where the batches went (the server, or its ingest port).
    pub url: String,
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
    /// Where the dashboard clients connected.
    pub url: String,
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
    /// With `--ws-view`: what the view clients received and checked.
    pub view: Option<ViewSummary>,
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
            row(&mut out, "sent to", i.url.clone());
            row(&mut out, "request latency", pct(&i.request_latency));
        }
        let w = &self.websocket;
        if w.clients > 0 {
            out.push_str("websocket\n");
            row(&mut out, "url", w.url.clone());
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
            if let Some(v) = &w.view {
                view_rows(&mut out, v);
            } else {
                row(&mut out, "updates delivered", w.updates.to_string());
            }
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
        let label = match (&self.websocket.view, self.websocket.filter.is_empty()) {
            (Some(_), _) => "every view counted every report",
            (None, true) => "every client got every report",
            (None, false) => "every client got every report owed",
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
        if let Some(v) = &self.websocket.view {
            row(
                &mut out,
                "view versions one by one",
                match v.version_gaps {
                    0 => "yes".into(),
                    n => format!("NO: {n} gaps"),
                },
            );
            row(
                &mut out,
                "view totals agree with /api/stats",
                match (v.totals_agree, v.totals_exact) {
                    (true, true) => "yes (exactly)".into(),
                    (true, false) => format!(
                        "yes (within 1 %: calls ±{}, cost ±{:.6} USD)",
                        v.max_calls_diff, v.max_cost_diff
                    ),
                    (false, _) => format!(
                        "NO: calls ±{}, cost ±{:.6} USD",
                        v.max_calls_diff, v.max_cost_diff
                    ),
                },
            );
        } else if !self.websocket.filter.is_empty() {
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

fn view_rows(out: &mut String, v: &ViewSummary) {
    row(
        out,
        "view",
        format!(
            "window {}, {} customers",
            v.window,
            v.customers.map_or("default".into(), |c| c.to_string())
        ),
    );
    row(
        out,
        "view messages full / changes",
        format!(
            "{} ({:.1} KiB) / {}",
            v.fulls,
            v.full_bytes as f64 / 1024.0,
            v.deltas
        ),
    );
    row(
        out,
        "change bytes per client",
        format!(
            "{:.0} B/s (without the full message)",
            v.delta_bytes_per_sec_per_client
        ),
    );
    let parts = |p: &PartBytes, per: f64, unit: &str| {
        format!(
            "{:.0}{unit}: buckets {:.0} ({:.1} a message) · totals {:.0} · byModel {:.0} · byTenant {:.0} · \
             topCustomers {:.0} · spend rate {:.0} · envelope {:.0}",
            p.total as f64 / per,
            p.buckets as f64 / per,
            p.bucket_count as f64 / p.messages.max(1) as f64,
            p.totals as f64 / per,
            p.by_model as f64 / per,
            p.by_tenant as f64 / per,
            p.top_customers as f64 / per,
            p.spend_rate as f64 / per,
            p.envelope as f64 / per,
        )
    };
    if v.full_message.messages > 0 {
        row(
            out,
            "full message (one client)",
            parts(&v.full_message, v.full_message.messages as f64, " B"),
        );
    }
    if v.changes.messages > 0 {
        row(
            out,
            "changes (one client)",
            parts(&v.changes, v.connected_seconds.max(1e-9), " B/s"),
        );
    }
    row(
        out,
        "view totals (checked clients)",
        format!(
            "{} clients: totalCalls {}–{}; /api/stats {}",
            v.clients_checked,
            v.view_calls_min,
            v.view_calls_max,
            match (v.stats_calls, v.stats_cost) {
                (Some(c), Some(cost)) => format!("{c} calls, {cost:.6} USD"),
                _ => "not fetched".into(),
            }
        ),
    );
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

        assert!(!s.table().contains("view versions"));
        s.websocket.view = Some(ViewSummary {
            window: "5m".into(),
            fulls: 5,
            deltas: 400,
            version_gaps: 2,
            clients_checked: 1,
            view_calls_min: 10_000,
            view_calls_max: 10_000,
            stats_calls: Some(10_000),
            stats_cost: Some(1.5),
            totals_agree: true,
            totals_exact: true,
            ..ViewSummary::default()
        });
        let table = s.table();
        assert!(table.contains("NO: 2 gaps"), "{table}");
        assert!(table.contains("every view counted every report"), "{table}");
        assert!(table.contains("yes (exactly)"), "{table}");
        assert!(
            table.contains("/api/stats 10000 calls, 1.500000 USD"),
            "{table}"
        );
        assert!(!table.contains("updates delivered"), "{table}");
        s.websocket.view = None;

        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["ingest"]["accepted"], 10_000);
        assert_eq!(json["invariants"]["no_loss"], false);
        assert_eq!(json["invariants"]["reports_missing"], 7);
    }
}
