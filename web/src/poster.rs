//! A merchant's static till QR as a poster: the hub's PNG, the till number and name, a PNG
//! download and print styles that print the poster alone.

use kipochi_core::api_merchant::TillQr;
use leptos::prelude::*;

use crate::app::{Ctx, Screen, hub};
use crate::messages;

/// The poster page.
#[component]
pub fn Poster() -> impl IntoView {
    let ctx = Ctx::get();
    let till = LocalResource::new(|| async { hub()?.till_qr().await });
    let print = move |_| {
        if let Some(w) = web_sys::window() {
            // A refused print dialog leaves the page as it is.
            let _ = w.print();
        }
    };
    view! {
        <section id="poster-page">
            <Suspense fallback=|| view! { <p>"Loading your till QR…"</p> }>
                {move || till.get().map(|r| match r {
                    Ok(t) => poster(t).into_any(),
                    Err(e) => view! { <p class="error" role="alert">{messages::describe(&e)}</p> }.into_any(),
                })}
            </Suspense>
            <nav class="no-print">
                <button type="button" id="poster-print" on:click=print>"Print"</button>
                <button type="button" on:click=move |_| ctx.screen.set(Screen::Receive)>"Back"</button>
            </nav>
        </section>
    }
}

fn poster(t: TillQr) -> impl IntoView {
    let src = format!("data:image/png;base64,{}", t.png_base64);
    let file = format!("till-{}.png", t.till);
    view! {
        <div id="poster" class="poster">
            <p class="poster-call">"Scan to pay"</p>
            <h2 id="poster-name">{t.merchant_name.clone()}</h2>
            <img id="poster-qr" src=src.clone()
                alt=format!("QR code to pay {} (till {})", t.merchant_name, t.till) />
            <p class="poster-till">"Till " <strong id="poster-till">{t.till.clone()}</strong> " · " {t.currency}</p>
        </div>
        <a id="poster-download" class="button no-print" href=src download=file>"Download PNG"</a>
    }
}
