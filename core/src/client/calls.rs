//! The `/api/v1` calls, one method each. Request and answer types are `crate::api*`.

use reqwest::Method;

use super::{ClientError, ClientResult, HubClient, page_query, path_id};
use crate::api::{
    ActivateRequest, ApproveRequest, Balance, CreatePaymentRequest, Device, LoginRequest,
    LoginResponse, OnboardRequest, OnboardResponse, Page, Payment, PaymentTarget, Profile, Quote,
    RegisterDeviceRequest,
};
use crate::api_extra::{HistoryItem, OnboardedCustomer};
use crate::api_merchant::{NewPaymentRequest, PaymentRequest, TillQr};
use crate::approval;
use crate::keys::DeviceKey;

impl HubClient {
    /// Logs in with phone number and PIN; keeps the session token. The PIN goes only to the hub.
    pub async fn login(&self, phone: &str, pin: &str) -> ClientResult<LoginResponse> {
        let req = LoginRequest {
            phone: phone.into(),
            pin: pin.into(),
        };
        let res: LoginResponse = self.post("/auth/login", &req, false).await?;
        self.set_token(Some(res.token.clone()));
        Ok(res)
    }

    /// Sets the first PIN with the activation code the agent handed out (then log in).
    pub async fn activate(&self, phone: &str, code: &str, pin: &str) -> ClientResult<Profile> {
        let req = ActivateRequest {
            phone: phone.into(),
            activation_code: code.into(),
            pin: pin.into(),
        };
        self.post("/auth/activate", &req, false).await
    }

    /// Ends the session at the hub and forgets the token (also when the hub no longer knew it).
    pub async fn logout(&self) -> ClientResult<()> {
        let req = self.request(Method::POST, "/auth/logout", true)?;
        match self.send_raw(req).await {
            Ok(_) => {
                self.set_token(None);
                Ok(())
            }
            Err(e) if e.is_unauthenticated() => {
                self.set_token(None);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The logged-in user's profile.
    pub async fn me(&self) -> ClientResult<Profile> {
        self.get("/me").await
    }

    /// Registers this device's public key for payment approvals.
    pub async fn register_device(&self, key: &DeviceKey, label: &str) -> ClientResult<Device> {
        let req = RegisterDeviceRequest {
            public_key: key.public_key().to_base64url(),
            label: label.into(),
        };
        self.post("/devices", &req, true).await
    }

    /// The user's registered devices.
    pub async fn devices(&self) -> ClientResult<Vec<Device>> {
        self.get("/devices").await
    }

    /// The balance of the user's account.
    pub async fn balance(&self) -> ClientResult<Balance> {
        self.get("/balance").await
    }

    /// One page of the account's booked movements, newest first; pass the previous page's
    /// `next_cursor` for the next one.
    pub async fn history(
        &self,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> ClientResult<Page<HistoryItem>> {
        self.get(&format!("/history{}", page_query(cursor, limit)))
            .await
    }

    /// Starts a payment and returns the hub's quote (payee name from the lookup, fee, expiry).
    /// `req.payment_id` is made on the device; sending the same request again returns the same
    /// quote.
    pub async fn create_payment(&self, req: &CreatePaymentRequest) -> ClientResult<Quote> {
        path_id(&req.payment_id)?;
        self.post("/payments", req, true).await
    }

    /// [`Self::create_payment`] for a scanned QR payload; `amount` only for a static QR.
    pub async fn pay_qr(
        &self,
        payment_id: &str,
        payload: &str,
        amount: Option<&str>,
    ) -> ClientResult<Quote> {
        self.create_payment(&CreatePaymentRequest {
            payment_id: payment_id.into(),
            target: PaymentTarget::Qr {
                payload: payload.into(),
            },
            amount: amount.map(str::to_string),
            currency: None,
            note: None,
        })
        .await
    }

    /// [`Self::create_payment`] to a phone number (P2P).
    pub async fn pay_phone(
        &self,
        payment_id: &str,
        phone: &str,
        amount: &str,
        note: Option<&str>,
    ) -> ClientResult<Quote> {
        self.create_payment(&CreatePaymentRequest {
            payment_id: payment_id.into(),
            target: PaymentTarget::Phone {
                phone: phone.into(),
            },
            amount: Some(amount.into()),
            currency: None,
            note: note.map(str::to_string),
        })
        .await
    }

    /// Approves `quote`: signs its exact terms (`Quote::approval_terms`) with the device key and
    /// sends them with the PIN. Returns the payment as the hub booked (or refused) it.
    pub async fn approve(
        &self,
        quote: &Quote,
        pin: &str,
        key: &DeviceKey,
    ) -> ClientResult<Payment> {
        let id = path_id(&quote.payment_id)?;
        let terms = quote.approval_terms(&key.device_id());
        let signed = approval::sign(&terms, key)?;
        let req = ApproveRequest {
            pin: pin.into(),
            device_id: signed.device_id,
            signature: signed.signature,
        };
        self.post(&format!("/payments/{id}/approve"), &req, true)
            .await
    }

    /// Declines a quoted payment.
    pub async fn decline(&self, payment_id: &str) -> ClientResult<Payment> {
        let id = path_id(payment_id)?;
        let req = self.request(Method::POST, &format!("/payments/{id}/decline"), true)?;
        self.send(req).await
    }

    /// A payment's current status.
    pub async fn payment(&self, payment_id: &str) -> ClientResult<Payment> {
        let id = path_id(payment_id)?;
        self.get(&format!("/payments/{id}")).await
    }

    /// Onboards a customer (agent role). `onboarding_id` is the `Idempotency-Key`: the same id
    /// and form always give the one customer the hub created first.
    pub async fn onboard(
        &self,
        onboarding_id: &str,
        form: &OnboardRequest,
    ) -> ClientResult<OnboardResponse> {
        if onboarding_id.is_empty()
            || onboarding_id.len() > 128
            || !onboarding_id.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(ClientError::InvalidInput("malformed onboarding id".into()));
        }
        let req = self
            .request(Method::POST, "/agent/customers", true)?
            .header("idempotency-key", onboarding_id)
            .json(form);
        self.send(req).await
    }

    /// The customers this agent onboarded, newest first.
    pub async fn onboarded_customers(
        &self,
        limit: Option<u32>,
    ) -> ClientResult<Vec<OnboardedCustomer>> {
        self.get(&format!("/agent/customers{}", page_query(None, limit)))
            .await
    }

    /// Creates a dynamic QR for one sale (merchant role).
    pub async fn create_payment_request(
        &self,
        req: &NewPaymentRequest,
    ) -> ClientResult<PaymentRequest> {
        self.post("/merchant/requests", req, true).await
    }

    /// A payment request's status (open, paid with the payment id, expired).
    pub async fn payment_request(&self, request_id: &str) -> ClientResult<PaymentRequest> {
        let id = path_id(request_id)?;
        self.get(&format!("/merchant/requests/{id}")).await
    }

    /// The merchant's static till QR (payload and PNG).
    pub async fn till_qr(&self) -> ClientResult<TillQr> {
        self.get("/merchant/till-qr").await
    }

    /// Payments received by the merchant, newest first, paged.
    pub async fn merchant_payments(
        &self,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> ClientResult<Page<Payment>> {
        self.get(&format!("/merchant/payments{}", page_query(cursor, limit)))
            .await
    }
}
