//! Activation: a new customer sets their first PIN with the one-time code their agent handed
//! over, then is logged in.

use leptos::prelude::*;

use crate::app::{Ctx, Screen, hub};
use crate::login::{enter, sign_in};
use crate::messages;

/// The PIN rule shown before asking the hub (which enforces it): 4 to 8 digits, typed twice.
fn check_pins(pin: &str, again: &str) -> Option<&'static str> {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        Some("The PIN must be 4 to 8 digits.")
    } else if pin != again {
        Some("The two PINs are different.")
    } else {
        None
    }
}

/// The activation form.
#[component]
pub fn Activate() -> impl IntoView {
    let ctx = Ctx::get();
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (ph, c, p) = (
            phone.get_untracked().trim().to_string(),
            code.get_untracked().trim().to_string(),
            pin.get_untracked(),
        );
        if let Some(problem) = check_pins(&p, &again.get_untracked()) {
            error.set(Some(problem.into()));
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = async {
                hub()?.activate(&ph, &c, &p).await?;
                sign_in(&ph, &p).await
            }
            .await;
            busy.try_set(false);
            pin.try_set(String::new());
            again.try_set(String::new());
            match result {
                Ok(profile) => enter(ctx, profile),
                Err(e) => {
                    error.try_set(Some(messages::describe(&e)));
                }
            }
        });
    };
    view! {
        <form id="activate" on:submit=submit>
            <h2>"Activate your account"</h2>
            <label for="act-phone">"Phone number"</label>
            <input id="act-phone" type="tel" inputmode="numeric" autocomplete="username" required
                bind:value=phone />
            <label for="act-code">"Activation code (from your agent)"</label>
            <input id="act-code" type="text" inputmode="numeric" autocomplete="one-time-code" required
                bind:value=code />
            <label for="act-pin">"New PIN (4 to 8 digits)"</label>
            <input id="act-pin" type="password" inputmode="numeric" autocomplete="new-password" required
                bind:value=pin />
            <label for="act-pin2">"New PIN again"</label>
            <input id="act-pin2" type="password" inputmode="numeric" autocomplete="new-password" required
                bind:value=again />
            <button id="act-submit" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Activating…" } else { "Set PIN and log in" }}
            </button>
            <button type="button" on:click=move |_| ctx.screen.set(Screen::Login)>"Back to log in"</button>
            <p id="act-error" class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::check_pins;

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn pins_must_be_digits_and_match() {
        assert_eq!(check_pins("2580", "2580"), None);
        assert!(check_pins("25", "25").is_some());
        assert!(check_pins("25a0", "25a0").is_some());
        assert_eq!(
            check_pins("2580", "2581"),
            Some("The two PINs are different.")
        );
    }
}
