//! The page's two polite live regions, out of sight: new critical anomalies
//! and budget alerts, each said once, and the connection's state, said when
//! it changes (the visible badge counts down each second and stays silent).

use std::cell::RefCell;
use std::rc::Rc;

use dioxus::prelude::*;

use crate::logic::announce::{Announced, link_words};
use crate::state::{ANOMALIES, LINK};

#[component]
pub fn Announcer() -> Element {
    let said = use_hook(|| Rc::new(RefCell::new(Announced::default())));
    let mut latest = use_signal(String::new);
    use_effect(move || {
        let book = ANOMALIES.read();
        if !book.loaded {
            return;
        }
        if let Some(text) = said.borrow_mut().news(book.all()) {
            latest.set(text);
        }
    });
    let words = use_memo(|| link_words(&LINK.read().state));
    rsx! {
        div { class: "visually-hidden",
            p { role: "status", "aria-live": "polite", "data-testid": "announce-anomaly", "{latest}" }
            p { role: "status", "aria-live": "polite", "data-testid": "announce-link", "{words}" }
        }
    }
}
