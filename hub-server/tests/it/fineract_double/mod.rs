//! The Fineract contract double (`kipochi_hub::fineract_double`, also the `kipochi-hub
//! fineract-double` subcommand) served in-process on 127.0.0.1 for the tests, with every call
//! recorded: [`FineractDouble::unexpected`] lists the calls outside the documented contract.

#![allow(dead_code, unused_imports)]

use std::sync::{Arc, Mutex};

use kipochi_hub::fineract_double::{Call, Double, standard_model};
pub use kipochi_hub::fineract_double::{
    FEE_PRODUCT, Model, PASSWORD, PREFIX, TENANT, TOKEN, USER, WALLET_PRODUCT, model,
};

/// A running double.
pub struct FineractDouble {
    pub base_url: String,
    pub model: Arc<Mutex<Model>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FineractDouble {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FineractDouble {
    /// Starts a double with products 1 (TZS, no fee), 2 (TZS, withdrawal fee `fee`), 3 (USD), and a
    /// cash and a non-cash payment type; business date 2 December 2026.
    pub async fn start(fee: i64) -> Self {
        let mut model = standard_model(fee, Some((2026, 12, 2)));
        model.record_calls = true;
        let double = Double::new(model);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = double.router();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base_url: format!("http://{addr}{PREFIX}"),
            model: double.model,
            task,
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.model.lock().unwrap().calls.clone()
    }

    pub fn unexpected(&self) -> Vec<String> {
        self.model.lock().unwrap().unexpected.clone()
    }

    /// Number of clients and savings accounts.
    pub fn counts(&self) -> (usize, usize) {
        let m = self.model.lock().unwrap();
        (m.clients.len(), m.savings.len())
    }

    /// The next request whose path contains `needle` is processed, but its answer is lost (504).
    pub fn lose_answer_of(&self, needle: &str) {
        self.model.lock().unwrap().lose_answer_of = Some(needle.into());
    }

    /// Calls whose path contains `needle`.
    pub fn calls_to(&self, needle: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| format!("{}?{}", c.path, c.query).contains(needle))
            .collect()
    }

    /// A teller deposit on the savings account with externalId `account`, through the real
    /// endpoint (`POST /savingsaccounts/{id}/transactions?command=deposit`).
    pub async fn deposit(&self, account: kipochi_hub::accounts::AccountId, minor: i64) {
        let savings = self
            .model
            .lock()
            .unwrap()
            .savings_by_ext(&account.to_string())
            .expect("no such savings account");
        let body = format!(
            r#"{{"transactionDate":"02 December 2026","transactionAmount":{},"paymentTypeId":1,"locale":"en","dateFormat":"dd MMMM yyyy"}}"#,
            kipochi_hub::fineract::from_minor(minor, 2)
        );
        let response = reqwest::Client::new()
            .post(format!(
                "{}/savingsaccounts/{savings}/transactions?command=deposit",
                self.base_url
            ))
            .header("Fineract-Platform-TenantId", TENANT)
            .basic_auth(USER, Some(PASSWORD))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
}
