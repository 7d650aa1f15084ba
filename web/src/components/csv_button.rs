//! A button that downloads a CSV file built when clicked.

use dioxus::prelude::*;

use crate::services::browser;

#[component]
pub fn CsvButton(label: String, file_name: String, contents: Callback<(), String>) -> Element {
    let mut error = use_signal(|| None::<String>);
    rsx! {
        button {
            class: "btn btn-small",
            r#type: "button",
            "aria-label": "{label}",
            title: "{label}",
            onclick: move |_| {
                let text = contents.call(());
                error.set(browser::download(&file_name, "text/csv;charset=utf-8", &text).err());
            },
            "CSV"
        }
        if let Some(e) = error() {
            span { class: "inline-error", role: "alert", "Download failed: {e}" }
        }
    }
}
