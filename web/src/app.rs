//! The app shell: which screen is shown, the logged-in profile, and the one hub client.

use std::cell::OnceCell;

use kipochi_core::api::{Payment, Profile, Quote};
use kipochi_core::client::{ClientConfig, ClientError, HubClient};
use leptos::prelude::*;

/// The screens of the wallet.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(all(feature = "wallet", feature = "staff")), allow(dead_code))]
pub enum Screen {
    /// Phone + PIN.
    Login,
    /// Balance and history.
    Home,
    /// Who and how much to pay.
    Pay,
    /// The hub's quote, to approve with the PIN.
    Confirm(Quote),
    /// The payment as the hub booked (or refused) it.
    Done(Payment),
    /// A merchant's dynamic QR for one sale.
    Receive,
    /// A merchant's printable static till QR.
    Poster,
    /// First PIN with the activation code an agent handed over.
    Activate,
    /// An agent's onboarding form, outbox and onboarded customers.
    Agent,
    /// The back office: payment search, timeline, charts.
    Admin,
}

impl Screen {
    /// The first screen after login for `role`.
    pub fn start_for(role: kipochi_core::api::Role) -> Screen {
        use kipochi_core::api::Role;
        match role {
            Role::Merchant => Screen::Receive,
            Role::Agent => Screen::Agent,
            Role::Admin => Screen::Admin,
            Role::Customer => Screen::Home,
        }
    }
}

/// App-wide state, shared through Leptos context.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// The screen on show.
    pub screen: RwSignal<Screen>,
    /// The logged-in user, if any.
    pub profile: RwSignal<Option<Profile>>,
}

impl Ctx {
    /// The context provided by [`crate::App`].
    pub fn get() -> Ctx {
        expect_context::<Ctx>()
    }

    /// Forgets the session and goes back to the login screen.
    pub fn logout(self) {
        if let Ok(hub) = hub() {
            leptos::task::spawn_local(async move {
                // Ending the session at the hub is best effort; the token is dropped either way.
                let _ = hub.logout().await;
                hub.set_token(None);
            });
        }
        self.profile.set(None);
        self.screen.set(Screen::Login);
    }
}

thread_local! {
    static HUB: OnceCell<Result<HubClient, ClientError>> = const { OnceCell::new() };
}

/// The client of the hub that served this page (same origin).
pub fn hub() -> Result<HubClient, ClientError> {
    HUB.with(|cell| {
        cell.get_or_init(|| {
            let origin = web_sys::window()
                .and_then(|w| w.location().origin().ok())
                .ok_or_else(|| ClientError::InvalidInput("no page origin".into()))?;
            HubClient::new(ClientConfig::new(origin))
        })
        .clone()
    })
}

/// Now, Unix milliseconds (the browser clock; only for countdowns).
pub fn now_ms() -> i64 {
    // Date.now() is an integral number of ms; the cast only drops the f64 wrapper.
    js_sys::Date::now() as i64
}
