//! The dashboard on a server with tokens, in headless Chromium: the page
//! asks for a token, a viewer scoped to one tenant sees only that tenant
//! (over the WebSocket, with its token in the subprotocol), and a wall
//! display takes its token from the URL fragment and drops it from the URL.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use fantoccini::Locator;
use support::{Backend, Browser, free_port, runtime, serial, wait_for_data};

const VIEWER: &str = "acme-wall-viewer-token-0123456789";
const ADMIN: &str = "admin-token-for-the-browser-test-0123";

fn tokens_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("finops-tokens-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        format!(
            "[[tokens]]\nname = \"ops\"\ntoken = \"{ADMIN}\"\nrole = \"admin\"\n\n\
             [[tokens]]\nname = \"acme-wall\"\ntoken = \"{VIEWER}\"\nrole = \"viewer\"\ntenants = [\"acme\"]\n"
        ),
    )
    .expect("tokens file written");
    path
}

/// Tenants in the top-customers table.
async fn tenants_shown(b: &Browser) -> Vec<String> {
    let cells = b
        .js("return Array.from(document.querySelectorAll('[data-panel=customers] tbody tr')).map(r => r.children[1].textContent);")
        .await;
    cells
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
#[ignore = "needs chromium; run by .ci/test"]
fn a_viewer_signs_in_and_sees_only_its_tenant() {
    let _serial = serial();
    let tokens = tokens_file();
    let backend = Backend::launch(
        free_port(),
        &[
            "--seed",
            "7",
            "--rate",
            "300",
            "--incident-every",
            "0",
            "--tokens-file",
            tokens.to_str().expect("UTF-8 path"),
        ],
    );
    runtime().block_on(async {
        let b = Browser::start().await;
        b.client.goto(&backend.url("/")).await.expect("page loads");
        b.wait_for(Duration::from_secs(20), "the sign-in form", || async {
            b.count(".sign-in #sign-in-token").await == 1
        })
        .await;
        assert_eq!(b.attr(".link", "data-state").await, "sign-in");

        // A wrong token is refused and the form says so.
        let field = b
            .client
            .find(Locator::Css("#sign-in-token"))
            .await
            .expect("token field");
        field.send_keys("not-the-token").await.expect("typed");
        b.click(".sign-in button[type=submit]").await;
        b.wait_for(Duration::from_secs(20), "the refusal", || async {
            b.count(".sign-in .sign-in-refused").await == 1
        })
        .await;

        let field = b
            .client
            .find(Locator::Css("#sign-in-token"))
            .await
            .expect("token field");
        field.send_keys(VIEWER).await.expect("typed");
        b.click(".sign-in button[type=submit]").await;
        wait_for_data(&b).await;
        assert_eq!(b.count(".sign-in").await, 0, "the form closed");
        b.wait_for(
            Duration::from_secs(20),
            "the WebSocket to stream",
            || async { b.attr(".link", "data-state").await == "streaming" },
        )
        .await;
        // Several seconds of live data: acme's customers only, and no gap.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let tenants = tenants_shown(&b).await;
        assert!(!tenants.is_empty());
        assert!(tenants.iter().all(|t| t == "acme"), "{tenants:?}");
        assert_eq!(b.counter("gaps").await, 0.0);
        let stored = b.js("return sessionStorage.getItem('finops.token');").await;
        assert_eq!(stored.as_str(), Some(format!("\"{VIEWER}\"").as_str()));

        // A wall display carries its token in the fragment, which never
        // reaches the server and is taken out of the address.
        b.js("sessionStorage.clear(); return 1;").await;
        b.client
            .goto(&backend.url(&format!("/?mode=wall#token={VIEWER}")))
            .await
            .expect("wall loads");
        wait_for_data(&b).await;
        assert_eq!(b.count(".sign-in").await, 0);
        let hash = b.js("return location.hash;").await;
        assert_eq!(hash.as_str(), Some(""), "the token left the address");
        let tenants = tenants_shown(&b).await;
        assert!(tenants.iter().all(|t| t == "acme"), "{tenants:?}");
        b.close().await;
    });
    let _ = std::fs::remove_file(tokens);
}
