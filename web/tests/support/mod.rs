//! The browser-test harness shared by `browser.rs`, `browser_load.rs` and
//! `browser_bench.rs`: the real backend as a child process, chromedriver with
//! a fresh headless Chromium, WebDriver and DevTools-protocol helpers, and
//! the load tools in `load.rs`, stores a restarted server finds in `stores.rs`.
//!
//! Every wait is bounded, and `Drop` stops each process a test started, also
//! when the test fails.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod load;
pub mod stores;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// One browser test at a time: each runs a backend and a Chromium, and the machine has two cores.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("web/ has a parent")
        .to_path_buf()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The backend binary, built once per test run (debug, as `cargo test` builds it).
pub fn backend_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| build_backend(false)).clone()
}

/// The optimised backend binary, for benchmarks: a debug server would be the bottleneck.
pub fn release_backend_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| build_backend(true)).clone()
}

fn build_backend(release: bool) -> PathBuf {
    let build = escargot::CargoBuild::new()
        .manifest_path(workspace_root().join("Cargo.toml"))
        .package("backend")
        .bin("backend");
    let build = if release { build.release() } else { build };
    build
        .run()
        .unwrap_or_else(|e| panic!("could not build the backend binary with cargo: {e}"))
        .path()
        .to_path_buf()
}

/// The real backend as a child process on a loopback port.
pub struct Backend {
    child: Child,
    pub port: u16,
}

impl Backend {
    /// The backend with the simulator the UI tests use (seeded, 200 reports/s, frequent incidents).
    pub fn start_on(port: u16) -> Backend {
        Backend::launch(
            port,
            &["--seed", "7", "--rate", "200", "--incident-every", "30"],
        )
    }

    /// The backend on `port` with these extra arguments (e.g. `--no-simulator`).
    pub fn launch(port: u16, args: &[&str]) -> Backend {
        Backend::launch_binary(&backend_binary(), port, args)
    }

    /// The same with a given binary (see [`release_backend_binary`]).
    pub fn launch_binary(binary: &Path, port: u16, args: &[&str]) -> Backend {
        let dist = workspace_root().join("web/dist");
        assert!(
            dist.join("index.html").exists(),
            "web/dist is not built: run `bash web/build.sh` before the browser tests"
        );
        let mut command = Command::new(binary);
        command
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .arg("--web-dir")
            .arg(&dist);
        // Memory only unless the test gives the server a data directory.
        if !args.contains(&"--data-dir") {
            command.arg("--ephemeral");
        }
        let child = command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start the backend: {e}"));
        let backend = Backend { child, port };
        wait_until(
            Duration::from_secs(30),
            "the backend to answer /healthz",
            || http_get(port, "/healthz").is_some(),
        );
        backend
    }

    pub fn start() -> Backend {
        Backend::start_on(free_port())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A blocking GET on loopback; `None` when the server does not answer 200.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let url = format!("http://127.0.0.1:{port}{path}");
    send_blocking(move |client| client.get(url).timeout(Duration::from_secs(5)))
}

/// A blocking JSON POST on loopback; `None` when the server does not answer 200.
pub fn http_post_json(port: u16, path: &str, body: String) -> Option<String> {
    let url = format!("http://127.0.0.1:{port}{path}");
    send_blocking(move |client| {
        client
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .timeout(Duration::from_secs(10))
    })
}

/// A blocking JSON PUT on loopback; `None` when the server does not answer 2xx.
pub fn http_put_json(port: u16, path: &str, body: String) -> Option<String> {
    let url = format!("http://127.0.0.1:{port}{path}");
    send_blocking(move |client| {
        client
            .put(url)
            .header("content-type", "application/json")
            .body(body)
            .timeout(Duration::from_secs(10))
    })
}

/// Sends a request and returns the body of a 2xx answer. Its own thread and
/// runtime, so it also works from inside the tests' async blocks.
fn send_blocking(
    request: impl FnOnce(reqwest::Client) -> reqwest::RequestBuilder + Send + 'static,
) -> Option<String> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        rt.block_on(async {
            let response = request(reqwest::Client::new()).send().await.ok()?;
            if !response.status().is_success() {
                return None;
            }
            response.text().await.ok()
        })
    })
    .join()
    .ok()
    .flatten()
}

pub fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// chromedriver on a free port, with a fresh Chromium profile.
pub struct Browser {
    driver: Child,
    pub client: Client,
    profile: PathBuf,
}

pub const CHROMIUM_FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1440,1000",
];

impl Browser {
    pub async fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start chromedriver (is it installed?): {e}"));
        let profile = chromium_profile(port);
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let binary = chromium_binary();
        let caps = json!({"goog:chromeOptions": {"binary": binary, "args": args}});
        let caps = caps.as_object().cloned().unwrap_or_default();
        let start = Instant::now();
        let client = loop {
            let attempt = ClientBuilder::rustls()
                .expect("TLS roots for the WebDriver client")
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match attempt {
                Ok(client) => break client,
                Err(e) if start.elapsed() > Duration::from_secs(30) => {
                    panic!("could not open a Chromium session through chromedriver: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Browser {
            driver,
            client,
            profile,
        }
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {script}: {e}"))
    }

    /// A counter from `window.__finops` (0 before the app has published any).
    pub async fn counter(&self, name: &str) -> f64 {
        self.js(&format!(
            "return (window.__finops && window.__finops.{name}) || 0;"
        ))
        .await
        .as_f64()
        .unwrap_or(0.0)
    }

    pub async fn text(&self, css: &str) -> String {
        self.js(&format!(
            "const e = document.querySelector({css:?}); return e ? e.innerText : '';"
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    pub async fn attr(&self, css: &str, attr: &str) -> String {
        self.js(&format!(
            "const e = document.querySelector({css:?}); return e ? (e.getAttribute({attr:?}) || '') : '';"
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    pub async fn count(&self, css: &str) -> u64 {
        self.js(&format!(
            "return document.querySelectorAll({css:?}).length;"
        ))
        .await
        .as_u64()
        .unwrap_or(0)
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click {css}: {e}"));
    }

    /// Polls `check` every 200 ms until it holds, for at most `limit`.
    pub async fn wait_for<F, Fut>(&self, limit: Duration, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let start = Instant::now();
        while !check().await {
            if start.elapsed() > limit {
                let state = self.js("return JSON.stringify(window.__finops || null) + ' | ' + document.body.innerText.slice(0, 600);").await;
                panic!("timed out after {limit:?} waiting for {what}; page: {state}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Chrome DevTools Protocol through chromedriver's `goog/cdp/execute`.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp {
                cmd: cmd.to_string(),
                params,
            })
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd} failed: {e}"))
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Saves a screenshot as `<name>.png` in `$FINOPS_SCREENSHOTS` when that
    /// is set (to look at states a test reaches, such as an outage).
    #[allow(dead_code)] // not every browser test takes one
    pub async fn screenshot(&self, name: &str) {
        if let Ok(dir) = std::env::var("FINOPS_SCREENSHOTS")
            && let Ok(png) = self.client.screenshot().await
        {
            let _ = std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png);
        }
    }
}

impl Drop for Browser {
    /// Also runs when a test fails: stops chromedriver and the Chromium
    /// processes of this test's own profile (found by their command line).
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        stop_chromium(&self.profile);
    }
}

/// The Chromium binary the tests drive.
pub fn chromium_binary() -> &'static str {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("Chromium is not installed at /usr/bin/chromium")
}

/// A fresh profile directory for one Chromium, unique to this test process.
pub fn chromium_profile(port: u16) -> PathBuf {
    std::env::temp_dir().join(format!("finops-chromium-{port}-{}", std::process::id()))
}

/// Stops the Chromium processes of one profile (found by their command line) and removes it.
pub fn stop_chromium(profile: &Path) {
    let marker = format!("--user-data-dir={}", profile.display());
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&marker) {
                let _ = Command::new("kill").arg(entry.file_name()).status();
            }
        }
    }
    let _ = std::fs::remove_dir_all(profile);
}

#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Every panel is on the page and shows data.
pub async fn wait_for_data(b: &Browser) {
    b.wait_for(
        Duration::from_secs(45),
        "all five panels with data",
        || async {
            b.count("[data-panel=gauge] [data-testid=spend-rate]").await == 1
                && b.count("[data-panel=tokens] rect.bar").await >= 1
                && b.count("[data-panel=models] .legend li").await >= 1
                && b.count("[data-panel=customers] tbody tr").await >= 1
                && b.count("[data-panel=anomalies]").await == 1
                && b.counter("windowCalls").await > 0.0
        },
    )
    .await;
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
