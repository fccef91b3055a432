//! Limits on what a caller controls: header and URI sizes, and one deadline
//! for the whole request (queueing behind a rate budget and retries included).

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::error::{ApiError, ErrorCode};
use crate::config::HttpConfig;

/// Longest request URI accepted.
pub const MAX_URI_BYTES: usize = 8 * 1024;

pub async fn middleware(
    State(limits): State<Arc<HttpConfig>>,
    request: Request,
    next: Next,
) -> Response {
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > limits.max_header_bytes {
        return ApiError::new(
            ErrorCode::HeadersTooLarge,
            format!(
                "the request headers exceed {} bytes",
                limits.max_header_bytes
            ),
        )
        .into_response();
    }
    if uri_len(request.uri()) > MAX_URI_BYTES {
        return ApiError::new(
            ErrorCode::UriTooLong,
            format!("the request URI exceeds {MAX_URI_BYTES} bytes"),
        )
        .into_response();
    }
    match tokio::time::timeout(limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            ErrorCode::DeadlineExceeded,
            format!(
                "the request did not finish within {} s (PROVISIO_REQUEST_TIMEOUT_SECONDS)",
                limits.request_timeout.as_secs()
            ),
        )
        .into_response(),
    }
}

/// The length of `uri` as written (`Uri`'s `Display`), without writing it.
fn uri_len(uri: &axum::http::Uri) -> usize {
    let scheme = uri.scheme_str().map_or(0, |s| s.len() + "://".len());
    let authority = uri.authority().map_or(0, |a| a.as_str().len());
    let rest = uri.path_and_query().map_or(0, |p| p.as_str().len());
    scheme + authority + rest
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::{Router, body::Body, http::Request as HttpRequest, routing::get};
    use tower::ServiceExt;

    use super::*;
    use crate::config::Config;

    #[test]
    fn a_uri_is_measured_as_it_is_written() {
        for uri in [
            "/v1/connections?page_size=20",
            "/",
            "*",
            "http://example.com:8080/v1/x?y=z",
            "example.com:443",
        ] {
            let parsed: axum::http::Uri = uri.parse().unwrap();
            assert_eq!(uri_len(&parsed), parsed.to_string().len(), "{uri}");
        }
    }

    #[tokio::test]
    async fn a_request_past_its_deadline_is_504_deadline_exceeded() {
        let mut limits = Config::from_lookup(|_| None).unwrap().http;
        limits.request_timeout = Duration::from_millis(50);
        let limits = Arc::new(limits);
        let app = Router::new()
            .route(
                "/slow",
                get(|| async { tokio::time::sleep(Duration::from_secs(5)).await }),
            )
            .layer(axum::middleware::from_fn_with_state(limits, middleware));
        let response = app
            .oneshot(HttpRequest::get("/slow").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 504);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["code"], "deadline_exceeded");
    }
}
