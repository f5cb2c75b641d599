//! Login: phone number and PIN, then the device key is registered (once) and home is shown.

use kipochi_core::api::Profile;
use kipochi_core::client::ClientError;
use leptos::prelude::*;

use crate::app::{Ctx, Screen, hub};
use crate::{device, messages};

/// Opens a session and registers this browser's device key (once per user).
pub async fn sign_in(phone: &str, pin: &str) -> Result<Profile, ClientError> {
    let hub = hub()?;
    let login = hub.login(phone, pin).await?;
    device::ensure_registered(&hub, &login.profile.user_id).await?;
    Ok(login.profile)
}

/// Keeps the profile and shows the role's first screen.
pub fn enter(ctx: Ctx, profile: Profile) {
    let start = Screen::start_for(profile.role);
    ctx.profile.set(Some(profile));
    ctx.screen.set(start);
}

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
            let result = sign_in(p.trim(), &k).await;
            busy.try_set(false);
            match result {
                Ok(profile) => {
                    pin.try_set(String::new());
                    enter(ctx, profile);
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
            <p>"New customer with an activation code? "
                <button type="button" id="go-activate" class="link"
                    on:click=move |_| ctx.screen.set(Screen::Activate)>"Activate your account"</button>
            </p>
        </form>
    }
}
