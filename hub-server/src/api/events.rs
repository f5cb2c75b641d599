//! `GET /events`: Server-Sent Events of the caller's own notifications, with keep-alive.
//!
//! Authentication: `Authorization: Bearer <token>` like every endpoint, or, because a browser's
//! `EventSource` cannot set headers, a `?token=<token>` query parameter. The query form puts the
//! token in the URL: serve the API over TLS only and keep access logs free of query strings.
//! The token is checked when the stream opens; the stream then lives until the client closes it.
//!
//! Each event is a JSON `kipochi_core::api::Event` in `data`. When the connection falls behind
//! the hub's buffer, an `event: lagged` frame tells the client to re-read balance and history
//! (events are notifications only, never the source of truth).

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use futures_util::stream;
use kipochi_core::api::Event;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::doc::{BadRequest, ServerError, Unauthenticated};
use super::query::ApiQuery;
use super::{blocking, extract::bearer};
use crate::error::{Error, Result};
use crate::http::AppState;

/// Interval of keep-alive comments, below common proxy idle timeouts.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Query of `GET /events`.
#[derive(Debug, Deserialize)]
pub(super) struct EventsQuery {
    token: Option<String>,
}

/// `GET /api/v1/events`.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tags = ["customer", "merchant"],
    summary = "Live events of the caller (Server-Sent Events)",
    description = "A `text/event-stream` of the caller's own notifications: each `data` is one \
JSON `Event` (`payment_received`, `payment_completed`, `balance_changed`). An `event: lagged` \
frame (data `refetch`) means events were dropped: re-read balance and history. Keep-alive \
comments every 15 s. Events are notifications, never the source of truth. The token goes in the \
`Authorization` header or, for browsers' EventSource, in `?token=` (serve over TLS only).",
    security(("bearer" = []), ("query_token" = [])),
    responses(
        (status = 200, description = "The event stream; each `data` line is an `Event` in JSON.", body = Event, content_type = "text/event-stream"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, axum::Error>>>> {
    let token = bearer(&headers)
        .or(q.token.filter(|t| !t.is_empty()))
        .ok_or(Error::Unauthenticated)?;
    let (auth, now) = (state.auth.clone(), state.now());
    let user = blocking(move || auth.authenticate(&token, now)).await?;
    let user_id = user.id.to_string();
    // Subscribe before answering, so nothing published after the response is missed.
    let rx = state.events.subscribe();
    let stream = stream::unfold((rx, user_id), |(mut rx, user_id)| async move {
        loop {
            match rx.recv().await {
                Ok((to, event)) if to == user_id => {
                    let frame = SseEvent::default().json_data(&event);
                    return Some((frame, (rx, user_id)));
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => {
                    let frame = SseEvent::default().event("lagged").data("refetch");
                    return Some((Ok(frame), (rx, user_id)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
