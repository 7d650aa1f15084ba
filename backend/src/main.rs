//! Runs the FinOps dashboard server: `cargo run --release -p backend -- --help`.

use backend::config::Config;
use backend::startup::Application;
use backend::telemetry::init_tracing;
use clap::Parser;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let config = Config::parse();
    init_tracing();
    let (bind, web_dir) = (config.bind, config.web_dir.clone());
    let app = Application::build(config).await?;
    tracing::info!(
        "FinOps dashboard on http://{bind}:{} (web client from {})",
        app.port(),
        web_dir.display()
    );
    app.run_until_stopped().await
}
