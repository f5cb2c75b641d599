//! The hub client (`kipochi_core::client::HubClient`) as one uniffi object: every `/api/v1`
//! call the apps make, as `async` exports (Kotlin `suspend`, Swift `async`) running on the
//! library's runtime ([`crate::runtime`]). Wrappers only: each method converts its arguments,
//! calls the core and converts the answer; a failure is an [`FfiError`] carrying the hub's
//! stable code ([`FfiError::Hub`]).
//!
//! The bearer token lives in the client's memory only; the app may keep it in its secure
//! storage through [`HubClient::token`] / [`HubClient::set_token`]. The PIN is passed through to
//! the hub and never kept.

use std::sync::Arc;
use std::time::Duration;

use kipochi_core::api_extra::OnboardedCustomer;
use kipochi_core::api_merchant::{NewPaymentRequest, PaymentRequest, TillQr};
use kipochi_core::client::{self, ClientConfig, ClientError};

use crate::FfiError;
use crate::hub_records::{
    HistoryPage, HubBalance, HubPayment, HubProfile, LoginResult, OnboardForm, OnboardResult,
    PaymentPage, PaymentQuote, RegisteredDevice,
};
use crate::keys::DeviceKey;
use crate::runtime::run;

/// A client of one hub. Thread-safe; share one per hub in the app.
#[derive(Debug, uniffi::Object)]
pub struct HubClient(pub(crate) client::HubClient);

/// A new payment id (UUID v4 from the OS random source), made on the device so that sending the
/// same payment again is recognised by the hub.
#[uniffi::export]
pub fn new_payment_id() -> Result<String, FfiError> {
    Ok(kipochi_core::ids::new_uuid_v4()?)
}

impl HubClient {
    fn core(&self) -> client::HubClient {
        self.0.clone()
    }
}

#[uniffi::export]
impl HubClient {
    /// A client for the hub at `base_url` (`https://host[:port]`, no `/api/v1`), with 20 s per
    /// call and a 45 s idle timeout on live events.
    #[uniffi::constructor]
    pub fn new(base_url: String) -> Result<Arc<Self>, FfiError> {
        Ok(Arc::new(Self(client::HubClient::new(ClientConfig::new(
            base_url,
        ))?)))
    }

    /// Like [`HubClient::new`] with explicit timeouts (milliseconds, each at least 1).
    #[uniffi::constructor]
    pub fn with_timeouts(
        base_url: String,
        call_timeout_ms: u64,
        events_idle_timeout_ms: u64,
    ) -> Result<Arc<Self>, FfiError> {
        if call_timeout_ms == 0 || events_idle_timeout_ms == 0 {
            return Err(FfiError::invalid(
                "invalid_timeout",
                "timeouts must be positive",
            ));
        }
        let mut config = ClientConfig::new(base_url);
        config.timeout = Duration::from_millis(call_timeout_ms);
        config.events_idle_timeout = Duration::from_millis(events_idle_timeout_ms);
        Ok(Arc::new(Self(client::HubClient::new(config)?)))
    }

    /// The session token, for the app's secure storage (never log it).
    pub fn token(&self) -> Option<String> {
        self.0.token()
    }

    /// Restores a token from the app's secure storage (or clears it with `None`).
    pub fn set_token(&self, token: Option<String>) {
        self.0.set_token(token);
    }

    /// Whether a session token is set (it may still have expired at the hub).
    pub fn has_session(&self) -> bool {
        self.0.token().is_some()
    }

    /// Logs in with phone number and PIN; the client keeps the session.
    pub async fn login(&self, phone: String, pin: String) -> Result<LoginResult, FfiError> {
        let c = self.core();
        run(async move { c.login(&phone, &pin).await.map(Into::into) }).await
    }

    /// Sets the first PIN with the agent's activation code (then log in).
    pub async fn activate(
        &self,
        phone: String,
        activation_code: String,
        pin: String,
    ) -> Result<HubProfile, FfiError> {
        let c = self.core();
        run(async move {
            c.activate(&phone, &activation_code, &pin)
                .await
                .map(Into::into)
        })
        .await
    }

    /// Ends the session at the hub and forgets the token.
    pub async fn logout(&self) -> Result<(), FfiError> {
        let c = self.core();
        run(async move { c.logout().await }).await
    }

    /// The logged-in user's profile.
    pub async fn me(&self) -> Result<HubProfile, FfiError> {
        let c = self.core();
        run(async move { c.me().await.map(Into::into) }).await
    }

    /// Registers this device's key for payment approvals.
    pub async fn register_device(
        &self,
        key: Arc<DeviceKey>,
        label: String,
    ) -> Result<RegisteredDevice, FfiError> {
        let c = self.core();
        run(async move { c.register_device(&key.0, &label).await.map(Into::into) }).await
    }

    /// The user's registered devices.
    pub async fn devices(&self) -> Result<Vec<RegisteredDevice>, FfiError> {
        let c = self.core();
        run(async move {
            let list = c.devices().await?;
            Ok::<_, ClientError>(list.into_iter().map(Into::into).collect())
        })
        .await
    }

    /// The account's balance.
    pub async fn balance(&self) -> Result<HubBalance, FfiError> {
        let c = self.core();
        run(async move { c.balance().await.map(Into::into) }).await
    }

    /// One page of booked movements, newest first.
    pub async fn history(
        &self,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> Result<HistoryPage, FfiError> {
        let c = self.core();
        run(async move {
            let page = c.history(cursor.as_deref(), limit).await?;
            Ok::<_, ClientError>(HistoryPage {
                items: page.items.into_iter().map(Into::into).collect(),
                next_cursor: page.next_cursor,
            })
        })
        .await
    }

    /// Resolves a scanned QR payload to the hub's quote (payee name from the lookup, fee,
    /// total, expiry). `amount` only for a static QR. Same `payment_id` again: same quote.
    pub async fn quote_qr(
        &self,
        payment_id: String,
        payload: String,
        amount: Option<String>,
    ) -> Result<PaymentQuote, FfiError> {
        let c = self.core();
        run(async move {
            c.pay_qr(&payment_id, &payload, amount.as_deref())
                .await
                .map(Into::into)
        })
        .await
    }

    /// Resolves a phone number (P2P) to the hub's quote.
    pub async fn quote_phone(
        &self,
        payment_id: String,
        phone: String,
        amount: String,
        note: Option<String>,
    ) -> Result<PaymentQuote, FfiError> {
        let c = self.core();
        run(async move {
            c.pay_phone(&payment_id, &phone, &amount, note.as_deref())
                .await
                .map(Into::into)
        })
        .await
    }

    /// Approves `quote` with the PIN and this device's signature over its exact terms. Returns
    /// the payment as the hub left it (final, or `Sent` while the switch answers: follow it
    /// with [`HubClient::payment`] or the live events).
    pub async fn approve(
        &self,
        quote: PaymentQuote,
        pin: String,
        key: Arc<DeviceKey>,
    ) -> Result<HubPayment, FfiError> {
        let c = self.core();
        run(async move { c.approve(&quote.into(), &pin, &key.0).await.map(Into::into) }).await
    }

    /// Declines a quoted payment.
    pub async fn decline(&self, payment_id: String) -> Result<HubPayment, FfiError> {
        let c = self.core();
        run(async move { c.decline(&payment_id).await.map(Into::into) }).await
    }

    /// A payment's current state.
    pub async fn payment(&self, payment_id: String) -> Result<HubPayment, FfiError> {
        let c = self.core();
        run(async move { c.payment(&payment_id).await.map(Into::into) }).await
    }

    /// Onboards a customer (agent role) directly; `onboarding_id` is the idempotency key. For
    /// offline capture use the `Outbox` and [`crate::Outbox::sync_with_hub`].
    pub async fn onboard(
        &self,
        onboarding_id: String,
        form: OnboardForm,
    ) -> Result<OnboardResult, FfiError> {
        let c = self.core();
        run(async move {
            c.onboard(&onboarding_id, &form.into())
                .await
                .map(Into::into)
        })
        .await
    }

    /// Customers this agent onboarded, newest first.
    pub async fn onboarded_customers(
        &self,
        limit: Option<u32>,
    ) -> Result<Vec<OnboardedCustomer>, FfiError> {
        let c = self.core();
        run(async move { c.onboarded_customers(limit).await }).await
    }

    /// Creates a dynamic QR for one sale (merchant role): amount as exact decimal text.
    pub async fn create_payment_request(
        &self,
        amount: String,
        reference: String,
        terminal: Option<String>,
    ) -> Result<PaymentRequest, FfiError> {
        let c = self.core();
        let req = NewPaymentRequest {
            amount,
            reference,
            terminal,
        };
        run(async move { c.create_payment_request(&req).await }).await
    }

    /// A payment request's status.
    pub async fn payment_request(&self, request_id: String) -> Result<PaymentRequest, FfiError> {
        let c = self.core();
        run(async move { c.payment_request(&request_id).await }).await
    }

    /// The merchant's static till QR.
    pub async fn till_qr(&self) -> Result<TillQr, FfiError> {
        let c = self.core();
        run(async move { c.till_qr().await }).await
    }

    /// Payments the merchant received, newest first.
    pub async fn merchant_payments(
        &self,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> Result<PaymentPage, FfiError> {
        let c = self.core();
        run(async move {
            let page = c.merchant_payments(cursor.as_deref(), limit).await?;
            Ok::<_, ClientError>(PaymentPage {
                items: page.items.into_iter().map(Into::into).collect(),
                next_cursor: page.next_cursor,
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_urls_and_timeouts_are_refused() {
        let e = HubClient::new("ftp://hub".into()).unwrap_err();
        assert!(matches!(e, FfiError::InvalidInput { .. }), "{e:?}");
        let e = HubClient::with_timeouts("http://127.0.0.1:1".into(), 0, 1).unwrap_err();
        assert_eq!(e.code(), "invalid_timeout");
        assert_eq!(new_payment_id().unwrap().len(), 36);
    }

    #[test]
    fn calls_without_a_session_or_an_answer_have_stable_codes() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let hub = HubClient::with_timeouts("http://127.0.0.1:1".into(), 2_000, 2_000).unwrap();
        let e = rt.block_on(hub.balance()).unwrap_err();
        assert_eq!(e.code(), "no_session");
        assert!(matches!(
            e,
            FfiError::Hub {
                retryable: false,
                ..
            }
        ));
        let e = rt
            .block_on(hub.login("255711000001".into(), "2580".into()))
            .unwrap_err();
        assert_eq!(e.code(), "unreachable");
        assert!(matches!(
            e,
            FfiError::Hub {
                status: 0,
                retryable: true,
                ..
            }
        ));
        assert!(!e.to_string().contains("2580"));
        hub.set_token(Some("t".into()));
        assert!(hub.has_session());
        let e = rt.block_on(hub.payment("../admin".into())).unwrap_err();
        assert!(matches!(e, FfiError::InvalidInput { .. }), "{e:?}");
    }
}
