//! API authentication: `Authorization: Bearer <api key>` on every `/v1` route.
//! Keys from the environment are held as SHA-256 digests and compared in
//! constant time; keys created with `provisio api-key` are looked up by digest.
//! A read-only key may only read.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{
    AppState,
    error::{ApiError, ErrorCode},
};
use crate::{domain::Scope, service::KeyOwner};

/// The API keys given in the environment (or generated), as digests.
#[derive(Clone)]
pub struct ApiKeys {
    keys: Vec<([u8; 32], String)>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys({} keys, ***)", self.keys.len())
    }
}

impl ApiKeys {
    pub fn new(keys: &[SecretString]) -> Self {
        Self {
            keys: keys
                .iter()
                .map(|k| {
                    let digest = digest(k.expose_secret());
                    // The id is a prefix of the digest: stable, and useless to an attacker.
                    (digest, format!("env-{}", hex::encode(&digest[..4])))
                })
                .collect(),
        }
    }

    /// The id of the configured key equal to `presented`. Every key is
    /// compared, in constant time, so timing reveals neither which key nor how much matched.
    pub fn verify(&self, presented: &str) -> Option<String> {
        let presented = digest(presented);
        let mut found = None;
        for (key, id) in &self.keys {
            if bool::from(key.ct_eq(&presented)) {
                found = Some(id.clone());
            }
        }
        found
    }
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The key a request authenticated with, for handlers and the operation log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated(pub KeyOwner);

/// Middleware guarding `/v1`.
pub async fn require_api_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .map(str::to_owned);
    let Some(token) = token else {
        return unauthorized("send an API key as `Authorization: Bearer <key>`");
    };
    let owner = match state.api_keys.verify(&token) {
        Some(id) => Some(KeyOwner {
            id,
            scope: Scope::ReadWrite,
        }),
        None => match state.api_key_service.authenticate(&token).await {
            Ok(owner) => owner,
            Err(error) => return ApiError::from(error).into_response(),
        },
    };
    let Some(owner) = owner else {
        return unauthorized("the API key is not valid");
    };
    if owner.scope == Scope::ReadOnly && !matches!(*request.method(), Method::GET | Method::HEAD) {
        return ApiError::new(
            ErrorCode::Forbidden,
            "this API key is read-only: it may only make GET requests",
        )
        .into_response();
    }
    request.extensions_mut().insert(Authenticated(owner));
    next.run(request).await
}

fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn unauthorized(detail: &str) -> Response {
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
    fn only_configured_keys_verify_and_each_has_a_stable_id() {
        let keys = ApiKeys::new(&[
            SecretString::from("first-key-0123456789".to_owned()),
            SecretString::from("second-key-0123456789".to_owned()),
        ]);
        let first = keys.verify("first-key-0123456789").unwrap();
        assert!(first.starts_with("env-") && first.len() == 12, "{first}");
        assert_ne!(keys.verify("second-key-0123456789").unwrap(), first);
        assert_eq!(keys.verify("first-key-012345678"), None);
        assert_eq!(keys.verify(""), None);
        assert!(!first.contains("first-key"));
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
