//! An agent's onboarding form, checked on the device before it is queued in the outbox.
//!
//! The rules are the hub's (`hub-server/src/api/agent.rs` `validate`), so a form that passes here
//! is refused by the hub only for what the device cannot know (e.g. the phone number is taken).
//! The queued payload is the [`OnboardRequest`] itself; [`form_of`] and [`result_of`] read an
//! outbox item back for "fix and resubmit" and for the activation code to hand to the customer.

use chrono::{DateTime, NaiveDate};

use crate::api::{OnboardRequest, OnboardResponse};
use crate::store::{OutboxItem, OutboxKind};

/// Youngest customer an agent may onboard, in years (the hub's rule).
pub const MIN_AGE_YEARS: u32 = 18;

/// Largest photo accepted, in bytes before base64 (the hub's rule).
pub const MAX_PHOTO_BYTES: usize = 512 * 1024;

/// One field's problem, for display next to that field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The form field: `phone`, `full_name`, `id_number`, `date_of_birth`, `kyc_tier`, `photo`.
    pub field: &'static str,
    /// What to fix, in plain words.
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Every problem of `form` at `now_ms` (Unix ms), in field order; empty when it may be queued.
pub fn validate(form: &OnboardRequest, now_ms: i64) -> Vec<FieldError> {
    let mut out = Vec::new();
    let phone = &form.phone;
    if !((8..=15).contains(&phone.len()) && phone.bytes().all(|b| b.is_ascii_digit())) {
        out.push(err(
            "phone",
            "Phone number: 8 to 15 digits, international format without +.",
        ));
    }
    let name = form.full_name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        out.push(err("full_name", "Full name: 1 to 128 characters."));
    }
    let id = form.id_number.trim();
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | ' '))
    {
        out.push(err(
            "id_number",
            "ID number: 1 to 64 letters, digits, '-', '/' or spaces.",
        ));
    }
    match NaiveDate::parse_from_str(&form.date_of_birth, "%Y-%m-%d") {
        Err(_) => out.push(err("date_of_birth", "Date of birth: use YYYY-MM-DD.")),
        Ok(dob) => match DateTime::from_timestamp_millis(now_ms).map(|t| t.date_naive()) {
            None => out.push(err("date_of_birth", "The device clock is out of range.")),
            Some(today) if dob >= today => {
                out.push(err("date_of_birth", "Date of birth must be in the past."))
            }
            Some(today) if today.years_since(dob).unwrap_or(0) < MIN_AGE_YEARS => out.push(err(
                "date_of_birth",
                format!("The customer must be at least {MIN_AGE_YEARS} years old."),
            )),
            Some(_) => {}
        },
    }
    if !(1..=3).contains(&form.kyc_tier) {
        out.push(err("kyc_tier", "KYC tier: 1, 2 or 3."));
    }
    if let Some(photo) = &form.photo
        && photo.len() > MAX_PHOTO_BYTES / 3 * 4 + 4
    {
        out.push(err("photo", "The photo is too large (512 KB at most)."));
    }
    out
}

/// The form an onboarding outbox item carries (`None` for other kinds or a corrupt payload).
pub fn form_of(item: &OutboxItem) -> Option<OnboardRequest> {
    (item.kind == OutboxKind::Onboarding)
        .then(|| serde_json::from_str(&item.payload).ok())
        .flatten()
}

/// The hub's answer stored with a `Done` onboarding item (the new customer and activation code).
pub fn result_of(item: &OutboxItem) -> Option<OnboardResponse> {
    if item.kind != OutboxKind::Onboarding || item.status != crate::store::OutboxStatus::Done {
        return None;
    }
    serde_json::from_str(item.result.as_deref()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::IdDocumentType;

    /// 2026-12-02T00:00:00Z.
    const NOW: i64 = 1_796_169_600_000;

    fn form() -> OnboardRequest {
        OnboardRequest {
            full_name: "Asha Juma".into(),
            phone: "255733000001".into(),
            id_type: IdDocumentType::NationalId,
            id_number: "19900101-12345".into(),
            date_of_birth: "1990-01-01".into(),
            kyc_tier: 1,
            photo: None,
        }
    }

    fn fields(f: &OnboardRequest) -> Vec<&'static str> {
        validate(f, NOW).into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_form_passes() {
        assert!(validate(&form(), NOW).is_empty());
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut f = form();
        f.phone = "+255 733".into();
        f.full_name = "  ".into();
        f.id_number = "12;34".into();
        f.kyc_tier = 4;
        assert_eq!(fields(&f), ["phone", "full_name", "id_number", "kyc_tier"]);
        let mut f = form();
        f.date_of_birth = "01/01/1990".into();
        assert_eq!(fields(&f), ["date_of_birth"]);
        f.date_of_birth = "2030-01-01".into();
        assert_eq!(fields(&f), ["date_of_birth"]);
        // 17 years and 364 days old on 2026-12-02.
        f.date_of_birth = "2008-12-03".into();
        assert_eq!(fields(&f), ["date_of_birth"]);
        f.date_of_birth = "2008-12-02".into();
        assert!(fields(&f).is_empty());
        // Base64 of MAX_PHOTO_BYTES is 4/3 as long: just past that is refused.
        f.photo = Some("A".repeat(MAX_PHOTO_BYTES / 3 * 4 + 8));
        assert_eq!(fields(&f), ["photo"]);
        f.photo = Some("A".repeat(MAX_PHOTO_BYTES / 3 * 4));
        assert!(fields(&f).is_empty());
    }

    #[test]
    fn items_read_back_as_form_and_result() {
        use crate::store::OutboxStatus;
        let payload = serde_json::to_string(&form()).unwrap();
        let mut item = OutboxItem {
            id: "i1".into(),
            seq: 1,
            kind: OutboxKind::Onboarding,
            payload,
            status: OutboxStatus::Queued,
            attempts: 0,
            result: None,
            last_error: None,
            lease_owner: None,
            lease_until_ms: None,
            created_at_ms: 1,
            updated_at_ms: 1,
        };
        assert_eq!(form_of(&item), Some(form()));
        assert_eq!(result_of(&item), None);
        item.status = OutboxStatus::Done;
        item.result = Some(
            r#"{"customer_id":"c","phone":"255733000001","account_id":"a","activation_code":"12345678","created_at":5}"#.into(),
        );
        assert_eq!(result_of(&item).unwrap().activation_code, "12345678");
        item.kind = OutboxKind::Payment;
        assert_eq!(form_of(&item), None);
        assert_eq!(result_of(&item), None);
    }
}
