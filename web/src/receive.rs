//! A merchant's counter: create a dynamic QR for one sale (amount + reference), shown as an SVG
//! rendered by the core, which flips to "paid" live (the core's SSE event stream); and the list
//! of incoming payments.

use kipochi_core::api::Payment;
use kipochi_core::api_merchant::{NewPaymentRequest, PaymentRequest, RequestStatus};
use kipochi_core::client::LiveEvent;
use kipochi_core::qr::{ErrorCorrection, render_svg};
use leptos::prelude::*;

use crate::app::{Ctx, Screen, hub};
use crate::messages;

/// Re-reads the open request (if any) and the incoming payments.
async fn refresh(request: RwSignal<Option<PaymentRequest>>, payments: RwSignal<Vec<Payment>>) {
    let Ok(h) = hub() else { return };
    let open = request
        .try_with_untracked(|r| r.as_ref().map(|r| r.request_id.clone()))
        .flatten();
    if let Some(id) = open
        && let Ok(r) = h.payment_request(&id).await
    {
        request.try_set(Some(r));
    }
    if let Ok(page) = h.merchant_payments(None, Some(20)).await {
        payments.try_set(page.items);
    }
}

/// The merchant's receive page.
#[component]
pub fn Receive() -> impl IntoView {
    let ctx = Ctx::get();
    let amount = RwSignal::new(String::new());
    let reference = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let live = RwSignal::new(false);
    let request = RwSignal::new(None::<PaymentRequest>);
    let payments = RwSignal::new(Vec::<Payment>::new());

    // Live updates: every event (and every (re)connect) re-reads the request and the list.
    if let Ok(h) = hub() {
        let mut events = h.events();
        let stop = events.cancel_handle();
        on_cleanup(move || stop.cancel());
        leptos::task::spawn_local(async move {
            while let Some(ev) = events.next().await {
                match ev {
                    Ok(LiveEvent::Disconnected { .. }) => {
                        live.try_set(false);
                    }
                    Ok(_) => {
                        live.try_set(true);
                        refresh(request, payments).await;
                    }
                    Err(_) => {
                        live.try_set(false);
                    }
                }
            }
        });
    }

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let req = NewPaymentRequest {
            amount: amount.get_untracked().trim().to_string(),
            reference: reference.get_untracked().trim().to_string(),
            terminal: None,
        };
        leptos::task::spawn_local(async move {
            let result = async { hub()?.create_payment_request(&req).await }.await;
            busy.try_set(false);
            match result {
                Ok(r) => {
                    request.try_set(Some(r));
                }
                Err(e) => {
                    error.try_set(Some(messages::describe(&e)));
                }
            }
        });
    };

    let qr = move || {
        request.get().map(
            |r| match render_svg(&r.payload, ErrorCorrection::Medium, 256) {
                Ok(svg) => view! { <div id="qr" class="qr" role="img"
                aria-label="QR code for this payment" inner_html=svg></div> }
                .into_any(),
                Err(e) => {
                    view! { <p class="error">{format!("Cannot draw the QR: {e}")}</p> }.into_any()
                }
            },
        )
    };
    let status = move || {
        request.get().map(|r| {
            let text = match r.status {
                RequestStatus::Open => "Waiting for payment…",
                RequestStatus::Paid => "Paid",
                RequestStatus::Expired => "Expired: create a new one",
            };
            view! {
                <p>{r.amount.clone()} " " {r.currency.clone()} " · ref " {r.reference.clone()}</p>
                <p id="request-status" class=format!("status {:?}", r.status).to_lowercase()>{text}</p>
                <details><summary>"QR text"</summary><code id="qr-payload">{r.payload.clone()}</code></details>
            }
        })
    };
    view! {
        <section id="receive">
            <h2>"Receive a payment"</h2>
            <p>{move || ctx.profile.get().map(|p| p.display_name).unwrap_or_default()}
               <span id="live" class="live">{move || if live.get() { " · live" } else { " · connecting…" }}</span></p>
            <form id="request-form" on:submit=submit>
                <label for="req-amount">"Amount"</label>
                <input id="req-amount" type="text" inputmode="decimal" required bind:value=amount />
                <label for="req-ref">"Reference (order or invoice)"</label>
                <input id="req-ref" type="text" maxlength="25" required bind:value=reference />
                <button id="req-submit" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Creating…" } else { "Show QR" }}
                </button>
                <p id="req-error" class="error" role="alert">{move || error.get()}</p>
            </form>
            {qr}
            <div aria-live="polite">{status}</div>
            <h2>"Incoming payments"</h2>
            <ul id="incoming">
                {move || payments.get().into_iter().map(|p| view! {
                    <li class="incoming-item">{p.counterparty.name} " · " {p.amount} " " {p.currency}
                        " · " {format!("{:?}", p.state).to_lowercase()}</li>
                }).collect_view()}
            </ul>
            <button id="go-poster" on:click=move |_| ctx.screen.set(Screen::Poster)>"Till QR poster"</button>
            <button id="logout" on:click=move |_| ctx.logout()>"Log out"</button>
        </section>
    }
}
