//! Limits on what a caller controls: header and URI sizes, and one deadline
//! for the whole request (queueing behind a rate budget and retries included).

use std::time::Duration;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{
    AppState,
    error::{ApiError, ErrorCode},
};

/// Longest request URI accepted.
const MAX_URI_BYTES: usize = 8 * 1024;

/// What the API accepts, from configuration.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_header_bytes: usize,
    pub request_timeout: Duration,
    pub idempotency_ttl: Duration,
}

pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > state.limits.max_header_bytes {
        return ApiError::new(
            ErrorCode::HeadersTooLarge,
            format!(
                "the request headers exceed {} bytes",
                state.limits.max_header_bytes
            ),
        )
        .into_response();
    }
    if request.uri().to_string().len() > MAX_URI_BYTES {
        return ApiError::new(
            ErrorCode::UriTooLong,
            format!("the request URI exceeds {MAX_URI_BYTES} bytes"),
        )
        .into_response();
    }
    match tokio::time::timeout(state.limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            ErrorCode::DeadlineExceeded,
            format!(
                "the request did not finish within {} s (PROVISIO_REQUEST_TIMEOUT_SECONDS)",
                state.limits.request_timeout.as_secs()
            ),
        )
        .into_response(),
    }
}
