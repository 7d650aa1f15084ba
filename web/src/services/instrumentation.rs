//! `window.__finops`: counters for browser tests and benchmarks, cheap enough
//! to leave on. Read them with WebDriver `execute("return window.__finops")`.
//!
//! | field | meaning |
//! |---|---|
//! | `samplesApplied` | raw reports folded into the updates applied (each `seq` counted once) |
//! | `updatesApplied` | distinct updates applied |
//! | `duplicatesSkipped` | updates delivered again and skipped by `seq` |
//! | `gaps` | gaps detected (each reloaded a snapshot) |
//! | `lastSeq` | highest `seq` applied |
//! | `flushes` | buffer flushes (store applies) |
//! | `maxFlushesPerFrame` | most flushes in one animation frame (1 when the buffer works) |
//! | `maxBatch` | most updates applied in one flush |
//! | `viewFrames` | frames published to the panels |
//! | `panelRenders` | panel component renders |
//! | `snapshots` | history snapshots loaded |
//! | `polls` | `GET /api/metrics` requests sent |
//! | `hiddenPolls` | of those, sent while the tab was hidden |
//! | `socketMessages` | WebSocket messages received |
//! | `socketOpens` | WebSocket connections opened |
//! | `transport` | `websocket`, `polling` or `none` |
//! | `state` | the indicator's state: `streaming`, `polling`, `retrying`, … |
//! | `visible` | whether the page was visible at the last flush |

use std::cell::RefCell;

use wasm_bindgen::JsValue;

#[derive(Debug, Default, Clone)]
pub struct Counters {
    pub flushes: u64,
    pub max_flushes_per_frame: u64,
    pub max_batch: u64,
    pub view_frames: u64,
    pub panel_renders: u64,
    pub snapshots: u64,
    pub polls: u64,
    pub hidden_polls: u64,
    pub socket_messages: u64,
    pub socket_opens: u64,
}

thread_local! {
    pub static COUNTERS: RefCell<Counters> = RefCell::new(Counters::default());
}

pub fn count(f: impl FnOnce(&mut Counters)) {
    COUNTERS.with(|c| f(&mut c.borrow_mut()));
}

/// Called by each panel as it renders.
pub fn panel_rendered() {
    count(|c| c.panel_renders += 1);
}

/// Writes the counters and the store's accounting to `window.__finops`.
pub fn publish(store: &crate::logic::store::Counters, transport: &str, state: &str, visible: bool) {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(window) = web_sys::window() else {
            return;
        };
        let object = js_sys::Reflect::get(&window, &JsValue::from_str("__finops"))
            .ok()
            .filter(|v| v.is_object())
            .unwrap_or_else(|| {
                let o = js_sys::Object::new().into();
                let _ = js_sys::Reflect::set(&window, &JsValue::from_str("__finops"), &o);
                o
            });
        let c = COUNTERS.with(|c| c.borrow().clone());
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&object, &JsValue::from_str(k), &v);
        };
        let num = |v: u64| JsValue::from_f64(v as f64);
        set("samplesApplied", num(store.samples_applied));
        set("updatesApplied", num(store.updates_applied));
        set("duplicatesSkipped", num(store.duplicates));
        set("gaps", num(store.gaps));
        // seq values are microsecond timestamps: exact in an f64 for centuries.
        set("lastSeq", num(store.last_seq));
        set("flushes", num(c.flushes));
        set("maxFlushesPerFrame", num(c.max_flushes_per_frame));
        set("maxBatch", num(c.max_batch));
        set("viewFrames", num(c.view_frames));
        set("panelRenders", num(c.panel_renders));
        set("snapshots", num(c.snapshots));
        set("polls", num(c.polls));
        set("hiddenPolls", num(c.hidden_polls));
        set("socketMessages", num(c.socket_messages));
        set("socketOpens", num(c.socket_opens));
        set("transport", JsValue::from_str(transport));
        set("state", JsValue::from_str(state));
        set("visible", JsValue::from_bool(visible));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (store, transport, state, visible, JsValue::NULL);
}
