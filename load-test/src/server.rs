//! Starting a backend for the run (optional) and waiting until it answers.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use protocol::HealthResponse;

/// A backend this run started; killed when dropped, and its data
/// directory (a fresh one, unless the run chose its own) removed.
pub struct SpawnedServer {
    child: Child,
    pub base: String,
    /// Its `--ingest-port`, when the run asked for one.
    pub ingest_base: Option<String>,
    data_dir: Option<std::path::PathBuf>,
}

impl SpawnedServer {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for SpawnedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.data_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Starts `binary` on a free loopback port; the simulator stays off unless
/// `extra` turns it on, so every report the clients see is ours. The server
/// keeps its data in a fresh directory (the product as it runs by default)
/// unless `extra` names one or says `--ephemeral`. With `ingest_listener`
/// it also serves ingest alone on a second free port (`--ingest-port`).
pub fn spawn(
    binary: &Path,
    extra: &[String],
    with_simulator: bool,
    ingest_listener: bool,
) -> Result<SpawnedServer, String> {
    let port = free_port()?;
    let mut command = Command::new(binary);
    command.args(["--bind", "127.0.0.1", "--port", &port.to_string()]);
    let ingest_port = ingest_listener.then(free_port).transpose()?;
    if let Some(ingest_port) = ingest_port {
        command.args(["--ingest-port", &ingest_port.to_string()]);
    }
    let chose = extra
        .iter()
        .any(|a| a == "--data-dir" || a == "--ephemeral");
    let data_dir = (!chose)
        .then(|| std::env::temp_dir().join(format!("finops-load-{}-{port}", std::process::id())));
    if let Some(dir) = &data_dir {
        command.arg("--data-dir").arg(dir);
    }
    command
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if !with_simulator {
        command.arg("--no-simulator");
    }
    let child = command
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
    Ok(SpawnedServer {
        child,
        base: format!("http://127.0.0.1:{port}"),
        ingest_base: ingest_port.map(|p| format!("http://127.0.0.1:{p}")),
        data_dir,
    })
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// Waits up to `timeout` for `/healthz`.
pub async fn wait_healthy(
    client: &reqwest::Client,
    base: &str,
    timeout: Duration,
) -> Result<HealthResponse, String> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Ok(response) = client
            .get(format!("{base}{}", protocol::paths::HEALTHZ))
            .send()
            .await
            && let Ok(health) = response.json::<HealthResponse>().await
        {
            return Ok(health);
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("{base}/healthz did not answer within {timeout:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Lets this process hold `needed` sockets (each client is one).
pub fn raise_fd_limit(needed: u64) -> Result<u64, String> {
    let (soft, hard) = rlimit::Resource::NOFILE.get().map_err(|e| e.to_string())?;
    if soft >= needed {
        return Ok(soft);
    }
    let target = needed.min(hard);
    rlimit::Resource::NOFILE
        .set(target, hard)
        .map_err(|e| format!("could not raise the open-file limit to {target}: {e}"))?;
    if target < needed {
        return Err(format!(
            "the hard open-file limit is {hard}, below the {needed} needed"
        ));
    }
    Ok(target)
}
