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
    if config.generate_token {
        let token = backend::auth::tokens::generate();
        println!("token  = \"{}\"", token.expose());
        println!(
            "sha256 = \"{}\"",
            backend::auth::tokens::sha256_hex(token.expose())
        );
        println!("# Put one of the two lines in the tokens file; give the token to its user.");
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dest) = &config.backup_to {
        let Some(dir) = config.storage.dir() else {
            eprintln!("--backup-to needs a --data-dir (this server keeps nothing on disk)");
            return Ok(ExitCode::FAILURE);
        };
        return Ok(match backend::storage::SqliteStorage::backup(dir, dest) {
            Ok(()) => {
                println!("backed up {} to {}", dir.display(), dest.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        });
    }
    if config.healthcheck {
        let target = healthcheck::target(config.server.bind, config.server.port);
        return Ok(match healthcheck::check(target, Duration::from_secs(3)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("{message}");
                ExitCode::FAILURE
            }
        });
    }
    init_tracing();
    let (bind, web_dir) = (config.server.bind, config.server.web_dir.clone());
    let app = Application::build(config).await?;
    tracing::info!(
        "FinOps dashboard on http://{bind}:{} (web client from {})",
        app.port(),
        web_dir.display()
    );
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}
