//! Paying: the target form (phone number or pasted QR payload) → the hub's quote to confirm with
//! PIN and device key → the result. The hub resolves the payee name and the fee; the core signs.

use kipochi_core::api::{Payment, Quote};
use kipochi_core::client::{BrowserSleeper, ClientError, Sleeper};
use kipochi_core::ids::new_uuid_v4;
use leptos::prelude::*;

use crate::app::{Ctx, Screen, hub, now_ms};
use crate::{device, messages};

/// How the payee is given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Phone,
    Qr,
}

fn new_payment_id() -> Result<String, ClientError> {
    new_uuid_v4().map_err(|e| ClientError::InvalidInput(format!("payment id: {e}")))
}

/// Who to pay and how much.
#[component]
pub fn PayForm() -> impl IntoView {
    let ctx = Ctx::get();
    let mode = RwSignal::new(Mode::Phone);
    let phone = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let payload = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Asks the hub for a quote; the form's Continue and a scanned QR both end here.
    let quote = move |m: Mode, to: String, amt: String, qr: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = async {
                let hub = hub()?;
                let id = new_payment_id()?;
                let amt = amt.trim();
                match m {
                    Mode::Phone => hub.pay_phone(&id, to.trim(), amt, None).await,
                    Mode::Qr => {
                        let amt = (!amt.is_empty()).then_some(amt);
                        hub.pay_qr(&id, qr.trim(), amt).await
                    }
                }
            }
            .await;
            busy.try_set(false);
            match result {
                Ok(quote) => ctx.screen.set(Screen::Confirm(quote)),
                Err(e) => {
                    error.try_set(Some(messages::describe(&e)));
                }
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        quote(
            mode.get_untracked(),
            phone.get_untracked(),
            amount.get_untracked(),
            payload.get_untracked(),
        );
    };
    let scanned = Callback::new(move |p: String| {
        payload.set(p.clone());
        quote(Mode::Qr, String::new(), amount.get_untracked(), p);
    });
    view! {
        <form id="pay" on:submit=submit>
            <h2>"Pay"</h2>
            <fieldset>
                <legend>"Pay to"</legend>
                <label><input type="radio" name="mode" id="mode-phone"
                    prop:checked=move || mode.get() == Mode::Phone
                    on:change=move |_| mode.set(Mode::Phone) />" A phone number"</label>
                <label><input type="radio" name="mode" id="mode-qr"
                    prop:checked=move || mode.get() == Mode::Qr
                    on:change=move |_| mode.set(Mode::Qr) />" A QR code (scan, photo or text)"</label>
            </fieldset>
            <Show when=move || mode.get() == Mode::Phone fallback=move || view! {
                <crate::scan::Scanner on_found=scanned />
                <label for="payload">"Or paste the QR code text"</label>
                <textarea id="payload" rows="4" required bind:value=payload></textarea>
            }>
                <label for="to-phone">"Phone number"</label>
                <input id="to-phone" type="tel" inputmode="numeric" required bind:value=phone />
            </Show>
            <label for="amount">
                {move || if mode.get() == Mode::Qr { "Amount (only if the QR has none)" } else { "Amount" }}
            </label>
            <input id="amount" type="text" inputmode="decimal" bind:value=amount
                required=move || mode.get() == Mode::Phone />
            <button id="pay-submit" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Getting a quote…" } else { "Continue" }}
            </button>
            <button type="button" on:click=move |_| ctx.screen.set(Screen::Home)>"Cancel"</button>
            <p id="pay-error" class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}

/// The quote to approve: payee name from the hub's lookup, amount, fee, total, time left.
#[component]
pub fn Confirm(quote: Quote) -> impl IntoView {
    let ctx = Ctx::get();
    let now = RwSignal::new(now_ms());
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(now_ms()), std::time::Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }
    let expiry = quote.expiry;
    let left = move || ((expiry - now.get()) / 1000).max(0);
    let pin = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let q = StoredValue::new(quote.clone());
    let approve = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (quote, p) = (q.get_value(), pin.get_untracked());
        leptos::task::spawn_local(async move {
            let result = async {
                let key = device::device_key()?;
                hub()?.approve(&quote, &p, &key).await
            }
            .await;
            busy.try_set(false);
            pin.try_set(String::new());
            match result {
                Ok(payment) => ctx.screen.set(Screen::Done(payment)),
                Err(e) => {
                    error.try_set(Some(messages::describe(&e)));
                }
            }
        });
    };
    let cancel = move |_| {
        let id = q.with_value(|q| q.payment_id.clone());
        leptos::task::spawn_local(async move {
            if let Ok(hub) = hub() {
                // The quote lapses by itself if the decline does not arrive.
                let _ = hub.decline(&id).await;
            }
        });
        ctx.screen.set(Screen::Home);
    };
    view! {
        <form id="confirm" on:submit=approve>
            <h2>"Confirm payment"</h2>
            <dl>
                <dt>"To"</dt><dd id="payee">{quote.payee.name.clone()}</dd>
                <dt>"Number"</dt><dd>{quote.payee.id.clone()} " (" {quote.payee.fsp_id.clone()} ")"</dd>
                <dt>"Amount"</dt><dd id="q-amount">{quote.amount.clone()} " " {quote.currency.clone()}</dd>
                <dt>"Fee"</dt><dd id="q-fee">{quote.fee.clone()} " " {quote.currency.clone()}</dd>
                <dt>"Total"</dt><dd id="q-total"><strong>{quote.total.clone()} " " {quote.currency.clone()}</strong></dd>
            </dl>
            <p id="expiry" aria-live="off">
                {move || if left() > 0 { format!("This quote expires in {} s.", left()) }
                         else { "This quote has expired. Start again.".to_string() }}
            </p>
            <label for="approve-pin">"PIN"</label>
            <input id="approve-pin" type="password" inputmode="numeric" autocomplete="off" required
                bind:value=pin />
            <button id="approve" type="submit" disabled=move || busy.get() || left() == 0>
                {move || if busy.get() { "Paying…" } else { "Approve and pay" }}
            </button>
            <button type="button" id="decline" on:click=cancel>"Cancel"</button>
            <p id="confirm-error" class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}

/// The payment's outcome; follows it until it reaches a final state.
#[component]
pub fn Done(payment: Payment) -> impl IntoView {
    let ctx = Ctx::get();
    let current = RwSignal::new(payment);
    leptos::task::spawn_local(async move {
        // Bounded follow-up: 60 checks, one a second, while the page is open (a disposed signal
        // ends it).
        for _ in 0..60 {
            match current.try_with_untracked(|p| p.state.is_terminal()) {
                Some(false) => {}
                _ => return,
            }
            BrowserSleeper.sleep(1000).await;
            let (Some(id), Ok(h)) = (current.try_with_untracked(|p| p.payment_id.clone()), hub())
            else {
                return;
            };
            if let Ok(p) = h.payment(&id).await {
                current.try_set(p);
            }
        }
    });
    view! {
        <section id="result" aria-live="polite">
            <h2>"Payment"</h2>
            <p id="result-state" class=move || format!("state {:?}", current.get().state).to_lowercase()>
                {move || describe_state(&current.get())}
            </p>
            <dl>
                <dt>"To"</dt><dd id="r-payee">{move || current.get().counterparty.name}</dd>
                <dt>"Amount"</dt><dd>{move || { let p = current.get(); format!("{} {}", p.amount, p.currency) }}</dd>
                <dt>"Fee"</dt><dd>{move || { let p = current.get(); format!("{} {}", p.fee, p.currency) }}</dd>
                <dt>"Reference"</dt><dd>{move || current.get().payment_id}</dd>
            </dl>
            <button id="back-home" on:click=move |_| ctx.screen.set(Screen::Home)>"Back to home"</button>
        </section>
    }
}

fn describe_state(p: &Payment) -> String {
    use kipochi_core::api::PaymentState as S;
    match p.state {
        S::Committed => "Paid.".into(),
        S::Declined => "Declined: no money moved.".into(),
        S::Expired => "Expired: no money moved.".into(),
        S::Failed => match &p.error {
            Some(e) => format!(
                "Failed: {}",
                messages::describe(&ClientError::Hub {
                    status: 0,
                    code: e.code.clone(),
                    message: e.message.clone(),
                })
            ),
            None => "Failed: no money moved.".into(),
        },
        S::Created | S::Quoted | S::Approved | S::Reserved | S::Sent => {
            "Processing… this page updates by itself.".into()
        }
    }
}
