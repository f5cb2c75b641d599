//! Login: phone number and PIN, then the device key is registered (once) and home is shown.

use kipochi_core::api::Role;
use leptos::prelude::*;

use crate::app::{Ctx, Screen, hub};
use crate::{device, messages};

/// The login form.
#[component]
pub fn Login() -> impl IntoView {
    let ctx = Ctx::get();
    let phone = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (p, k) = (phone.get_untracked(), pin.get_untracked());
        leptos::task::spawn_local(async move {
            let result = async {
                let hub = hub()?;
                let login = hub.login(p.trim(), &k).await?;
                device::ensure_registered(&hub, &login.profile.user_id).await?;
                Ok::<_, kipochi_core::client::ClientError>(login.profile)
            }
            .await;
            busy.try_set(false);
            match result {
                Ok(profile) => {
                    let merchant = profile.role == Role::Merchant;
                    ctx.profile.set(Some(profile));
                    pin.set(String::new());
                    ctx.screen.set(if merchant {
                        Screen::Receive
                    } else {
                        Screen::Home
                    });
                }
                Err(e) => {
                    error.try_set(Some(messages::describe(&e)));
                }
            }
        });
    };
    view! {
        <form id="login" on:submit=submit>
            <h2>"Log in"</h2>
            <label for="phone">"Phone number"</label>
            <input id="phone" name="phone" type="tel" inputmode="numeric" autocomplete="username"
                required bind:value=phone />
            <label for="pin">"PIN"</label>
            <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="current-password"
                required bind:value=pin />
            <p class="warning">
                "This browser keeps a payment key in its local storage. Use it only on a device you trust."
            </p>
            <button id="login-submit" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Logging in…" } else { "Log in" }}
            </button>
            <p id="login-error" class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
