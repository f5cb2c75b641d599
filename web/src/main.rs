//! `kipochi-web`: the Leptos client-side wallet UI, built by `cargo xtask web`.
//!
//! Screens call the core's [`kipochi_core::client::HubClient`]; they hold no business rules.

mod app;
mod device;
mod home;
mod login;
mod messages;
mod pay;
mod receive;

use app::{Ctx, Screen};
use leptos::prelude::*;

/// Root component: provides [`Ctx`] and shows the current screen.
#[component]
fn App() -> impl IntoView {
    let ctx = Ctx {
        screen: RwSignal::new(Screen::Login),
        profile: RwSignal::new(None),
    };
    provide_context(ctx);
    view! {
        <main>
            <h1 id="title">"Kipochi"</h1>
            {move || match ctx.screen.get() {
                Screen::Login => login::Login().into_any(),
                Screen::Home => home::Home().into_any(),
                Screen::Pay => pay::PayForm().into_any(),
                Screen::Confirm(quote) => pay::Confirm(pay::ConfirmProps { quote }).into_any(),
                Screen::Done(payment) => pay::Done(pay::DoneProps { payment }).into_any(),
                Screen::Receive => receive::Receive().into_any(),
            }}
        </main>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
