//! Clients, savings products and savings accounts (reference note §2.3; `ClientsApiResource`,
//! `SavingsAccountsApiResource`, `SavingsAccountTransactionsApiResource`, their swagger models):
//! - `POST /clients`: keys from `CLIENT_CREATE_REQUEST_DATA_PARAMETERS` only; `officeId` and
//!   `legalFormId` required; a person needs `firstname` + `lastname` or `fullname`; `active=true`
//!   needs `activationDate`; a duplicate `externalId` is 403 `error.msg.client.duplicate.externalId`
//!   and a duplicate `mobileNo` 403 `error.msg.client.duplicate.mobileNo`; answer `{officeId,
//!   clientId, resourceId}`;
//! - `GET /clients/{id}`, `GET /clients/external-id/{id}`: `{id, displayName, externalId, ...}`,
//!   404 `error.msg.client.id.invalid` / `error.msg.client.external.id.invalid`;
//! - `GET /savingsproducts/{id}`: `{id, currency{code, decimalPlaces}}`;
//! - `POST /savingsaccounts` `{clientId, productId, externalId, submittedOnDate, locale,
//!   dateFormat}` → status 100 submitted; duplicate `externalId` → 403
//!   `error.msg.savingsaccount.duplicate.externalId`; answer `{officeId, clientId, savingsId,
//!   resourceId}`;
//! - `?command=approve` (from 100, `approvedOnDate`) and `?command=activate` (from 200,
//!   `activatedOnDate`); from another state 400 `validation.msg.savingsaccount.approve.not.in.
//!   submittedandpending.state` / `...activate.not.in.approved.state`;
//! - `POST /savingsaccounts/{id}/transactions?command=deposit`: `paymentTypeId` required in this
//!   version; `{transactionDate, transactionAmount, paymentTypeId, locale, dateFormat}`;
//! - `GET /savingsaccounts/external-id/{id}[?associations=transactions]`: summary balances,
//!   `savingsAmountOnHold`, transactions newest first with `date` as `[y, m, d]`; 404
//!   `error.msg.saving.account.id.invalid`.

use axum::http::Method;
use serde::Serialize;
use serde_json::json;
use serde_json::value::RawValue;

use super::CASH_PAYMENT_TYPE;
use super::model::{Client, Model, Savings};
use super::reply::{
    Body, Reply, date, dec, error, int, invalid, ok, ok_typed, only, savings_not_found,
    server_error, text,
};

const CLIENT_KEYS: &[&str] = &[
    "officeId",
    "legalFormId",
    "firstname",
    "middlename",
    "lastname",
    "fullname",
    "externalId",
    "mobileNo",
    "emailAddress",
    "dateOfBirth",
    "genderId",
    "clientTypeId",
    "clientClassificationId",
    "staffId",
    "groupId",
    "accountNo",
    "active",
    "activationDate",
    "submittedOnDate",
    "savingsProductId",
    "isStaff",
    "address",
    "familyMembers",
    "datatables",
    "clientNonPersonDetails",
    "locale",
    "dateFormat",
];
const SAVINGS_KEYS: &[&str] = &[
    "clientId",
    "productId",
    "externalId",
    "submittedOnDate",
    "locale",
    "dateFormat",
    "fieldOfficerId",
    "nominalAnnualInterestRate",
    "allowOverdraft",
    "charges",
];

pub fn route(
    model: &mut Model,
    method: &Method,
    seg: &[&str],
    query: &str,
    body: &Body,
) -> Option<Reply> {
    Some(match (method.as_str(), seg) {
        ("POST", ["clients"]) => create_client(model, body),
        ("GET", ["clients", "external-id", ext]) => {
            match model
                .clients
                .values()
                .find(|c| c.external_id.as_deref() == Some(*ext))
            {
                Some(c) => client_json(c),
                None => error(
                    404,
                    "error.msg.client.external.id.invalid",
                    "Client not found",
                    None,
                ),
            }
        }
        ("GET", ["clients", id]) => {
            match id.parse().ok().and_then(|id: u64| model.clients.get(&id)) {
                Some(c) => client_json(c),
                None => error(404, "error.msg.client.id.invalid", "Client not found", None),
            }
        }
        ("GET", ["savingsproducts", id]) => {
            match id
                .parse()
                .ok()
                .and_then(|id: u64| model.products.get(&id).map(|p| (id, p)))
            {
                Some((id, p)) => ok(json!({
                    "id": id, "name": format!("product {id}"),
                    "currency": { "code": p.currency, "decimalPlaces": p.decimal_places },
                })),
                None => error(
                    404,
                    "error.msg.savingsproduct.id.invalid",
                    "Product not found",
                    None,
                ),
            }
        }
        ("POST", ["savingsaccounts"]) if query.is_empty() => create_savings(model, body),
        ("POST", ["savingsaccounts", id]) => command(model, id, query, body)?,
        ("POST", ["savingsaccounts", id, "transactions"]) if query == "command=deposit" => {
            deposit(model, id, body)
        }
        ("GET", ["savingsaccounts", "external-id", ext]) => match model.savings_by_ext(ext) {
            Some(id) => savings_json(model, id, query == "associations=transactions"),
            None => error(
                404,
                "error.msg.saving.account.id.invalid",
                "Savings account not found",
                None,
            ),
        },
        _ => return None,
    })
}

fn client_json(c: &Client) -> Reply {
    ok(json!({
        "id": c.id, "officeId": c.office_id, "displayName": c.display_name,
        "externalId": c.external_id, "mobileNo": c.mobile_no, "active": true,
        "dateOfBirth": c.date_of_birth.map(|d| {
            use chrono::Datelike;
            [d.year(), d.month() as i32, d.day() as i32]
        }),
        "legalForm": { "id": c.legal_form_id },
        "status": { "id": 300, "code": "clientStatusType.active", "value": "Active" },
        "activationDate": [2026, 12, 2],
    }))
}

fn create_client(model: &mut Model, body: &Body) -> Reply {
    if let Err(e) = only(body, CLIENT_KEYS) {
        return e;
    }
    let Some(office_id) = int(body, "officeId") else {
        return invalid("client", "officeId", "cannot.be.blank");
    };
    let Some(legal_form_id @ (1 | 2)) = int(body, "legalFormId") else {
        return invalid("client", "legalFormId", "is.invalid");
    };
    let display_name = match (
        text(body, "fullname"),
        text(body, "firstname"),
        text(body, "lastname"),
    ) {
        (Some(full), None, None) if !full.trim().is_empty() => full,
        (None, Some(first), Some(last)) if !first.is_empty() && !last.is_empty() => {
            format!("{first} {last}")
        }
        (None, _, _) => return invalid("client", "firstname", "cannot.be.blank"),
        _ => {
            return invalid(
                "client",
                "fullname",
                "cannot.be.provided.when.firstname.is.populated",
            );
        }
    };
    for key in ["activationDate", "submittedOnDate"] {
        if let Err(e) = date(body, "client", key) {
            return e;
        }
    }
    let date_of_birth = match date(body, "client", "dateOfBirth") {
        Ok(d) => d,
        Err(e) => return e,
    };
    let active = body
        .get("active")
        .map(|v| v.get() == "true")
        .unwrap_or(false);
    if active && text(body, "activationDate").is_none() {
        return invalid("client", "activationDate", "cannot.be.blank");
    }
    let external_id = text(body, "externalId");
    if external_id.is_some() && model.clients.values().any(|c| c.external_id == external_id) {
        return error(
            403,
            "error.msg.client.duplicate.externalId",
            "Client with externalId already exists",
            Some("externalId"),
        );
    }
    let mobile_no = text(body, "mobileNo");
    if mobile_no.is_some() && model.clients.values().any(|c| c.mobile_no == mobile_no) {
        return error(
            403,
            "error.msg.client.duplicate.mobileNo",
            "Client with mobileNo already exists",
            Some("mobileNo"),
        );
    }
    let id = model.next_id();
    model.clients.insert(
        id,
        Client {
            id,
            office_id,
            legal_form_id,
            external_id,
            display_name,
            mobile_no,
            date_of_birth,
        },
    );
    ok(json!({ "officeId": office_id, "clientId": id, "resourceId": id }))
}

fn create_savings(model: &mut Model, body: &Body) -> Reply {
    if let Err(e) = only(body, SAVINGS_KEYS) {
        return e;
    }
    let Some(client_id) = int(body, "clientId") else {
        return invalid("savingsaccount", "clientId", "cannot.be.blank");
    };
    let Some(product_id) = int(body, "productId") else {
        return invalid("savingsaccount", "productId", "cannot.be.blank");
    };
    match date(body, "savingsaccount", "submittedOnDate") {
        Ok(Some(_)) => {}
        Ok(None) => return invalid("savingsaccount", "submittedOnDate", "cannot.be.blank"),
        Err(e) => return e,
    }
    if !model.clients.contains_key(&client_id) {
        return error(
            404,
            "error.msg.client.id.invalid",
            "Client not found",
            Some("clientId"),
        );
    }
    if !model.products.contains_key(&product_id) {
        return error(
            404,
            "error.msg.savingsproduct.id.invalid",
            "Product not found",
            Some("productId"),
        );
    }
    let external_id = text(body, "externalId");
    if external_id.is_some() && model.savings.values().any(|s| s.external_id == external_id) {
        return error(
            403,
            "error.msg.savingsaccount.duplicate.externalId",
            "Savings account with externalId already exists",
            Some("externalId"),
        );
    }
    let id = model.next_id();
    model.savings.insert(
        id,
        Savings {
            id,
            client_id,
            product_id,
            external_id,
            status: 100,
            balance: 0,
            on_hold: 0,
            txns: Vec::new(),
        },
    );
    ok(json!({ "officeId": 1, "clientId": client_id, "savingsId": id, "resourceId": id }))
}

fn command(model: &mut Model, id: &str, query: &str, body: &Body) -> Option<Reply> {
    let (from, to, key, code) = match query {
        "command=approve" => (
            100,
            200,
            "approvedOnDate",
            "approve.not.in.submittedandpending.state",
        ),
        "command=activate" => (
            200,
            300,
            "activatedOnDate",
            "activate.not.in.approved.state",
        ),
        _ => return None,
    };
    if let Err(e) = only(body, &[key, "locale", "dateFormat", "note"]) {
        return Some(e);
    }
    match date(body, "savingsaccount", key) {
        Ok(Some(_)) => {}
        Ok(None) => return Some(invalid("savingsaccount", key, "cannot.be.blank")),
        Err(e) => return Some(e),
    }
    let Some(s) = id
        .parse()
        .ok()
        .and_then(|id: u64| model.savings.get_mut(&id))
    else {
        return Some(error(
            404,
            "error.msg.saving.account.id.invalid",
            "Savings account not found",
            None,
        ));
    };
    if s.status != from {
        return Some(error(
            400,
            &format!("validation.msg.savingsaccount.{code}"),
            "Wrong state",
            None,
        ));
    }
    s.status = to;
    Some(ok(
        json!({ "officeId": 1, "clientId": s.client_id, "savingsId": s.id, "resourceId": s.id, "changes": { "status": to } }),
    ))
}

fn deposit(model: &mut Model, id: &str, body: &Body) -> Reply {
    if let Err(e) = only(
        body,
        &[
            "transactionDate",
            "transactionAmount",
            "paymentTypeId",
            "locale",
            "dateFormat",
            "note",
            "receiptNumber",
        ],
    ) {
        return e;
    }
    match date(body, "savingsaccount.transaction", "transactionDate") {
        Ok(Some(_)) => {}
        Ok(None) => {
            return invalid(
                "savingsaccount.transaction",
                "transactionDate",
                "cannot.be.blank",
            );
        }
        Err(e) => return e,
    }
    let Some(payment_type) = int(body, "paymentTypeId") else {
        return invalid(
            "savingsaccount.transaction",
            "paymentTypeId",
            "cannot.be.blank",
        );
    };
    if !model.payment_types.iter().any(|(p, _)| *p == payment_type) {
        return error(
            404,
            "error.msg.payment.type.invalid",
            "Payment type not found",
            None,
        );
    }
    let amount = body
        .get("transactionAmount")
        .and_then(|v| crate::fineract::to_minor(v.get().trim_matches('"'), 2).ok())
        .filter(|a| *a > 0);
    let Some(amount) = amount else {
        return invalid(
            "savingsaccount.transaction",
            "transactionAmount",
            "not.greater.than.zero",
        );
    };
    let Some(sid) = id
        .parse()
        .ok()
        .filter(|id: &u64| model.savings.contains_key(id))
    else {
        return error(
            404,
            "error.msg.saving.account.id.invalid",
            "Savings account not found",
            None,
        );
    };
    if model.savings.get(&sid).is_some_and(|s| s.status != 300) {
        return error(
            403,
            "error.msg.savingsaccount.transaction.account.is.not.active",
            "Account is not active",
            None,
        );
    }
    let receipt = text(body, "receiptNumber");
    model.add_txn(sid, 1, amount, receipt.as_deref(), None);
    let Some(s) = model.savings.get_mut(&sid) else {
        return savings_not_found();
    };
    if let Some(t) = s.txns.last_mut() {
        t.payment_type = Some(payment_type);
    }
    ok(
        json!({ "officeId": 1, "clientId": s.client_id, "savingsId": sid, "resourceId": s.txns.last().map(|t| t.id) }),
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TxnOut {
    id: i64,
    transaction_type: serde_json::Value,
    date: [i64; 3],
    submitted_on_date: [i64; 3],
    amount: Box<RawValue>,
    running_balance: Box<RawValue>,
    reversed: bool,
    currency: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_detail_data: Option<serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SavingsOut {
    id: u64,
    account_no: String,
    external_id: Option<String>,
    client_id: u64,
    client_name: String,
    savings_product_id: u64,
    status: serde_json::Value,
    currency: serde_json::Value,
    savings_amount_on_hold: Box<RawValue>,
    summary: SummaryOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    transactions: Option<Vec<TxnOut>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryOut {
    account_balance: Box<RawValue>,
    available_balance: Box<RawValue>,
}

fn type_json(id: i64) -> serde_json::Value {
    let code = match id {
        1 => "deposit",
        2 => "withdrawal",
        4 => "withdrawalFee",
        20 => "onHold",
        21 => "release",
        _ => "other",
    };
    json!({ "id": id, "code": format!("savingsAccountTransactionType.{code}"), "value": code,
            "deposit": id == 1, "withdrawal": id == 2 })
}

fn savings_json(model: &Model, id: u64, with_txns: bool) -> Reply {
    let (Some((s, product)), Some(client)) = (
        model.savings_and_product(id),
        model
            .savings
            .get(&id)
            .and_then(|s| model.clients.get(&s.client_id)),
    ) else {
        return server_error("savings account without product or client");
    };
    let currency = json!({ "code": product.currency, "decimalPlaces": product.decimal_places });
    let status = match s.status {
        100 => (
            "submitted.and.pending.approval",
            "Submitted and pending approval",
        ),
        200 => ("approved", "Approved"),
        _ => ("active", "Active"),
    };
    let transactions = with_txns.then(|| {
        s.txns
            .iter()
            .rev()
            .map(|t| TxnOut {
                id: t.id,
                transaction_type: type_json(t.type_id),
                date: [t.date.0.into(), t.date.1.into(), t.date.2.into()],
                submitted_on_date: [t.date.0.into(), t.date.1.into(), t.date.2.into()],
                amount: dec(t.amount),
                running_balance: dec(t.running_balance),
                reversed: false,
                currency: currency.clone(),
                payment_detail_data: t.payment_type.map(|p| {
                    let name = if p == CASH_PAYMENT_TYPE {
                        "Cash"
                    } else {
                        "Money Transfer"
                    };
                    json!({
                        "id": t.id, "paymentType": { "id": p, "name": name },
                        "routingCode": t.routing, "receiptNumber": t.receipt,
                    })
                }),
            })
            .collect()
    });
    ok_typed(&SavingsOut {
        id,
        account_no: format!("{id:09}"),
        external_id: s.external_id.clone(),
        client_id: s.client_id,
        client_name: client.display_name.clone(),
        savings_product_id: s.product_id,
        status: json!({ "id": s.status, "code": format!("savingsAccountStatusType.{}", status.0), "value": status.1, "active": s.status == 300 }),
        currency,
        savings_amount_on_hold: dec(s.on_hold),
        summary: SummaryOut {
            account_balance: dec(s.balance),
            available_balance: dec(s.withdrawable()),
        },
        transactions,
    })
}
