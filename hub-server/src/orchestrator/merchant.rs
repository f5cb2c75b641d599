//! Merchant payment requests seen from the orchestration: a payment carrying a request's
//! reference is checked against it at quote time, and marks it paid once committed.

use crate::http::AppState;

/// A committed payment to `account` carrying a merchant request's `reference` marks the request
/// paid. Idempotent; a failure is logged (the money moved either way; the request shows open).
pub(super) async fn merchant_paid(
    state: &AppState,
    account: &str,
    reference: Option<&str>,
    payment: &str,
) {
    let Some(reference) = reference else { return };
    let (store, account, reference, payment, now) = (
        state.merchant.clone(),
        account.to_string(),
        reference.to_string(),
        payment.to_string(),
        state.now(),
    );
    let done =
        crate::api::blocking(
            move || Ok(store.settle_payment(&account, &reference, &payment, now)?),
        )
        .await;
    if let Err(e) = done {
        tracing::warn!(code = e.code(), "merchant request not marked paid");
    }
}

/// Checks a payment to merchant `account` carrying `reference` against its open request: an
/// unknown reference is a free-form one (a QR from another till system); a known one must be
/// open and for this amount.
pub(super) async fn check_merchant_request(
    state: &AppState,
    account: &str,
    reference: Option<&str>,
    amount_minor: i64,
) -> crate::Result<()> {
    let Some(reference) = reference else {
        return Ok(());
    };
    let (store, account, reference, now) = (
        state.merchant.clone(),
        account.to_string(),
        reference.to_string(),
        state.now(),
    );
    crate::api::blocking(move || {
        match store.check_payment(&account, Some(&reference), amount_minor, now) {
            Ok(_) | Err(crate::merchant::MerchantError::Unknown) => Ok(()),
            Err(e) => Err(e.into()),
        }
    })
    .await
}
