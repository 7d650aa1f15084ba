//! Small wrappers over browser APIs. Each returns a safe default when the
//! API is missing, so nothing here can panic on what the page cannot control.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// Page Visibility API: false while the tab is in the background.
pub fn is_visible() -> bool {
    document().is_none_or(|d| d.visibility_state() != web_sys::VisibilityState::Hidden)
}

/// `navigator.onLine`: false when the browser knows it has no network.
pub fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// The query string of the page URL (`?…` or empty).
pub fn location_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Takes `name=value` out of the URL fragment (`#token=…&…`), leaving the
/// rest of the fragment, without a reload or a history entry. The fragment
/// never travels in a request line, which is why a wall display's token
/// goes there; taking it out keeps it off screen and out of bookmarks.
pub fn take_fragment_param(name: &str) -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let hash = location.hash().ok()?;
    let fragment = hash.strip_prefix('#')?;
    let mut found = None;
    let rest: Vec<&str> = fragment
        .split('&')
        .filter(|part| match part.split_once('=') {
            Some((key, value)) if key == name => {
                found = js_sys::decode_uri_component(value)
                    .ok()
                    .map(String::from)
                    .filter(|v| !v.is_empty());
                false
            }
            _ => !part.is_empty(),
        })
        .collect();
    found.as_ref()?;
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let search = location.search().unwrap_or_default();
    let hash = if rest.is_empty() {
        String::new()
    } else {
        format!("#{}", rest.join("&"))
    };
    if let Ok(history) = window.history() {
        let url = format!("{path}{search}{hash}");
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
    found
}

/// Puts `query` in the URL without a reload: as a new history entry when
/// `push` (a drill-down that Back undoes), else in place of the current one.
pub fn set_query(query: &str, push: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let path = window.location().pathname().unwrap_or_else(|_| "/".into());
    let url = format!("{path}{query}");
    if window.location().search().unwrap_or_default() == query {
        return;
    }
    if let Ok(history) = window.history() {
        let state = &wasm_bindgen::JsValue::NULL;
        let _ = if push {
            history.push_state_with_url(state, "", Some(&url))
        } else {
            history.replace_state_with_url(state, "", Some(&url))
        };
    }
}

/// Whether the system asks for dark colours (`prefers-color-scheme: dark`);
/// false where there is no browser (component tests).
pub fn prefers_dark() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
            .is_some_and(|m| m.matches())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        false
    }
}

/// Sets `data-theme` on `<html>` (the stylesheet's theme switch), or takes it
/// off so the system's preference is followed.
pub fn set_root_theme(theme: Option<&str>) {
    let Some(root) = document().and_then(|d| d.document_element()) else {
        return;
    };
    let _ = match theme {
        Some(theme) if root.get_attribute("data-theme").as_deref() != Some(theme) => {
            root.set_attribute("data-theme", theme)
        }
        Some(_) => Ok(()),
        None => root.remove_attribute("data-theme"),
    };
}

pub fn set_title(title: &str) {
    if let Some(d) = document()
        && d.title() != title
    {
        d.set_title(title);
    }
}

/// Runs `f` once on the next animation frame.
pub fn on_next_frame(f: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let closure = Closure::once_into_js(f);
    let _ = window.request_animation_frame(closure.unchecked_ref());
}

/// Moves keyboard focus to the element `selector` names once the page has
/// re-rendered (two frames: the change lands in the first).
pub fn focus_after_render(selector: String) {
    on_next_frame(move || {
        on_next_frame(move || {
            let element = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(&selector).ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(element) = element {
                let _ = element.focus();
            }
        })
    });
}

/// A random number in [0, 1) for backoff jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// `ws://` or `wss://` URL of the stream on the page's own host.
pub fn socket_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{scheme}://{}{}",
        location.host().ok()?,
        protocol::paths::WS
    ))
}

/// Offers `text` as a file download.
pub fn download(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser refused to build the file".to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser refused to offer the file".to_string())?;
    let anchor = document()
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        .ok_or("no document to download from")?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}
