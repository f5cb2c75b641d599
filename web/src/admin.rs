//! The back office: payment search (state, dates, party), one payment's timeline, and charts of
//! the payments found (per minute over the last half hour, and by state).

use kipochi_core::api::{Payment, PaymentState};
use kipochi_core::api_extra::AdminPayment;
use kipochi_core::client::{ClientError, PaymentSearch};
use leptos::prelude::*;

use crate::app::{Ctx, hub, now_ms};
use crate::chart::{STATES, by_state, minute_chart, per_minute, state_chart, state_name};
use crate::messages;

/// Minutes shown in the per-minute chart.
const CHART_MINUTES: usize = 30;
const DAY_MS: i64 = 86_400_000;

/// `YYYY-MM-DD` (a date input's value) → Unix ms of that day's start, UTC.
fn day_start(text: &str) -> Result<Option<i64>, ClientError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let ms = js_sys::Date::parse(text);
    if ms.is_nan() || text.len() != 10 {
        return Err(ClientError::InvalidInput("dates are YYYY-MM-DD".into()));
    }
    // Date.parse of a date-only text is a whole number of ms (UTC midnight).
    Ok(Some(ms as i64))
}

fn time_text(ms: i64) -> String {
    // The browser's own rendering of an instant, in UTC (ISO 8601).
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64))
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// The admin page.
#[component]
pub fn Admin() -> impl IntoView {
    let ctx = Ctx::get();
    let state = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let party = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let results = RwSignal::new(Vec::<Payment>::new());
    let searched_at = RwSignal::new(now_ms());
    let detail = RwSignal::new(None::<Result<AdminPayment, String>>);

    let search = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (s, f, t, p) = (
            state.get_untracked(),
            from.get_untracked(),
            to.get_untracked(),
            party.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            let result = async {
                let query = PaymentSearch {
                    state: PaymentState::parse(&s),
                    from: day_start(&f)?,
                    // The "to" day is included: search up to the next day's start.
                    to: day_start(&t)?.map(|d| d + DAY_MS),
                    party: Some(p),
                    limit: Some(500),
                };
                hub()?.admin_payments(&query).await
            }
            .await;
            busy.try_set(false);
            searched_at.try_set(now_ms());
            match result {
                Ok(list) => {
                    results.try_set(list);
                }
                Err(e) => {
                    error.try_set(Some(messages::describe(&e)));
                }
            }
        });
    };
    search();
    let open = move |id: String| {
        detail.set(None);
        leptos::task::spawn_local(async move {
            let r = async { hub()?.admin_payment(&id).await }.await;
            detail.try_set(Some(r.map_err(|e| messages::describe(&e))));
        });
    };

    view! {
        <section id="admin">
            <h2>"Payments"</h2>
            <form id="search" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); search(); }>
                <label for="s-state">"State"</label>
                <select id="s-state" bind:value=state>
                    <option value="">"Any"</option>
                    {STATES.iter().map(|s| view! { <option value=state_name(*s)>{state_name(*s)}</option> }).collect_view()}
                </select>
                <label for="s-from">"From (day)"</label>
                <input id="s-from" type="date" bind:value=from />
                <label for="s-to">"To (day, included)"</label>
                <input id="s-to" type="date" bind:value=to />
                <label for="s-party">"Party (phone, user or account id)"</label>
                <input id="s-party" type="text" bind:value=party />
                <button id="s-submit" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Searching…" } else { "Search" }}
                </button>
                <p id="s-error" class="error" role="alert">{move || error.get()}</p>
            </form>
            <h3>"Per minute (last " {CHART_MINUTES} " minutes)"</h3>
            {move || minute_chart(per_minute(&results.get(), searched_at.get(), CHART_MINUTES))}
            <h3>"By state"</h3>
            {move || state_chart(by_state(&results.get()))}
            <p id="s-count" aria-live="polite">{move || format!("{} payments found.", results.get().len())}</p>
            <table id="results">
                <thead><tr><th scope="col">"Created (UTC)"</th><th scope="col">"Party"</th>
                    <th scope="col">"Amount"</th><th scope="col">"State"</th></tr></thead>
                <tbody>
                    {move || results.get().into_iter().map(|p| {
                        let id = p.payment_id.clone();
                        view! {
                            <tr class=format!("payment-row {}", state_name(p.state))>
                                <td>{time_text(p.created_at)}</td>
                                <td>{p.counterparty.name.clone()} " " {p.counterparty.id.clone()}</td>
                                <td>{p.amount.clone()} " " {p.currency.clone()}</td>
                                <td><button type="button" class="open-payment"
                                    aria-label=format!("Timeline of payment {}", p.payment_id)
                                    on:click=move |_| open(id.clone())>{state_name(p.state)}</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {move || detail.get().map(|d| match d {
                Ok(a) => timeline(a).into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
            <button id="logout" on:click=move |_| ctx.logout()>"Log out"</button>
        </section>
    }
}

fn timeline(a: AdminPayment) -> impl IntoView {
    let p = a.payment;
    view! {
        <section id="timeline" aria-live="polite">
            <h3>"Payment " <code>{p.payment_id.clone()}</code></h3>
            <dl>
                <dt>"Amount"</dt><dd>{p.amount.clone()} " " {p.currency.clone()} " (fee " {p.fee.clone()} ")"</dd>
                <dt>"Counterparty"</dt><dd>{p.counterparty.name.clone()} " · " {p.counterparty.fsp_id.clone()}</dd>
                <dt>"Account"</dt><dd>{a.account_id}</dd>
                <dt>"Route"</dt><dd>{if a.internal { "internal" } else { "through the switch" }}</dd>
                <dt>"State"</dt><dd id="t-state">{state_name(p.state)}</dd>
            </dl>
            <ol id="timeline-events">
                {a.timeline.into_iter().map(|e| view! {
                    <li class="timeline-event">
                        <time>{time_text(e.at)}</time> " "
                        {e.from.map(|f| format!("{} → ", state_name(f)))}
                        <strong>{state_name(e.to)}</strong>
                        {e.detail.map(|d| format!(" · {d}"))}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}
