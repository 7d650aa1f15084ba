//! `cargo run --release -p load-test -- --help`

mod args;
mod ingest;
mod ingest_thread;
mod ledger;
mod otlp_body;
mod poll_client;
mod proc_sampler;
mod reports;
mod run;
mod scan;
mod server;
mod stats;
mod summary;
mod view_check;
mod ws_client;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let args = args::Args::parse();
    let expect_no_loss = args.expect_no_loss;
    let json_path = args.json.clone();
    let summary = match run::run(args).await {
        Ok(summary) => summary,
        Err(message) => {
            eprintln!("load-test: {message}");
            return ExitCode::from(2);
        }
    };
    println!("{}", summary.table());
    if let Some(path) = json_path {
        let written = serde_json::to_string_pretty(&summary)
            .map_err(|e| e.to_string())
            .and_then(|json| std::fs::write(&path, json).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("load-test: could not write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if let Some(view) = summary.websocket.view.as_ref().filter(|_| expect_no_loss) {
        if view.version_gaps > 0 {
            eprintln!(
                "load-test: invariant failed: {} view versions skipped",
                view.version_gaps
            );
            return ExitCode::FAILURE;
        }
        if !summary.invariants.no_loss || !view.totals_agree {
            eprintln!(
                "load-test: invariant failed: the views' totals did not count every accepted report, \
                 or disagree with /api/stats"
            );
            return ExitCode::FAILURE;
        }
        return ExitCode::SUCCESS;
    }
    if expect_no_loss && !summary.invariants.no_loss {
        eprintln!("load-test: invariant failed: not every client received every accepted report");
        return ExitCode::FAILURE;
    }
    if expect_no_loss && summary.invariants.updates_outside_filter > 0 {
        eprintln!(
            "load-test: invariant failed: filtered clients got updates their filter does not admit"
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
