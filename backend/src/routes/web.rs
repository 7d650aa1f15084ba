//! The built web client at `/`: hashed assets cached for a year, everything
//! else revalidated, and unknown paths answered with `index.html` so the
//! client's own URLs survive a reload. Without a build, `/` lists the API.

use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig, web_dir: &Path) {
    let index = web_dir.join("index.html");
    if index.is_file() {
        let fallback = index.clone();
        cfg.service(
            web::scope("").wrap(from_fn(cache_headers)).service(
                Files::new("/", web_dir)
                    .index_file("index.html")
                    .default_handler(fn_service(move |req: ServiceRequest| {
                        let fallback: PathBuf = fallback.clone();
                        async move {
                            let (req, _) = req.into_parts();
                            let file = NamedFile::open_async(&fallback).await?;
                            Ok(ServiceResponse::new(req.clone(), file.into_response(&req)))
                        }
                    })),
            ),
        );
    } else {
        cfg.route("/", web::get().to(api_index));
    }
}

/// Content-hashed file names (`app-3f9c2a1b.wasm`) never change content.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _ext)) = name.rsplit_once('.') else {
        return false;
    };
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn cache_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let hashed = is_hashed_asset(req.path());
    let mut res = next.call(req).await?;
    let value = if hashed && res.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(value));
    Ok(res)
}

async fn api_index() -> HttpResponse {
    use protocol::paths::*;
    let link = |path: &str, shown: &str| format!(r#"<li><a href="{path}">GET {shown}</a></li>"#);
    let items = [
        link(METRICS, &format!("{METRICS}?cursor=|since=&amp;limit=")),
        link(
            &format!("{HISTORY}?window=1h"),
            &format!("{HISTORY}?from=&amp;to=|window="),
        ),
        link(STATS, &format!("{STATS}?window=")),
        link(ANOMALIES, ANOMALIES),
        format!("<li>POST {ANOMALIES}/{{id}}/ack | dismiss | reopen</li>"),
        format!("<li>POST {INGEST}</li>"),
        format!("<li>GET {WS} (WebSocket)</li>"),
        link(HEALTHZ, HEALTHZ),
        link(PROMETHEUS, PROMETHEUS),
        link(OPENAPI, OPENAPI),
    ];
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            r#"<!doctype html><meta charset="utf-8"><title>FinOps Live API</title>
<h1>FinOps Live API</h1>
<p>The web client is not built yet: run <code>bash web/build.sh</code> and restart.</p>
<ul>
{}
</ul>"#,
            items.join("\n")
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_hashed_assets() {
        assert!(is_hashed_asset("/app-3f9c2a1b.wasm"));
        assert!(is_hashed_asset("/assets/style-0123456789abcdef.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/app.js"));
        assert!(!is_hashed_asset("/my-app.js"));
        assert!(!is_hashed_asset("/app-zzzzzzzz.js"));
    }
}
