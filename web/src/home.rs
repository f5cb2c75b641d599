//! Home: the balance and the booked history, with the way to pay.

use kipochi_core::api::{Balance, Direction};
use kipochi_core::api_extra::HistoryItem;
use kipochi_core::client::ClientError;
use leptos::prelude::*;

use crate::app::{Ctx, Screen, hub};
use crate::messages;

async fn load() -> Result<(Balance, Vec<HistoryItem>), ClientError> {
    let hub = hub()?;
    let balance = hub.balance().await?;
    let history = hub.history(None, Some(20)).await?;
    Ok((balance, history.items))
}

/// The home screen.
#[component]
pub fn Home() -> impl IntoView {
    let ctx = Ctx::get();
    let data = LocalResource::new(load);
    let name = move || {
        ctx.profile
            .get()
            .map(|p| p.display_name)
            .unwrap_or_default()
    };
    view! {
        <section id="home" aria-live="polite">
            <p>"Hello, " <span id="name">{name}</span></p>
            <Suspense fallback=|| view! { <p id="loading">"Loading your account…"</p> }>
                {move || {
                    data.get()
                        .map(|res| match res {
                            Ok((balance, items)) => view! {
                                <p class="balance">"Available: "
                                    <strong id="balance">{balance.available.clone()} " " {balance.currency.clone()}</strong>
                                </p>
                                <h2>"History"</h2>
                                <ul id="history">
                                    {items.into_iter().map(history_row).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => {
                                if e.is_unauthenticated() { ctx.logout(); }
                                view! { <p class="error" role="alert">{messages::describe(&e)}</p> }.into_any()
                            }
                        })
                }}
            </Suspense>
            <nav>
                <button id="go-pay" on:click=move |_| ctx.screen.set(Screen::Pay)>"Pay"</button>
                <button on:click=move |_| data.refetch()>"Refresh"</button>
                <button id="logout" on:click=move |_| ctx.logout()>"Log out"</button>
            </nav>
        </section>
    }
}

fn history_row(item: HistoryItem) -> impl IntoView {
    let sign = match item.direction {
        Direction::Outgoing => "−",
        Direction::Incoming => "+",
    };
    view! {
        <li class="history-item">
            <span class="kind">{item.kind}</span>
            <span class="amount">{sign} {item.amount} " " {item.currency.clone()}</span>
            <span class="after">"balance " {item.balance_after}</span>
        </li>
    }
}
