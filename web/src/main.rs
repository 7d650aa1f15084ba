fn main() {
    #[cfg(target_arch = "wasm32")]
    dioxus::launch(web::app::App);
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("The web client runs in a browser: build it with `bash web/build.sh`.");
}
