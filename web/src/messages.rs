//! What the UI says for each failure: the hub's stable error codes and the client's own.

use kipochi_core::client::ClientError;

/// A sentence for a person, from the error's stable code (falling back to the hub's message,
/// which the hub guarantees is safe to show).
pub fn describe(err: &ClientError) -> String {
    let text = match err.code() {
        "bad_credentials" => "Wrong phone number or PIN.",
        "locked" => "Too many wrong attempts. Wait a few minutes, then try again.",
        "unauthenticated" | "no_session" => "Your session ended. Please log in again.",
        "forbidden" => "Your account is not allowed to do this.",
        "insufficient_funds" => "Not enough money in your account for this payment and its fee.",
        "limit_exceeded" => "This payment is above your account's limit.",
        "payee_not_found" => "No wallet was found for that number or QR code.",
        "payee_rejected" => "The receiver's provider refused this payment.",
        "payee_changed" => "The receiver changed since the quote. Start the payment again.",
        "quote_expired" => "The quote expired before approval. Start the payment again.",
        "payment_declined" => "This payment was declined.",
        "unknown_device" => "This browser is not registered for payments. Log in again.",
        "account_unavailable" => "The account is not available right now.",
        "switch_timeout" | "switch_unavailable" => {
            "The payment network is not answering. Your money is safe; check the payment later."
        }
        "amount_mismatch" => "The amount does not match the one in the QR code.",
        "request_expired" => "This payment request has expired.",
        "request_paid" => "This payment request was already paid.",
        "unreachable" => "Cannot reach the server. Check your connection and try again.",
        "timeout" => "The server did not answer in time. Check the payment before retrying.",
        "invalid_approval" => "This browser could not sign the approval.",
        "already_exists" => "This phone number is already registered. Check it and fix the form.",
        "idempotency_conflict" => {
            "The server already holds another version of this form. Look the customer up instead."
        }
        _ => {
            return match err {
                ClientError::Hub { message, .. } => message.clone(),
                other => other.to_string(),
            };
        }
    };
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::describe;
    use kipochi_core::client::ClientError;

    fn hub(code: &str, message: &str) -> ClientError {
        ClientError::Hub {
            status: 400,
            code: code.into(),
            message: message.into(),
        }
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn known_codes_get_plain_sentences_and_others_the_hub_message() {
        assert_eq!(
            describe(&hub("insufficient_funds", "x")),
            "Not enough money in your account for this payment and its fee."
        );
        assert_eq!(
            describe(&hub("invalid_request", "amount is malformed")),
            "amount is malformed"
        );
        assert!(describe(&ClientError::Timeout).contains("did not answer"));
    }
}
