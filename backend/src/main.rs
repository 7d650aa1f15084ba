//! Runs the FinOps dashboard server: `cargo run --release -p backend -- --help`.

use std::process::ExitCode;
use std::time::Duration;

use backend::config::Config;
use backend::healthcheck;
use backend::startup::Application;
use backend::telemetry::init_tracing;
use clap::Parser;

#[actix_web::main]
async fn main() -> std::io::Result<ExitCode> {
    let config = Config::parse();
    if config.healthcheck {
        let target = healthcheck::target(config.bind, config.port);
        return Ok(match healthcheck::check(target, Duration::from_secs(3)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("{message}");
                ExitCode::FAILURE
            }
        });
    }
    init_tracing();
    let (bind, web_dir) = (config.bind, config.web_dir.clone());
    let app = Application::build(config).await?;
    tracing::info!(
        "FinOps dashboard on http://{bind}:{} (web client from {})",
        app.port(),
        web_dir.display()
    );
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}
