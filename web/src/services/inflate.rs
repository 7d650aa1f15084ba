//! Deflated `view` frames (`subscribeView.encoding = deflate`) back to
//! their JSON text, by the browser's own `DecompressionStream`: no
//! decoder in the bundle, and native speed.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = "export function inflateRaw(bytes) {
  const raw = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(raw).text();
}")]
extern "C" {
    /// `bytes` is copied into the Blob before this returns.
    #[wasm_bindgen(catch, js_name = inflateRaw)]
    fn inflate_raw(bytes: &[u8]) -> Result<js_sys::Promise, JsValue>;
}

/// The text `bytes` inflate to; `None` when they are not raw DEFLATE of UTF-8.
pub async fn inflate(bytes: &[u8]) -> Option<String> {
    let promise = inflate_raw(bytes).ok()?;
    JsFuture::from(promise).await.ok()?.as_string()
}
