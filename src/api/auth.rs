//! API authentication: `Authorization: Bearer <api key>` on every `/v1` route.
//! Keys are held only as SHA-256 digests and compared in constant time.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{
    AppState,
    error::{ApiError, ErrorCode},
};

/// The accepted API keys, as digests.
#[derive(Clone)]
pub struct ApiKeys {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys({} keys, ***)", self.digests.len())
    }
}

impl ApiKeys {
    pub fn new(keys: &[SecretString]) -> Self {
        Self {
            digests: keys.iter().map(|k| digest(k.expose_secret())).collect(),
        }
    }

    /// Whether `presented` is one of the keys. Every key is compared, in
    /// constant time, so timing reveals neither which key nor how much matched.
    pub fn verify(&self, presented: &str) -> bool {
        let presented = digest(presented);
        self.digests
            .iter()
            .fold(subtle::Choice::from(0), |found, key| {
                found | key.ct_eq(&presented)
            })
            .into()
    }
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Middleware guarding `/v1`.
pub async fn require_api_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    match token {
        Some(token) if state.api_keys.verify(token) => next.run(request).await,
        Some(_) => unauthorized("the API key is not valid"),
        None => unauthorized("send an API key as `Authorization: Bearer <key>`"),
    }
}

fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn unauthorized(detail: &str) -> Response {
    use axum::response::IntoResponse;
    ApiError::new(ErrorCode::Unauthorized, detail)
        .with_header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"provisio\""),
        )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_configured_keys_verify() {
        let keys = ApiKeys::new(&[
            SecretString::from("first-key-0123456789".to_owned()),
            SecretString::from("second-key-0123456789".to_owned()),
        ]);
        assert!(keys.verify("first-key-0123456789"));
        assert!(keys.verify("second-key-0123456789"));
        assert!(!keys.verify("first-key-012345678"));
        assert!(!keys.verify(""));
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_required() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer   abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }
}
