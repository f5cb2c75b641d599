//! `Query<T>` whose rejections answer with 400 `invalid_request` in the API's error shape.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::Error;

/// A query string parsed into `T`; a malformed one is 400 `invalid_request`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            // serde's message names the parameter and the expected type.
            Err(e) => Err(Error::InvalidRequest(e.body_text())),
        }
    }
}
