//! One load-test run: start what was asked for, drive it, stop by itself,
//! and summarise.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio_util::sync::CancellationToken;

use crate::args::Args;
use crate::ingest::Plan;
use crate::ingest_thread;
use crate::ledger::Ledger;
use crate::proc_sampler::Sampler;
use crate::server::{self, SpawnedServer};
use crate::stats::{Counters, Percentiles, Received, latency_histogram, received};
use crate::summary::{IngestSummary, Invariants, PollSummary, Summary, ViewSummary, WsSummary};
use crate::view_check::{Agreement, PartBytes, agreement};
use crate::{poll_client, ws_client};

/// Handshakes allowed at once while opening many sockets.
const CONNECT_CONCURRENCY: usize = 256;

pub async fn run(mut args: Args) -> Result<Summary, String> {
    args.check_target()?;
    let ws_filter = args.ws_filter()?;
    let ws_view = args.ws_view.map(|window| protocol::ViewSpec {
        window,
        filter: ws_filter.clone(),
        customers: args.ws_view_customers,
    });
    let full_parse = |id: usize| (id as u64).is_multiple_of(args.full_parse_every);
    server::raise_fd_limit(args.ws_clients + args.poll_clients + 1024)?;
    let http = http_client(args.token.as_ref(), args.max_in_flight)?;

    let spawned: Option<SpawnedServer> = match &args.spawn {
        Some(binary) => Some(server::spawn(
            binary,
            &args.server_args,
            args.with_simulator,
            args.ingest_listener,
        )?),
        None => None,
    };
    if let Some(s) = &spawned {
        args.server = s.base.clone();
        args.ingest_url = args.ingest_url.take().or(s.ingest_base.clone());
    }
    let ingest_base = args.ingest_url.clone().unwrap_or(args.server.clone());
    let health = server::wait_healthy(&http, &args.server, Duration::from_secs(30)).await?;
    let pid = args.server_pid.or(spawned.as_ref().map(SpawnedServer::pid));
    let mut sampler = pid.map(Sampler::new);
    let baseline_rss = sampler
        .as_mut()
        .and_then(Sampler::sample)
        .map(|s| s.rss_kib);

    let counters = Arc::new(Counters::default());
    let stop = CancellationToken::new();
    let clients = args.ws_clients + args.poll_clients;
    let received: Received = received(clients);

    // WebSocket clients, opened a few hundred at a time.
    let mut ws_tasks = Vec::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(CONNECT_CONCURRENCY));
    for id in 0..args.ws_clients as usize {
        let permit = gate
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        let (url, counters, received, stop) = (
            args.ws_url(),
            counters.clone(),
            received.clone(),
            stop.clone(),
        );
        ws_tasks.push(tokio::spawn(ws_client::run(
            ws_client::WsClient {
                id,
                url,
                token: args.token.clone(),
                tick_ms: args.tick_ms,
                full_parse: full_parse(id),
                filter: ws_filter.clone(),
                view: ws_view.clone(),
                view_encoding: if args.ws_deflate {
                    protocol::ViewEncoding::Deflate
                } else {
                    protocol::ViewEncoding::Json
                },
                measure_parts: id == 0,
                capture: args.ws_capture.clone().filter(|_| id == 0),
            },
            counters,
            received,
            stop,
            permit,
        )));
    }
    wait_until(Duration::from_secs(60), || {
        Counters::get(&counters.ws_connected) + Counters::get(&counters.ws_connect_errors)
            >= args.ws_clients
    })
    .await;
    let connected_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    let session_kib = match (baseline_rss, sampler.as_mut().and_then(Sampler::sample)) {
        (Some(before), Some(after)) if args.ws_clients > 0 => {
            Some(after.rss_kib.saturating_sub(before) as f64 / args.ws_clients as f64)
        }
        _ => None,
    };

    // Polling clients start from the current head.
    let mut poll_tasks = Vec::new();
    let start_cursor = server::wait_healthy(&http, &args.server, Duration::from_secs(5))
        .await
        .map_or(health.cursor, |h| h.cursor);
    for i in 0..args.poll_clients as usize {
        poll_tasks.push(tokio::spawn(poll_client::run(
            poll_client::PollClient {
                id: args.ws_clients as usize + i,
                http: http.clone(),
                base: args.server.clone(),
                start_cursor,
                interval: Duration::from_millis(args.poll_interval_ms),
            },
            counters.clone(),
            received.clone(),
            stop.clone(),
        )));
    }

    // Ingest on its schedule, printing progress once a second.
    let started = Instant::now();
    let plan = Plan {
        rate: args.ingest_rate,
        batch: args.batch,
        series: args.series,
        duration: args.duration(),
        max_in_flight: args.max_in_flight,
        format: args.ingest_format,
    };
    let ledger = Arc::new(std::sync::Mutex::new(Ledger::default()));
    let (token, in_flight) = (args.token.clone(), args.max_in_flight);
    let ingest_url = format!(
        "{}{}",
        ingest_base.trim_end_matches('/'),
        args.ingest_format.path()
    );
    let ingest_task = ingest_thread::start(
        move || http_client(token.as_ref(), in_flight),
        ingest_url.clone(),
        plan,
        counters.clone(),
        ledger.clone(),
    )?;
    let mut progress = tokio::time::interval(Duration::from_secs(1));
    let mut last = (0u64, 0u64);
    while !ingest_task.is_finished() || started.elapsed() < args.duration() {
        progress.tick().await;
        let sample = sampler.as_mut().and_then(Sampler::sample);
        if !args.quiet {
            let accepted = Counters::get(&counters.accepted);
            let messages = Counters::get(&counters.ws_messages);
            eprintln!(
                "[{:>4.0}s] accepted {:>9} (+{:>7}/s)  ws msgs +{:>7}/s  connected {:>5}  rss {}",
                started.elapsed().as_secs_f64(),
                accepted,
                accepted - last.0,
                messages - last.1,
                Counters::get(&counters.ws_connected),
                sample.map_or("-".into(), |s| format!(
                    "{:.1} MiB",
                    s.rss_kib as f64 / 1024.0
                )),
            );
            last = (accepted, messages);
        }
        if started.elapsed() > args.duration() + Duration::from_secs(120) {
            break;
        }
    }
    let request_latency = ingest_task.wait().await;
    if let Some(path) = &args.ledger {
        let lines = ledger.lock().map(|l| l.lines()).unwrap_or_default();
        let text = serde_json::to_string_pretty(&lines).map_err(|e| e.to_string())?;
        std::fs::write(path, text)
            .map_err(|e| format!("could not write the ledger to {}: {e}", path.display()))?;
    }
    let ingest_seconds = started.elapsed().as_secs_f64();

    // Let every client catch up, within the drain time. A filtered
    // WebSocket client is owed only the accepted reports its filter admits
    // (from the ledger); polling clients are never filtered. A view client
    // that parses fully is owed them in its view's `totals.totalCalls`
    // (every report is one call); one that only scans versions, nothing.
    let accepted = Counters::get(&counters.accepted);
    let ws_expected = if ws_filter.is_empty() {
        accepted
    } else {
        ledger
            .lock()
            .map(|l| l.acked_reports_admitted(&ws_filter))
            .unwrap_or(accepted)
    };
    let expected = |client: usize| {
        if (client as u64) < args.ws_clients {
            if ws_view.is_some() && !full_parse(client) {
                0
            } else {
                ws_expected
            }
        } else {
            accepted
        }
    };
    let all_received = || {
        received
            .iter()
            .enumerate()
            .all(|(i, r)| r.load(Ordering::Relaxed) >= expected(i))
    };
    wait_until(Duration::from_secs(args.drain), all_received).await;
    let messages_seconds = started.elapsed().as_secs_f64();
    let _ = sampler.as_mut().and_then(Sampler::sample);
    stop.cancel();

    let connected_seconds = connected_at.elapsed().as_secs_f64();

    let mut delivery = latency_histogram();
    let mut ws_event = latency_histogram();
    let mut view_totals = Vec::new();
    let mut parts = None;
    for (id, task) in ws_tasks.into_iter().enumerate() {
        if let Ok(lat) = task.await {
            add(&mut delivery, &lat.delivery);
            add(&mut ws_event, &lat.event);
            if full_parse(id) {
                view_totals.extend(lat.view.map(|v| v.totals.unwrap_or_default()));
            }
            parts = parts.or(lat.parts);
        }
    }
    let stats = match &ws_view {
        Some(view) => fetch_stats(&http, &args.server, view).await,
        None => None,
    };
    let mut poll_event = latency_histogram();
    for task in poll_tasks {
        if let Ok(h) = task.await {
            add(&mut poll_event, &h);
        }
    }

    let missing: Vec<u64> = received
        .iter()
        .enumerate()
        .map(|(i, r)| expected(i).saturating_sub(r.load(Ordering::Relaxed)))
        .filter(|m| *m > 0)
        .collect();
    let c = &counters;
    let view = ws_view.as_ref().map(|spec| {
        view_summary(
            spec,
            c,
            &view_totals,
            stats.as_ref(),
            parts.unwrap_or_default(),
            accepted > 0,
            connected_seconds,
        )
    });
    Ok(Summary {
        server: args.server.clone(),
        seconds: messages_seconds,
        ingest: IngestSummary {
            url: ingest_url,
            format: match args.ingest_format {
                crate::args::IngestFormat::Json => "json",
                crate::args::IngestFormat::Otlp => "otlp",
            },
            target_rate: args.ingest_rate,
            batch: args.batch,
            accepted,
            accepted_per_sec: accepted as f64 / ingest_seconds.max(1e-9),
            requests: Counters::get(&c.ingest_requests),
            errors: Counters::get(&c.ingest_errors),
            schedule_misses: Counters::get(&c.schedule_misses),
            request_latency: Percentiles::of(&request_latency),
        },
        websocket: WsSummary {
            url: args.ws_url(),
            clients: args.ws_clients,
            connected: Counters::get(&c.ws_connected),
            connect_errors: Counters::get(&c.ws_connect_errors),
            tick_ms: args.tick_ms,
            messages: Counters::get(&c.ws_messages),
            messages_per_sec: Counters::get(&c.ws_messages) as f64 / messages_seconds.max(1e-9),
            bytes: Counters::get(&c.ws_bytes),
            bytes_per_sec_per_client: Counters::get(&c.ws_bytes) as f64
                / messages_seconds.max(1e-9)
                / Counters::get(&c.ws_connected).max(1) as f64,
            filter: query_text(&ws_filter),
            expected_reports: ws_expected,
            updates: Counters::get(&c.ws_updates),
            reconnects: Counters::get(&c.ws_reconnects),
            resyncs: Counters::get(&c.ws_resyncs),
            delivery_latency: Percentiles::of(&delivery),
            event_latency: Percentiles::of(&ws_event),
            server_kib_per_session: session_kib,
            view,
        },
        polling: PollSummary {
            clients: args.poll_clients,
            interval_ms: args.poll_interval_ms,
            requests: Counters::get(&c.poll_requests),
            errors: Counters::get(&c.poll_errors),
            updates: Counters::get(&c.poll_updates),
            event_latency: Percentiles::of(&poll_event),
        },
        server_usage: sampler.map(|s| s.usage()).unwrap_or_default(),
        invariants: Invariants {
            clients_missing_reports: missing.len() as u64,
            reports_missing: missing.iter().sum(),
            no_loss: missing.is_empty() && Counters::get(&c.ingest_errors) == 0,
            updates_outside_filter: Counters::get(&c.ws_outside_filter),
        },
    })
}

/// The HTTP client for ingest, polls and checks: the token on every request.
fn http_client(
    token: Option<&crate::args::Token>,
    max_in_flight: usize,
) -> Result<reqwest::Client, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(token) = token {
        let mut value = reqwest::header::HeaderValue::from_str(&token.header())
            .map_err(|_| "--token has characters a header cannot carry".to_string())?;
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder()
        .pool_max_idle_per_host(max_in_flight.max(8))
        .default_headers(headers)
        .build()
        .map_err(|e| e.to_string())
}

/// `GET /api/stats` for the view's window and filter; `None` if it fails.
async fn fetch_stats(
    http: &reqwest::Client,
    base: &str,
    view: &protocol::ViewSpec,
) -> Option<protocol::StatsResponse> {
    let mut pairs = vec![("window", view.window.as_str())];
    pairs.extend(view.filter.to_pairs());
    let url = format!(
        "{base}{}",
        protocol::paths::query(protocol::paths::STATS, &pairs)
    );
    let response = http.get(url).send().await.ok()?.error_for_status().ok()?;
    response.json().await.ok()
}

/// What the view clients received, and how their final totals compare
/// with the stats for the same window.
fn view_summary(
    spec: &protocol::ViewSpec,
    c: &Counters,
    totals: &[protocol::Metrics],
    stats: Option<&protocol::StatsResponse>,
    (full_message, changes): (PartBytes, PartBytes),
    ingested: bool,
    connected_seconds: f64,
) -> ViewSummary {
    let agreements: Vec<Agreement> = stats
        .map(|s| totals.iter().map(|t| agreement(t, &s.totals)).collect())
        .unwrap_or_default();
    let calls = totals.iter().map(|t| t.total_calls);
    let connected = Counters::get(&c.ws_connected).max(1) as f64;
    let full_bytes = Counters::get(&c.ws_view_full_bytes);
    let checked = !totals.is_empty() && stats.is_some();
    ViewSummary {
        window: spec.window.as_str().to_string(),
        customers: spec.customers,
        fulls: Counters::get(&c.ws_view_fulls),
        full_bytes,
        deltas: Counters::get(&c.ws_view_deltas),
        version_gaps: Counters::get(&c.ws_view_gaps),
        delta_bytes_per_sec_per_client: Counters::get(&c.ws_bytes).saturating_sub(full_bytes)
            as f64
            / connected_seconds.max(1e-9)
            / connected,
        connected_seconds,
        clients_checked: totals.len() as u64,
        view_calls_min: calls.clone().min().unwrap_or(0),
        view_calls_max: calls.max().unwrap_or(0),
        stats_calls: stats.map(|s| s.totals.total_calls),
        stats_cost: stats.map(|s| s.totals.total_cost),
        max_calls_diff: agreements.iter().map(|a| a.calls_diff).max().unwrap_or(0),
        max_cost_diff: agreements.iter().map(|a| a.cost_diff).fold(0.0, f64::max),
        totals_exact: checked && agreements.iter().all(|a| a.exact),
        totals_agree: checked
            && agreements.iter().all(|a| a.within_tolerance)
            && (!ingested || totals.iter().all(|t| t.total_calls > 0)),
        full_message,
        changes,
    }
}

/// The filter as its query string (`tenant=lt-t0&model=o1`), empty when none.
fn query_text(filter: &protocol::Filter) -> String {
    filter
        .to_pairs()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn add(into: &mut Histogram<u64>, from: &Histogram<u64>) {
    let _ = into.add(from);
}

async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
