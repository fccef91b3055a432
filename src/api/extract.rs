//! Extractors that turn every malformed request into a problem response naming
//! the field, instead of axum's plain-text rejections.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Path, Request},
    http::{Extensions, StatusCode, header, request::Parts},
};
use serde::de::DeserializeOwned;

use super::{
    AppState,
    auth::Authenticated,
    error::{ApiError, ErrorCode},
};
use crate::domain::{Caller, ConnectionKey, FieldError};

mod streamed;

pub use streamed::LargeJson;

/// A JSON body: `application/json` (or any `+json` type), within the size limit,
/// syntactically valid, and matching `T` (unknown fields refused where `T` says so).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        check_json_content_type(request.headers().get(header::CONTENT_TYPE))?;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                body_failure(&rejection).unwrap_or_else(|| {
                    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        unreadable()
                    }
                })
            })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// An optional JSON body: none at all (or `null`) is `None`; anything else
/// must be what [`ApiJson`] accepts.
pub struct OptionalJson<T>(pub Option<T>);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| body_failure(&rejection).unwrap_or_else(unreadable))?;
        let text = String::from_utf8_lossy(&bytes);
        if matches!(text.trim(), "" | "null") {
            return Ok(OptionalJson(None));
        }
        check_json_content_type(content_type.as_ref())?;
        parse_json(&bytes).map(|value| OptionalJson(Some(value)))
    }
}

/// A route's own body limit, where it is not the general one
/// (`PROVISIO_MAX_BODY_BYTES`): a layer on the route puts it in the request's
/// extensions, outside the idempotency middleware, which reads the body within it.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl BodyLimit {
    /// The body limit of the route `extensions` belong to.
    pub fn of(extensions: &Extensions, state: &AppState) -> usize {
        extensions
            .get::<BodyLimit>()
            .map_or(state.http.max_body_bytes, |limit| limit.0)
    }
}

/// A body the client broke off: it closed its side before sending the length
/// its `Content-Length` announced (or the connection failed). Answered at once
/// as 400 `bad_request`, not as a body too large or as bad JSON; `None` when
/// `error` is not the client's doing (the body is over its limit).
pub fn body_failure(error: &(dyn std::error::Error + 'static)) -> Option<ApiError> {
    let chain = || std::iter::successors(Some(error), |e| e.source());
    if !chain().any(|e| e.is::<hyper::Error>()) {
        return None;
    }
    let ended_early = chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::UnexpectedEof);
    Some(ApiError::new(
        ErrorCode::BadRequest,
        if ended_early {
            "the request body ended early: the client closed its side before sending the length it announced"
        } else {
            "the request body could not be read: the connection failed"
        },
    ))
}

/// 413 for a body over the general limit.
pub fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        "the request body is larger than this server accepts",
    )
}

fn unreadable() -> ApiError {
    ApiError::new(
        ErrorCode::MalformedJson,
        "the request body could not be read",
    )
}

fn check_json_content_type(value: Option<&header::HeaderValue>) -> Result<(), ApiError> {
    let essence = value
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/json") => Ok(()),
        Some(t) if t.starts_with("application/") && t.ends_with("+json") => Ok(()),
        Some(other) => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("the body must be application/json, not {other}"),
        )),
        None => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "the body must be application/json; set the Content-Type header",
        )),
    }
}

/// Parses `bytes` as `T`, mapping syntax errors to 400 and shape errors to 422 with the field.
/// Every request body is a JSON object (serde would also read a struct from an array).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{')
        && serde_json::from_slice::<serde_json::Value>(bytes).is_ok()
    {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    let empty = first.is_none();
    deserialize(serde_json::Deserializer::from_slice(bytes), empty)
}

/// Reads `T` from `deserializer` and checks nothing follows it, with the
/// errors [`parse_json`] gives (`empty`: the body had nothing but whitespace).
fn deserialize<'de, R, T>(
    mut deserializer: serde_json::Deserializer<R>,
    empty: bool,
) -> Result<T, ApiError>
where
    R: serde_json::de::Read<'de>,
    T: DeserializeOwned,
{
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => ApiError::validation(field_error(&path, &inner)),
            _ if empty => ApiError::new(
                ErrorCode::MalformedJson,
                "the request body is empty; send a JSON object",
            ),
            _ => ApiError::new(
                ErrorCode::MalformedJson,
                format!("the request body is not valid JSON: {inner}"),
            ),
        }
    })?;
    deserializer.end().map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedJson,
            format!("the request body is not valid JSON: {e}"),
        )
    })?;
    Ok(value)
}

/// Builds the field error for a serde data error at `path` ("." for the root).
/// Unknown and missing fields are reported at the field itself, not its parent.
fn field_error(path: &str, error: &serde_json::Error) -> FieldError {
    let message = strip_position(&error.to_string());
    let parent = if path == "." { "" } else { path };
    for (prefix, what) in [
        ("unknown field `", "is not a known field"),
        ("missing field `", "is required"),
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let name = rest.split('`').next().unwrap_or_default();
            // serde_path_to_error already ends the path with an unknown key, not a missing one.
            let field = if parent == name || parent.ends_with(&format!(".{name}")) {
                parent.to_owned()
            } else {
                join_path(parent, name)
            };
            let expected = rest
                .split_once(", expected ")
                .map(|(_, e)| format!("; expected {e}"));
            return FieldError::new(field, format!("{what}{}", expected.unwrap_or_default()));
        }
    }
    let field = if parent.is_empty() {
        "body".to_owned()
    } else {
        parent.to_owned()
    };
    FieldError::new(field, without_value(&message))
}

/// serde quotes the offending value (`invalid type: string "sk-live-…", expected …`);
/// an error must never echo a value that may be a secret, so keep only its kind.
fn without_value(message: &str) -> String {
    let Some((head, expected)) = message.split_once(", expected ") else {
        return message.to_owned();
    };
    let kind = head.split(['"', '`']).next().unwrap_or(head).trim_end();
    format!("{kind}, expected {expected}")
}

fn join_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// serde_json appends " at line 1 column 42"; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Query parameters parsed into `T`; a bad or unknown parameter is a 422 naming it.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let error = query_field_error(&path, &message);
                ApiError::validation(error)
            })
    }
}

fn query_field_error(path: &str, message: &str) -> FieldError {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return FieldError::new(name, "is not a known query parameter");
    }
    let field = if path == "." { "query" } else { path };
    FieldError::new(field, message)
}

/// Who is asking: the authenticated key's id and the request id.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Caller {
            api_key_id: parts
                .extensions
                .get::<Authenticated>()
                .map(|a| a.0.id.clone()),
            request_id: parts
                .headers
                .get(&super::request_id::X_REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            resumed: parts
                .extensions
                .get::<super::idempotency::Resumed>()
                .is_some(),
            run_id: None,
        })
    }
}

/// The `{connection}` path segment: a UUID or a name. A segment that can be
/// neither is simply a connection that does not exist.
pub struct ConnectionRef(pub ConnectionKey);

impl<S: Send + Sync> FromRequestParts<S> for ConnectionRef {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found_connection(""))?;
        let segment = params
            .iter()
            .find(|(name, _)| name == "connection")
            .map(|(_, value)| value.as_str())
            .unwrap_or_default();
        ConnectionKey::parse(segment)
            .map(ConnectionRef)
            .ok_or_else(|| not_found_connection(segment))
    }
}

pub fn not_found_connection(segment: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ConnectionNotFound,
        format!("no connection has the id or name `{segment}`"),
    )
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Inner,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        token: String,
    }

    fn field_of(body: &str) -> (ErrorCode, Option<String>) {
        let err = parse_json::<Outer>(body.as_bytes()).unwrap_err();
        (
            err.code(),
            err.field_errors().first().map(|e| e.field.clone()),
        )
    }

    #[test]
    fn missing_and_unknown_fields_are_named_with_their_full_path() {
        assert_eq!(
            field_of(r#"{"name":"a","inner":{}}"#),
            (ErrorCode::ValidationFailed, Some("inner.token".into()))
        );
        assert_eq!(
            field_of(r#"{"name":"a","inner":{"token":"t","x":1}}"#),
            (ErrorCode::ValidationFailed, Some("inner.x".into()))
        );
        assert_eq!(
            field_of(r#"{"inner":{"token":"t"}}"#),
            (ErrorCode::ValidationFailed, Some("name".into()))
        );
        assert_eq!(
            field_of(r#"{"name":5,"inner":{"token":"t"}}"#),
            (ErrorCode::ValidationFailed, Some("name".into()))
        );
    }

    #[test]
    fn type_errors_never_echo_the_value() {
        let err = parse_json::<Outer>(br#"{"name":"a","inner":"sk-live-SECRET"}"#).unwrap_err();
        let text = format!("{:?}", err.field_errors());
        assert!(!text.contains("sk-live-SECRET"), "{text}");
        assert!(text.contains("invalid type: string, expected"), "{text}");
        let err = parse_json::<Outer>(br#"{"name":12345678,"inner":{"token":"t"}}"#).unwrap_err();
        assert!(!format!("{:?}", err.field_errors()).contains("12345678"));
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        assert_eq!(field_of(r#"{"name":"#).0, ErrorCode::MalformedJson);
        assert_eq!(field_of("").0, ErrorCode::MalformedJson);
        assert_eq!(
            field_of(r#"{"name":"a","inner":{"token":"t"}} trailing"#).0,
            ErrorCode::MalformedJson
        );
    }

    #[test]
    fn json_content_types_are_recognised() {
        let ok = |v: &str| {
            check_json_content_type(Some(&header::HeaderValue::from_str(v).unwrap())).is_ok()
        };
        assert!(ok("application/json"));
        assert!(ok("application/json; charset=utf-8"));
        assert!(ok("application/merge-patch+json"));
        assert!(!ok("text/plain"));
        assert!(check_json_content_type(None).is_err());
    }
}
