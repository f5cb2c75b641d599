//! `kipochi-web`: the Leptos client-side wallet UI, built by `cargo xtask web`.

use leptos::prelude::*;

/// Root component. The screens arrive with the web issue; this shell shows the product name
/// and the core's build so the bundle pipeline (wasm-bindgen + wasm-opt + serving) is exercised.
#[component]
fn App() -> impl IntoView {
    view! {
        <main>
            <h1 id="title">"Kipochi"</h1>
            <p id="status">"Web wallet: the customer, merchant and agent screens are being built."</p>
        </main>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
