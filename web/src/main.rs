//! `kipochi-web`: the Leptos client-side wallet UI, built by `cargo xtask web`.
//!
//! Screens call the core's [`kipochi_core::client::HubClient`]; they hold no business rules.

#[cfg(feature = "wallet")]
mod activate;
#[cfg(feature = "staff")]
mod admin;
#[cfg(feature = "staff")]
mod agent;
#[cfg(feature = "staff")]
mod agent_outbox;
#[cfg(any(feature = "wallet", feature = "staff"))]
mod app;
#[cfg(feature = "staff")]
mod chart;
#[cfg(any(feature = "wallet", feature = "staff"))]
mod device;
#[cfg(any(feature = "wallet", feature = "staff"))]
mod handover;
#[cfg(feature = "wallet")]
mod home;
#[cfg(any(feature = "wallet", feature = "staff"))]
mod login;
#[cfg(any(feature = "wallet", feature = "staff"))]
mod messages;
#[cfg(feature = "wallet")]
mod pay;
#[cfg(feature = "wallet")]
mod poster;
#[cfg(feature = "wallet")]
mod receive;
#[cfg(feature = "wallet")]
mod scan;
#[cfg(feature = "scanner")]
mod scan_export;

#[cfg(any(feature = "wallet", feature = "staff"))]
use app::{Ctx, Screen};
#[cfg(any(feature = "wallet", feature = "staff"))]
use leptos::prelude::*;

/// Root component: provides [`Ctx`] and shows the current screen.
#[cfg(any(feature = "wallet", feature = "staff"))]
#[component]
fn App() -> impl IntoView {
    let ctx = Ctx {
        screen: RwSignal::new(Screen::Login),
        profile: RwSignal::new(None),
    };
    provide_context(ctx);
    handover::resume(ctx);
    view! {
        <main>
            <h1 id="title">"Kipochi"</h1>
            {move || screen(ctx.screen.get())}
        </main>
    }
}

/// The view of `screen`; a screen built into the other bundle is a link to it.
#[cfg(any(feature = "wallet", feature = "staff"))]
fn screen(screen: Screen) -> AnyView {
    match screen {
        Screen::Login => login::Login().into_any(),
        #[cfg(feature = "wallet")]
        Screen::Home => home::Home().into_any(),
        #[cfg(feature = "wallet")]
        Screen::Pay => pay::PayForm().into_any(),
        #[cfg(feature = "wallet")]
        Screen::Confirm(quote) => pay::Confirm(pay::ConfirmProps { quote }).into_any(),
        #[cfg(feature = "wallet")]
        Screen::Done(payment) => pay::Done(pay::DoneProps { payment }).into_any(),
        #[cfg(feature = "wallet")]
        Screen::Receive => receive::Receive().into_any(),
        #[cfg(feature = "wallet")]
        Screen::Poster => poster::Poster().into_any(),
        #[cfg(feature = "wallet")]
        Screen::Activate => activate::Activate().into_any(),
        #[cfg(feature = "staff")]
        Screen::Agent => agent::Agent().into_any(),
        #[cfg(feature = "staff")]
        Screen::Admin => admin::Admin().into_any(),
        #[allow(unreachable_patterns)]
        other => handover::Elsewhere(handover::ElsewhereProps { screen: other }).into_any(),
    }
}

fn main() {
    console_error_panic_hook::set_once();
    // The scanner bundle alone has no UI: the wallet calls its export.
    #[cfg(any(feature = "wallet", feature = "staff"))]
    leptos::mount::mount_to_body(App);
}
