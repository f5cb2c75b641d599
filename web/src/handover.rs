//! Two bundles, one session: the wallet (`index.html`: customers, merchants) and the staff app
//! (`staff.html`: agents, admins) are built from this crate with different features, so each
//! person downloads only their own screens. When a screen lives in the other bundle, the page
//! passes the session token through `sessionStorage` (this tab and origin only) and opens the
//! other bundle, which takes the token out at once, asks the hub who it belongs to, and shows
//! that role's first screen. A token that no longer works just leaves the login screen.

use leptos::prelude::*;

use crate::app::{Ctx, Screen, hub};
use crate::login::enter;

const KEY: &str = "kipochi.handover";

fn session() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

/// The page holding `screen`.
fn page_of(screen: &Screen) -> &'static str {
    match screen {
        Screen::Agent | Screen::Admin => "./staff.html",
        _ => "./",
    }
}

/// Picks up a session handed over by the other bundle, if any.
pub fn resume(ctx: Ctx) {
    let Some(storage) = session() else { return };
    let Some(token) = storage.get_item(KEY).ok().flatten() else {
        return;
    };
    // Removed before use: the token never stays in session storage.
    let _ = storage.remove_item(KEY);
    let Ok(h) = hub() else { return };
    h.set_token(Some(token));
    leptos::task::spawn_local(async move {
        match h.me().await {
            Ok(profile) => enter(ctx, profile),
            Err(_) => h.set_token(None),
        }
    });
}

/// Opens the bundle that holds `screen`, handing the session over.
fn open(screen: &Screen) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let (Some(storage), Some(token)) = (session(), hub().ok().and_then(|h| h.token())) {
        // Without storage the other page shows its login: nothing is lost.
        let _ = storage.set_item(KEY, &token);
    }
    let _ = window.location().assign(page_of(screen));
}

/// A screen of the other bundle: goes there at once, with a link if that is blocked.
#[component]
pub fn Elsewhere(screen: Screen) -> impl IntoView {
    let target = page_of(&screen);
    open(&screen);
    let again = StoredValue::new(screen);
    view! {
        <section id="elsewhere">
            <p>"Opening the right part of Kipochi…"</p>
            <a href=target on:click=move |ev| { ev.prevent_default(); again.with_value(open); }>
                "Continue"
            </a>
        </section>
    }
}
