//! Fineract's answers and the request-field readers the endpoints share: the error body
//! (`ApiGlobalErrorResponse`), validation errors, `MoneyData`, dates with `locale` + `dateFormat`,
//! `checkForUnsupportedParameters`, and amounts rendered with six decimals.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::fineract::{from_minor, to_minor};

/// A reply: status and JSON text.
pub type Reply = (u16, String);

/// A request body: top-level keys with their raw JSON.
pub type Body = BTreeMap<String, Box<RawValue>>;

/// Fineract's `ApiGlobalErrorResponse`.
pub fn error(status: u16, code: &str, message: &str, parameter: Option<&str>) -> Reply {
    let body = json!({
        "developerMessage": message,
        "httpStatusCode": status.to_string(),
        "defaultUserMessage": message,
        "userMessageGlobalisationCode": code,
        "errors": [{
            "developerMessage": message,
            "defaultUserMessage": message,
            "userMessageGlobalisationCode": code,
            "parameterName": parameter.unwrap_or("id"),
            "value": null,
            "args": [],
        }],
    });
    (status, body.to_string())
}

/// A 400 validation error on one parameter.
pub fn invalid(resource: &str, parameter: &str, what: &str) -> Reply {
    let code = format!("validation.msg.{resource}.{parameter}.{what}");
    let body = json!({
        "developerMessage": "Invalid parameter details were passed in the request body.",
        "httpStatusCode": "400",
        "defaultUserMessage": "Validation errors exist.",
        "userMessageGlobalisationCode": "validation.msg.validation.errors.exist",
        "errors": [{
            "developerMessage": format!("The parameter `{parameter}` {what}."),
            "defaultUserMessage": format!("The parameter `{parameter}` {what}."),
            "userMessageGlobalisationCode": code,
            "parameterName": parameter,
            "value": null,
            "args": [],
        }],
    });
    (400, body.to_string())
}

/// The 500 Fineract answers when its own data is inconsistent.
pub fn server_error(what: &str) -> Reply {
    error(500, "error.msg.platform.server.side.error", what, None)
}

/// The 404 of a savings account.
pub fn savings_not_found() -> Reply {
    error(
        404,
        "error.msg.saving.account.id.invalid",
        "Savings account not found",
        None,
    )
}

/// Reads a string field.
pub fn text(body: &Body, key: &str) -> Option<String> {
    serde_json::from_str::<String>(body.get(key)?.get()).ok()
}

/// Reads an integer field.
pub fn int(body: &Body, key: &str) -> Option<u64> {
    serde_json::from_str::<u64>(body.get(key)?.get()).ok()
}

/// Reads a `MoneyData` `{amount, currency}` with an exact decimal amount (minor units, 2 decimals).
pub fn money(body: &Body, key: &str) -> Result<Option<(i64, String)>, Reply> {
    let Some(raw) = body.get(key) else {
        return Ok(None);
    };
    let inner: Body = serde_json::from_str(raw.get())
        .map_err(|_| invalid("interoperation", key, "is invalid"))?;
    let currency = text(&inner, "currency")
        .filter(|c| c.len() == 3)
        .ok_or_else(|| invalid("interoperation", "currency", "cannot.be.blank"))?;
    let amount = inner
        .get("amount")
        .ok_or_else(|| invalid("interoperation", "amount", "cannot.be.blank"))?;
    let minor = to_minor(amount.get().trim_matches('"'), 2)
        .map_err(|_| invalid("interoperation", "amount", "is.invalid"))?;
    Ok(Some((minor, currency)))
}

/// A decimal as Fineract renders savings amounts (six decimals).
pub fn dec(minor: i64) -> Box<RawValue> {
    RawValue::from_string(format!("{}0000", from_minor(minor, 2)))
        .unwrap_or_else(|_| RawValue::NULL.to_owned())
}

/// Checks `locale` + `dateFormat` and parses date `key` in `dd MMMM yyyy`.
pub fn date(body: &Body, resource: &str, key: &str) -> Result<Option<chrono::NaiveDate>, Reply> {
    let Some(value) = text(body, key) else {
        return Ok(None);
    };
    if text(body, "locale").as_deref() != Some("en") {
        return Err(invalid(resource, "locale", "cannot.be.blank"));
    }
    if text(body, "dateFormat").as_deref() != Some("dd MMMM yyyy") {
        return Err(invalid(resource, "dateFormat", "is.invalid"));
    }
    chrono::NaiveDate::parse_from_str(&value, "%d %B %Y")
        .map(Some)
        .map_err(|_| invalid(resource, key, "is.invalid.date"))
}

/// Refuses keys outside `allowed` (`checkForUnsupportedParameters`).
pub fn only(body: &Body, allowed: &[&str]) -> Result<(), Reply> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(error(
            400,
            "validation.msg.validation.errors.exist",
            "The request contains unsupported parameters",
            Some(k),
        )),
        None => Ok(()),
    }
}

/// JSON text of `value`.
pub fn ok(value: Value) -> Reply {
    (200, value.to_string())
}

/// JSON text of a serialisable value (keeps raw decimals exact).
pub fn ok_typed<T: serde::Serialize>(value: &T) -> Reply {
    match serde_json::to_string(value) {
        Ok(text) => (200, text),
        Err(_) => server_error("cannot render the answer"),
    }
}
