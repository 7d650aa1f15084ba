//! The sign-in form: shown when the server refuses this tab's requests for
//! want of a token (401) or of a token that may view (403).

use dioxus::prelude::*;

/// `refused_token`: a token was sent and refused (not just missing).
#[component]
pub fn SignIn(refused_token: bool, on_sign_in: EventHandler<String>) -> Element {
    let mut draft = use_signal(String::new);
    let message = if refused_token {
        "That token was not accepted, or it may not view this dashboard. \
         Ask whoever runs it for a viewer token."
    } else {
        "This dashboard needs an access token."
    };
    rsx! {
        div { class: "sign-in-backdrop",
            form {
                class: "sign-in panel",
                role: "dialog",
                "aria-modal": "true",
                "aria-labelledby": "sign-in-title",
                "aria-describedby": "sign-in-message",
                onsubmit: move |e| {
                    e.prevent_default();
                    let token = draft.peek().trim().to_string();
                    if !token.is_empty() {
                        draft.set(String::new());
                        on_sign_in.call(token);
                    }
                },
                h2 { id: "sign-in-title", "Sign in" }
                p {
                    id: "sign-in-message",
                    class: if refused_token { "sign-in-refused" } else { "" },
                    role: if refused_token { "alert" } else { "" },
                    "{message}"
                }
                label { r#for: "sign-in-token", "Access token" }
                input {
                    id: "sign-in-token",
                    name: "token",
                    r#type: "password",
                    autocomplete: "off",
                    spellcheck: "false",
                    autofocus: true,
                    required: true,
                    value: "{draft}",
                    oninput: move |e| draft.set(e.value()),
                }
                button { r#type: "submit", class: "btn btn-primary", "Sign in" }
                p { class: "sign-in-hint",
                    "Kept for this tab only. A wall display can carry it in its address: "
                    code { "?mode=wall#token=…" }
                }
            }
        }
    }
}
