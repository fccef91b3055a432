//! `Idempotency-Key` on every POST under `/v1`: a repeated key with the same
//! request replays the stored response (same status and body) without calling
//! the app again; the same key with a different request is refused. Responses
//! are kept per API key until they expire (`PROVISIO_IDEMPOTENCY_TTL_HOURS`).
//! Server errors (5xx) are not stored, so a failed request can be retried with
//! its key.

use axum::{
    body::{Body, to_bytes},
    extract::{OriginalUri, Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use super::{
    AppState,
    auth::Authenticated,
    error::{ApiError, ErrorCode, Transient},
    extract::{BodyLimit, body_failure, too_large},
};
use crate::service::{Claim, HeldKey, KeyRequest, StoredResponse};

pub static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
static REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");
const MAX_KEY_LEN: usize = 255;
/// Responses larger than this are not stored (none of provisio's are).
const MAX_STORED_RESPONSE: usize = 1024 * 1024;
/// The headers a replay repeats.
const KEPT_HEADERS: [header::HeaderName; 3] =
    [header::CONTENT_TYPE, header::LOCATION, header::RETRY_AFTER];

pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let key = match request.headers().get(&IDEMPOTENCY_KEY).map(valid_key) {
        None => return next.run(request).await,
        Some(Err(refusal)) => return refusal.into_response(),
        Some(Ok(key)) => key,
    };
    let (mut request, claim) = match claim(&state, &key, request).await {
        Ok(claimed) => claimed,
        Err(refusal) => return refusal.into_response(),
    };
    match claim {
        Claim::Reused => ApiError::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was used with a different request; use a new key for a new request",
        )
        .into_response(),
        Claim::Replay(stored) => replay(stored),
        Claim::InProgress => {
            ApiError::new(ErrorCode::IdempotencyKeyInUse, "a request with this Idempotency-Key is still running; retry shortly")
                .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
                .into_response()
        }
        Claim::Started { held, resumed } => {
            if resumed {
                request.extensions_mut().insert(Resumed);
            }
            let response = next.run(request).await;
            remember(&state, &held, response).await
        }
    }
}

/// Reads the request's body and claims the key for it; the request comes back
/// whole, to be run if the claim says so.
async fn claim(
    state: &AppState,
    key: &str,
    request: Request,
) -> Result<(Request, Claim), ApiError> {
    let principal = request
        .extensions()
        .get::<Authenticated>()
        .map_or_else(|| "anonymous".to_owned(), |a| a.0.id.clone());
    let (parts, body) = request.into_parts();
    let limit = BodyLimit::of(&parts.extensions, state);
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|error| body_failure(&error).unwrap_or_else(too_large))?;
    let fingerprint = request_hash(&parts, &bytes);
    let claim = state
        .idempotency
        .claim(KeyRequest {
            api_key_id: &principal,
            key,
            request_hash: &fingerprint,
            timeout: state.http.request_timeout,
            keep_for: state.http.idempotency_ttl,
        })
        .await?;
    Ok((Request::from_parts(parts, Body::from(bytes)), claim))
}

fn valid_key(header: &HeaderValue) -> Result<String, ApiError> {
    match header.to_str() {
        Ok(key)
            if !key.is_empty()
                && key.len() <= MAX_KEY_LEN
                && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(key.to_owned())
        }
        _ => Err(ApiError::field(
            "Idempotency-Key",
            format!("must be 1 to {MAX_KEY_LEN} printable ASCII characters"),
        )),
    }
}

/// Marks a request whose `Idempotency-Key` an earlier, unfinished attempt held.
#[derive(Debug, Clone, Copy)]
pub struct Resumed;

/// Stores the response of a claimed key and returns it. A server error or a
/// transient refusal (429, a retryable 409) releases the key instead, so that
/// retrying with it runs the request again rather than replaying the refusal.
async fn remember(state: &AppState, held: &HeldKey, response: Response) -> Response {
    let transient = response.extensions().get::<Transient>().is_some();
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        let _ = state.idempotency.abandon(held).await;
        return ApiError::internal(anyhow::anyhow!("a response body could not be read"))
            .into_response();
    };
    let too_large = bytes.len() > MAX_STORED_RESPONSE;
    if too_large {
        // Answered all the same; a retry with the key runs the request again
        // (only large sync plans get here, and planning changes nothing).
        tracing::warn!(
            bytes = bytes.len(),
            "a response is too large to keep for its Idempotency-Key; the key is released"
        );
    }
    let stored = if parts.status.is_server_error() || transient || too_large {
        state.idempotency.abandon(held).await
    } else {
        let headers = kept_headers(&parts.headers);
        state
            .idempotency
            .complete(held, parts.status.as_u16(), &headers, &bytes)
            .await
    };
    if let Err(error) = stored {
        tracing::error!(%error, "could not store the response for an Idempotency-Key");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(record: StoredResponse) -> Response {
    let status = record
        .status
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = (status, record.body.unwrap_or_default()).into_response();
    let headers: Vec<(String, String)> = record
        .headers
        .and_then(|h| serde_json::from_str(&h).ok())
        .unwrap_or_default();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert(REPLAYED.clone(), HeaderValue::from_static("true"));
    response
}

fn kept_headers(headers: &HeaderMap) -> String {
    let kept: Vec<(String, String)> = KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(name)?.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into())
}

/// What makes two requests "the same": method, path with query, and body bytes.
fn request_hash(parts: &Parts, body: &[u8]) -> String {
    // The full path: inside `/v1` the router has already stripped the prefix from `uri`.
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    let path_and_query = uri.path_and_query().map_or("", |p| p.as_str());
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(path_and_query.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hex::encode(hasher.finalize())
}
