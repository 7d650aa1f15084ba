//! `window.__finops`: counters for browser tests and benchmarks, cheap enough
//! to leave on. Read them with WebDriver `execute("return window.__finops")`.
//!
//! | field | meaning |
//! |---|---|
//! | `windowCalls` | calls in the live view's window totals, as the server counted them |
//! | `windowCost` | cost in the live view's window totals, USD |
//! | `viewsApplied` | view messages applied (full ones included) |
//! | `fullViews` | of those, full views |
//! | `duplicatesSkipped` | view messages delivered again and skipped by version |
//! | `gaps` | version gaps detected (each reloaded the view in full) |
//! | `viewVersion` | version of the view held |
//! | `flushes` | buffer flushes (store applies) |
//! | `maxFlushesPerFrame` | most flushes in one animation frame (1 when the buffer works) |
//! | `maxBatch` | most view messages applied in one flush |
//! | `viewFrames` | frames published to the panels |
//! | `panelRenders` | panel component renders |
//! | `snapshots` | full views loaded over REST |
//! | `polls` | `GET /api/view` polls sent |
//! | `hiddenPolls` | of those, sent while the tab was hidden |
//! | `socketMessages` | WebSocket messages received |
//! | `socketOpens` | WebSocket connections opened |
//! | `transport` | `websocket`, `polling` or `none` |
//! | `state` | the indicator's state: `streaming`, `polling`, `retrying`, … |
//! | `visible` | whether the page was visible at the last flush |
//! | `wasmMemoryBytes` | size of the app's WebAssembly memory (it only grows) |
//!
//! Two Performance API entries help benchmarks: a `finops:first-data` mark
//! once the first frame showing the loaded data has been painted, and — only
//! when the page sets `window.__finopsMeasure = true` before the app starts —
//! `finops:decode` measures (a WebSocket message parsed and queued) and
//! `finops:flush` measures (queued updates applied and published).

use std::cell::{Cell, RefCell};

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
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static FIRST_DATA_MARKED: Cell<bool> = const { Cell::new(false) };
}

/// Reads the opt-in flag for `performance.measure` entries, once at start.
pub fn init() {
    #[cfg(target_arch = "wasm32")]
    {
        let flag = web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("__finopsMeasure")).ok())
            .is_some_and(|v| v.is_truthy());
        MEASURING.with(|m| m.set(flag));
    }
}

/// Runs `f`, recorded as the `performance.measure` entry `name` when measuring.
pub fn measured<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !MEASURING.with(Cell::get) {
        return f();
    }
    let performance = web_sys::window().and_then(|w| w.performance());
    let start = format!("{name}:start");
    if let Some(p) = &performance {
        let _ = p.mark(&start);
    }
    let out = f();
    if let Some(p) = &performance {
        let _ = p.measure_with_start_mark(name, &start);
    }
    out
}

/// Called on every published frame that shows loaded data: the first time,
/// marks `finops:first-data` once that frame has been painted (the task after
/// the next animation frame, when style, layout and paint are done).
pub fn data_shown() {
    let first = !FIRST_DATA_MARKED.with(|m| m.replace(true));
    #[cfg(target_arch = "wasm32")]
    if first {
        super::browser::on_next_frame(|| {
            gloo_timers::callback::Timeout::new(0, || {
                if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
                    let _ = p.mark("finops:first-data");
                }
            })
            .forget();
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = first;
}

pub fn count(f: impl FnOnce(&mut Counters)) {
    COUNTERS.with(|c| f(&mut c.borrow_mut()));
}

/// Called by each panel as it renders.
pub fn panel_rendered() {
    count(|c| c.panel_renders += 1);
}

/// Writes the counters and the store's accounting to `window.__finops`.
pub fn publish(
    store: &crate::logic::store::MetricStore,
    transport: &str,
    state: &str,
    visible: bool,
) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
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
        let totals = store.view.as_ref().map(|v| v.totals).unwrap_or_default();
        set("windowCalls", num(totals.total_calls));
        set("windowCost", JsValue::from_f64(totals.total_cost));
        let counts = &store.counters;
        set("viewsApplied", num(counts.views_applied));
        set("fullViews", num(counts.full_views));
        set("duplicatesSkipped", num(counts.duplicates));
        set("gaps", num(counts.gaps));
        // Versions stay far below 2^53: exact in an f64.
        set("viewVersion", num(counts.version));
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
        let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        let bytes = memory
            .buffer()
            .dyn_into::<js_sys::ArrayBuffer>()
            .map_or(0, |b| u64::from(b.byte_length()));
        set("wasmMemoryBytes", num(bytes));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (store, transport, state, visible, JsValue::NULL);
}
