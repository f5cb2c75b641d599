//! `/interoperation/*` as `InteropApiResource` + `InteropServiceImpl` implement it (reference note
//! §2.2, `interoperation/service/InteropServiceImpl.java`, `interoperation/exception/*`):
//! - `GET /parties/{type}/{id}` → `{"accountId": externalId}`, unknown → 404
//!   `error.msg.interop.account.not.found`; `POST` registers `{"accountId"}` (the account must
//!   exist: 404 `error.msg.saving.account.id.invalid`), a taken identifier → 403
//!   `error.msg.interop.duplicate.account.identifier`;
//! - quotes: PAYER fee = the product's withdrawal fee, `withdrawable < amount + fee` → 403
//!   `error.msg.savingsaccount.transaction.insufficient.account.balance.withdraw`; PAYEE fee 0;
//! - transfers: the account by externalId (404 `error.msg.saving.account.id.invalid`), currency must
//!   match (403 `error.msg.currencies.different`), the account must allow the transaction (active,
//!   else 403 `error.msg.interop.transaction.not.allowed`); a non-cash payment type must exist (else
//!   Fineract fails with a null payment type: 500 here);
//!   - PREPARE (debit roles; PAYEE is a no-op): total = amount + fspFee; the balance check comes
//!     BEFORE the duplicate check; a second hold for the code → 403 with the SWAPPED code
//!     `error.msg.interop.transfer.already.committed` (`InteropTransferAlreadyOnHoldException`);
//!   - CREATE: an existing withdrawal/deposit for the code → 403 with the SWAPPED code
//!     `error.msg.interop.transfer.already.on.hold` (`InteropTransferAlreadyCommittedException`);
//!     PAYER: the hold must exist and equal the recomputed total (else 404
//!     `error.msg.interop.onhold.transfer.missing`), it is released if still held (so, as in
//!     Fineract, a CREATE after a RELEASE still withdraws), then a withdrawal of `amount` and the
//!     product's withdrawal fee; PAYEE: a deposit;
//!   - RELEASE: the hold must exist and not be released, else 404 `...onhold.transfer.missing`;
//!   - answer `{transactionCode, transferCode, state: "ACCEPTED", completedTimestamp}`.

use axum::http::Method;
use serde::Serialize;
use serde_json::json;
use serde_json::value::RawValue;

use super::model::Model;
use super::reply::{
    Body, Reply, dec, error, invalid, money, ok, ok_typed, savings_not_found, server_error, text,
};

const TYPES: &[&str] = &[
    "MSISDN",
    "EMAIL",
    "PERSONAL_ID",
    "BUSINESS",
    "DEVICE",
    "ACCOUNT_ID",
    "IBAN",
    "ALIAS",
];

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn route(
    model: &mut Model,
    method: &Method,
    seg: &[&str],
    query: &str,
    body: &Body,
) -> Option<Reply> {
    Some(match (method.as_str(), seg) {
        ("GET", ["parties", kind, value]) if TYPES.contains(kind) => {
            match model.identifiers.get(&(kind.to_string(), decode(value))) {
                Some(account) => ok(json!({ "accountId": account })),
                None => error(
                    404,
                    "error.msg.interop.account.not.found",
                    "Account not found for identifier",
                    None,
                ),
            }
        }
        ("POST", ["parties", kind, value]) if TYPES.contains(kind) => {
            let Some(account) = text(body, "accountId") else {
                return Some(invalid(
                    "interoperation.identifier",
                    "accountId",
                    "cannot.be.blank",
                ));
            };
            if body.len() != 1 {
                return Some(invalid(
                    "interoperation.identifier",
                    "body",
                    "unsupported.parameter",
                ));
            }
            if model.savings_by_ext(&account).is_none() {
                return Some(error(
                    404,
                    "error.msg.saving.account.id.invalid",
                    "Savings account not found",
                    None,
                ));
            }
            let key = (kind.to_string(), decode(value));
            if model.identifiers.contains_key(&key) {
                return Some(error(
                    403,
                    "error.msg.interop.duplicate.account.identifier",
                    "Account identifier already exists",
                    Some("idType"),
                ));
            }
            model.identifiers.insert(key, account.clone());
            ok(json!({ "resourceIdentifier": account }))
        }
        ("POST", ["quotes"]) if query.is_empty() => quote(model, body),
        ("POST", ["transfers"]) => match query {
            "action=PREPARE" | "action=CREATE" | "action=RELEASE" => {
                transfer(model, &query[7..], body)
            }
            _ => return None,
        },
        _ => return None,
    })
}

struct Parsed {
    transaction_code: String,
    savings: u64,
    /// The account's product's flat withdrawal fee.
    withdrawal_fee: i64,
    currency: String,
    amount: i64,
    fee: i64,
    debit: bool,
}

/// The common validation of quote and transfer requests (`validateAndGetSavingAccount`).
fn parse(
    model: &Model,
    body: &Body,
    resource: &str,
    code_key: &str,
) -> Result<(Parsed, String), Reply> {
    let transaction_code = text(body, "transactionCode")
        .ok_or_else(|| invalid(resource, "transactionCode", "cannot.be.blank"))?;
    let code =
        text(body, code_key).ok_or_else(|| invalid(resource, code_key, "cannot.be.blank"))?;
    let account =
        text(body, "accountId").ok_or_else(|| invalid(resource, "accountId", "cannot.be.blank"))?;
    let debit = match text(body, "transactionRole").as_deref() {
        Some("PAYER") => true,
        Some("PAYEE") => false,
        _ => return Err(invalid(resource, "transactionRole", "is.invalid")),
    };
    let (amount, currency) =
        money(body, "amount")?.ok_or_else(|| invalid(resource, "amount", "cannot.be.blank"))?;
    if amount <= 0 {
        return Err(invalid(resource, "amount", "not.greater.than.zero"));
    }
    let fee = match money(body, "fspFee")? {
        Some((_, c)) if c != currency => {
            return Err(error(
                403,
                "error.msg.currencies.different",
                "Different currencies",
                None,
            ));
        }
        Some((fee, _)) => fee,
        None => 0,
    };
    let savings = model.savings_by_ext(&account).ok_or_else(|| {
        error(
            404,
            "error.msg.saving.account.id.invalid",
            "Savings account not found",
            None,
        )
    })?;
    let (s, product) = model
        .savings_and_product(savings)
        .ok_or_else(|| server_error("savings account without product"))?;
    if product.currency != currency {
        return Err(error(
            403,
            "error.msg.currencies.different",
            "Different currencies",
            None,
        ));
    }
    if s.status != 300 {
        return Err(error(
            403,
            "error.msg.interop.transaction.not.allowed",
            "Transaction not allowed",
            None,
        ));
    }
    Ok((
        Parsed {
            transaction_code,
            savings,
            withdrawal_fee: product.withdrawal_fee,
            currency,
            amount,
            fee,
            debit,
        },
        code,
    ))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QuoteOut {
    transaction_code: String,
    quote_code: String,
    state: &'static str,
    fsp_fee: MoneyOut,
}

#[derive(Serialize)]
struct MoneyOut {
    amount: Box<RawValue>,
    currency: String,
}

fn quote(model: &mut Model, body: &Body) -> Reply {
    for key in ["amountType", "transactionType"] {
        if !body.contains_key(key) {
            return invalid("interoperation.quote", key, "cannot.be.blank");
        }
    }
    let (p, quote_code) = match parse(model, body, "interoperation.quote", "quoteCode") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let Some(s) = model.savings.get(&p.savings) else {
        return savings_not_found();
    };
    let fee = if p.debit { p.withdrawal_fee } else { 0 };
    if p.debit && s.withdrawable() < p.amount + fee {
        return error(
            403,
            "error.msg.savingsaccount.transaction.insufficient.account.balance.withdraw",
            "Insufficient account balance",
            None,
        );
    }
    ok_typed(&QuoteOut {
        transaction_code: p.transaction_code,
        quote_code,
        state: "ACCEPTED",
        fsp_fee: MoneyOut {
            amount: dec(fee),
            currency: p.currency.clone(),
        },
    })
}

fn transfer(model: &mut Model, action: &str, body: &Body) -> Reply {
    let (p, code) = match parse(model, body, "interoperation.transfer", "transferCode") {
        Ok(v) => v,
        Err(e) => return e,
    };
    if model.non_cash_payment_type().is_none() {
        return error(
            500,
            "error.msg.platform.server.side.error",
            "Payment type is null",
            None,
        );
    }
    let total = p.amount + p.fee;
    let route = Some("INTEROPERATION");
    let Some(s) = model.savings.get(&p.savings) else {
        return savings_not_found();
    };
    match (action, p.debit) {
        ("PREPARE", false) => {}
        ("PREPARE", true) => {
            if s.withdrawable() < total {
                return error(
                    403,
                    "error.msg.savingsaccount.transaction.insufficient.account.balance.withdraw",
                    "Insufficient account balance",
                    None,
                );
            }
            if s.find(&code, 20).is_some() {
                return error(
                    403,
                    "error.msg.interop.transfer.already.committed",
                    "Transaction already committed",
                    None,
                );
            }
            model.add_txn(p.savings, 20, total, Some(&code), route);
        }
        ("CREATE", debit) => {
            if s.find(&code, if debit { 2 } else { 1 }).is_some() {
                return error(
                    403,
                    "error.msg.interop.transfer.already.on.hold",
                    "Transaction already on hold",
                    None,
                );
            }
            if debit {
                let Some(hold) = s.find(&code, 20) else {
                    return error(
                        404,
                        "error.msg.interop.onhold.transfer.missing",
                        "No matching hold",
                        None,
                    );
                };
                let hold = s.txns[hold].clone();
                if hold.amount != total {
                    return error(
                        404,
                        "error.msg.interop.onhold.transfer.missing",
                        "No matching hold",
                        None,
                    );
                }
                if s.withdrawable() + if hold.released { 0 } else { hold.amount } < total {
                    return error(
                        403,
                        "error.msg.savingsaccount.transaction.insufficient.account.balance",
                        "Insufficient account balance",
                        None,
                    );
                }
                if !hold.released {
                    release(model, p.savings, &code);
                }
                let fee = p.withdrawal_fee;
                model.add_txn(p.savings, 2, p.amount, Some(&code), route);
                if fee > 0 {
                    model.add_txn(p.savings, 4, fee, None, None);
                }
            } else {
                model.add_txn(p.savings, 1, p.amount, Some(&code), route);
            }
        }
        (_, _) => match s.find(&code, 20) {
            Some(i) if !s.txns[i].released => release(model, p.savings, &code),
            _ => {
                return error(
                    404,
                    "error.msg.interop.onhold.transfer.missing",
                    "No matching hold",
                    None,
                );
            }
        },
    }
    ok(json!({
        "transactionCode": p.transaction_code, "transferCode": code, "state": "ACCEPTED",
        "completedTimestamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
    }))
}

/// Marks the hold of `code` released and books the release (no-op when there is no hold).
fn release(model: &mut Model, savings: u64, code: &str) {
    let Some(s) = model.savings.get_mut(&savings) else {
        return;
    };
    let Some(hold) = s.find(code, 20).and_then(|i| s.txns.get_mut(i)) else {
        return;
    };
    hold.released = true;
    let amount = hold.amount;
    model.add_txn(savings, 21, amount, Some(code), Some("INTEROPERATION"));
}
