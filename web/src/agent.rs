//! An agent's counter: the onboarding form (checked by the core, queued in the outbox, works
//! offline), the outbox with its sync status and fix-and-resubmit, and the customers onboarded.

use std::rc::Rc;

use kipochi_core::api::{IdDocumentType, OnboardRequest};
use kipochi_core::api_extra::OnboardedCustomer;
use kipochi_core::onboarding::{FieldError, form_of, result_of, validate};
use kipochi_core::outbox::SyncStop;
use kipochi_core::store::{OutboxItem, OutboxStatus};
use leptos::prelude::*;

use crate::agent_outbox::AgentOutbox;
use crate::app::{Ctx, hub, now_ms};
use crate::messages;

/// How often queued forms are retried while the page is open, ms.
const RETRY_EVERY_MS: u64 = 15_000;

const ID_TYPES: [(IdDocumentType, &str, &str); 4] = [
    (IdDocumentType::NationalId, "national_id", "National ID"),
    (IdDocumentType::Passport, "passport", "Passport"),
    (
        IdDocumentType::DrivingLicence,
        "driving_licence",
        "Driving licence",
    ),
    (IdDocumentType::VoterCard, "voter_card", "Voter card"),
];

/// The form's fields as typed.
#[derive(Clone, Copy)]
struct Fields {
    phone: RwSignal<String>,
    name: RwSignal<String>,
    id_type: RwSignal<String>,
    id_number: RwSignal<String>,
    dob: RwSignal<String>,
    tier: RwSignal<String>,
}

impl Fields {
    fn new() -> Self {
        Self {
            phone: RwSignal::new(String::new()),
            name: RwSignal::new(String::new()),
            id_type: RwSignal::new("national_id".into()),
            id_number: RwSignal::new(String::new()),
            dob: RwSignal::new(String::new()),
            tier: RwSignal::new("1".into()),
        }
    }

    fn read(self) -> OnboardRequest {
        let id_type = ID_TYPES
            .iter()
            .find(|t| t.1 == self.id_type.get_untracked())
            .map_or(IdDocumentType::NationalId, |t| t.0);
        OnboardRequest {
            full_name: self.name.get_untracked().trim().to_string(),
            phone: self.phone.get_untracked().trim().to_string(),
            id_type,
            id_number: self.id_number.get_untracked().trim().to_string(),
            date_of_birth: self.dob.get_untracked().trim().to_string(),
            // Not a number → 0, which the core's check reports as a bad tier.
            kyc_tier: self.tier.get_untracked().trim().parse().unwrap_or(0),
            photo: None,
        }
    }

    fn load(self, form: &OnboardRequest) {
        self.phone.set(form.phone.clone());
        self.name.set(form.full_name.clone());
        let t = ID_TYPES
            .iter()
            .find(|t| t.0 == form.id_type)
            .map_or("national_id", |t| t.1);
        self.id_type.set(t.into());
        self.id_number.set(form.id_number.clone());
        self.dob.set(form.date_of_birth.clone());
        self.tier.set(form.kyc_tier.to_string());
    }

    fn clear(self) {
        self.load(&OnboardRequest {
            full_name: String::new(),
            phone: String::new(),
            id_type: IdDocumentType::NationalId,
            id_number: String::new(),
            date_of_birth: String::new(),
            kyc_tier: 1,
            photo: None,
        });
    }
}

/// Shared state of the page.
#[derive(Clone, Copy)]
struct Page {
    outbox: StoredValue<Rc<AgentOutbox>, LocalStorage>,
    items: RwSignal<Vec<OutboxItem>>,
    syncing: RwSignal<bool>,
    sync_note: RwSignal<String>,
    customers: RwSignal<Result<Vec<OnboardedCustomer>, String>>,
}

impl Page {
    fn refresh_items(self) {
        let items = self.outbox.with_value(|o| o.items());
        self.items.try_set(items);
    }

    async fn load_customers(self) {
        let result = async { hub()?.onboarded_customers(Some(100)).await }.await;
        self.customers
            .try_set(result.map_err(|e| messages::describe(&e)));
    }

    /// One sync pass unless one is running; then the customers list when something was sent.
    fn sync(self) {
        if self.syncing.get_untracked() {
            return;
        }
        let Ok(h) = hub() else { return };
        self.syncing.set(true);
        self.sync_note.set("Sending…".into());
        let outbox = self.outbox.get_value();
        leptos::task::spawn_local(async move {
            let result = outbox.sync(h).await;
            self.syncing.try_set(false);
            self.refresh_items();
            let note = match &result {
                Ok(r) => match &r.stop {
                    SyncStop::Drained => "Up to date.".to_string(),
                    SyncStop::Retryable { .. } => {
                        "Offline: forms are saved on this device and will be sent when the server can be reached."
                            .to_string()
                    }
                    SyncStop::Busy => "Another sync is running.".to_string(),
                },
                Err(e) => e.clone(),
            };
            self.sync_note.try_set(note);
            if matches!(&result, Ok(r) if !r.accepted.is_empty()) {
                self.load_customers().await;
            }
        });
    }
}

fn field_error(errors: RwSignal<Vec<FieldError>>, field: &'static str) -> impl IntoView {
    let id = format!("err-{field}");
    view! {
        <p id=id class="field-error" role="alert">
            {move || errors.get().into_iter().find(|e| e.field == field).map(|e| e.message)}
        </p>
    }
}

/// The agent's page.
#[component]
pub fn Agent() -> impl IntoView {
    let ctx = Ctx::get();
    let user = ctx
        .profile
        .get_untracked()
        .map(|p| p.user_id)
        .unwrap_or_default();
    let page = Page {
        outbox: StoredValue::new_local(Rc::new(AgentOutbox::open(&user))),
        items: RwSignal::new(Vec::new()),
        syncing: RwSignal::new(false),
        sync_note: RwSignal::new(String::new()),
        customers: RwSignal::new(Ok(Vec::new())),
    };
    page.refresh_items();
    page.sync();
    leptos::task::spawn_local(page.load_customers());
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let waiting = page
                .items
                .try_with_untracked(|v| v.iter().any(|i| i.status == OutboxStatus::Queued));
            if waiting == Some(true) {
                page.sync();
            }
        },
        std::time::Duration::from_millis(RETRY_EVERY_MS),
    ) {
        on_cleanup(move || handle.clear());
    }
    let online = window_event_listener(leptos::ev::online, move |_| page.sync());
    on_cleanup(move || online.remove());

    let fields = Fields::new();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let editing = RwSignal::new(None::<String>);
    let form_note = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = fields.read();
        let problems = validate(&form, now_ms());
        let bad = !problems.is_empty();
        errors.set(problems);
        if bad {
            form_note.set(Some("Fix the fields marked above.".into()));
            return;
        }
        let saved = page.outbox.with_value(|o| match editing.get_untracked() {
            Some(id) => o.resubmit(&id, &form),
            None => o.enqueue(&form),
        });
        match saved {
            Ok(_) => {
                fields.clear();
                editing.set(None);
                form_note.set(Some("Saved on this device. See its status below.".into()));
                page.refresh_items();
                page.sync();
            }
            Err(e) => form_note.set(Some(e)),
        }
    };
    let fix = move |item: &OutboxItem| {
        if let Some(form) = form_of(item) {
            fields.load(&form);
            errors.set(Vec::new());
            editing.set(Some(item.id.clone()));
            form_note.set(Some("Correct the form, then send it again.".into()));
        }
    };
    let clear_sent = move |_| {
        let result = page.outbox.with_value(|o| o.clear_sent());
        page.refresh_items();
        if let Err(e) = result {
            page.sync_note.set(e);
        }
    };
    let waiting = move || {
        page.items
            .get()
            .iter()
            .filter(|i| matches!(i.status, OutboxStatus::Queued | OutboxStatus::Sending))
            .count()
    };

    view! {
        <section id="agent">
            <h2>"Onboard a customer"</h2>
            <form id="onboard" on:submit=submit novalidate>
                <label for="ob-phone">"Phone number"</label>
                <input id="ob-phone" type="tel" inputmode="numeric" bind:value=fields.phone
                    aria-describedby="err-phone" />
                {field_error(errors, "phone")}
                <label for="ob-name">"Full name"</label>
                <input id="ob-name" type="text" autocomplete="off" bind:value=fields.name
                    aria-describedby="err-full_name" />
                {field_error(errors, "full_name")}
                <label for="ob-id-type">"ID document"</label>
                <select id="ob-id-type" bind:value=fields.id_type>
                    {ID_TYPES.iter().map(|t| view! { <option value=t.1>{t.2}</option> }).collect_view()}
                </select>
                <label for="ob-id-number">"ID number"</label>
                <input id="ob-id-number" type="text" autocomplete="off" bind:value=fields.id_number
                    aria-describedby="err-id_number" />
                {field_error(errors, "id_number")}
                <label for="ob-dob">"Date of birth"</label>
                <input id="ob-dob" type="date" bind:value=fields.dob aria-describedby="err-date_of_birth" />
                {field_error(errors, "date_of_birth")}
                <label for="ob-tier">"KYC tier"</label>
                <select id="ob-tier" bind:value=fields.tier aria-describedby="err-kyc_tier">
                    <option value="1">"Tier 1 (basic)"</option>
                    <option value="2">"Tier 2"</option>
                    <option value="3">"Tier 3 (full)"</option>
                </select>
                {field_error(errors, "kyc_tier")}
                <button id="ob-submit" type="submit">
                    {move || if editing.get().is_some() { "Send the corrected form" } else { "Onboard" }}
                </button>
                <p id="ob-note" role="status">{move || form_note.get()}</p>
            </form>

            <h2>"Sync"</h2>
            <p id="sync-status" role="status" class=move || { if waiting() > 0 { "pending" } else { "synced" } }>
                {move || format!("{} waiting to send. ", waiting())}
                {move || page.sync_note.get()}
            </p>
            <button id="sync-now" type="button" on:click=move |_| page.sync()
                disabled=move || page.syncing.get()>
                {move || if page.syncing.get() { "Sending…" } else { "Sync now" }}
            </button>
            <button type="button" id="clear-sent" on:click=clear_sent>"Clear sent forms"</button>
            <ul id="outbox">
                {move || page.items.get().into_iter().map(|item| outbox_row(item, fix)).collect_view()}
            </ul>

            <h2>"Customers you onboarded"</h2>
            <button type="button" id="customers-refresh"
                on:click=move |_| leptos::task::spawn_local(page.load_customers())>"Refresh"</button>
            {move || match page.customers.get() {
                Ok(list) => view! {
                    <ul id="customers">
                        {list.into_iter().map(|c| view! {
                            <li class="customer"><span class="c-phone">{c.phone}</span>
                                " · account " {c.account_id}</li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <p id="customers-error" class="error" role="alert">{e}</p> }.into_any(),
            }}
            <button id="logout" on:click=move |_| ctx.logout()>"Log out"</button>
        </section>
    }
}

fn outbox_row(
    item: OutboxItem,
    fix: impl Fn(&OutboxItem) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let phone = form_of(&item).map(|f| f.phone).unwrap_or_default();
    let detail = match &item.status {
        OutboxStatus::Queued => "waiting to send".to_string(),
        OutboxStatus::Sending => "sending".to_string(),
        OutboxStatus::Done => match result_of(&item) {
            Some(r) => format!("onboarded; activation code {}", r.activation_code),
            None => "onboarded".to_string(),
        },
        OutboxStatus::Failed { code, message } => {
            let e = kipochi_core::client::ClientError::Hub {
                status: 0,
                code: code.clone(),
                message: message.clone(),
            };
            format!("refused: {}", messages::describe(&e))
        }
    };
    let code = result_of(&item).map(|r| r.activation_code);
    let failed = matches!(item.status, OutboxStatus::Failed { .. });
    let state = item.status.name();
    let stored = StoredValue::new(item);
    let data_phone = phone.clone();
    view! {
        <li class=format!("outbox-item {state}") data-phone=data_phone>
            <span class="ob-phone">{phone}</span> " · " <span class="ob-detail">{detail}</span>
            {code.map(|c| view! { <span class="activation-code" hidden>{c}</span> })}
            {failed.then(|| view! {
                <button type="button" class="ob-fix" on:click=move |_| stored.with_value(fix)>"Fix"</button>
            })}
        </li>
    }
}
