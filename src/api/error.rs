//! The one error type of the HTTP API, answered as `application/problem+json`
//! (RFC 9457) with a stable `code`.

use std::fmt;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::request_id;
use crate::{
    domain::{FieldError, FieldErrors},
    service::ServiceError,
};

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Stable, machine-readable error codes. Clients branch on these, never on `detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Missing or wrong API key.
    Unauthorized,
    /// The request body is not syntactically valid JSON.
    MalformedJson,
    /// A field (in the body, query or path) is missing or invalid; `errors` names each.
    ValidationFailed,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// The body is larger than the configured limit.
    PayloadTooLarge,
    /// No such route.
    NotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    ConnectionNotFound,
    /// Another connection already has this name.
    ConnectionExists,
    /// The connection changed concurrently too often to apply the change; retry.
    ConcurrentModification,
    /// The database is not reachable (readiness).
    NotReady,
    /// An unexpected failure inside provisio; details are in its log under the request id.
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::MalformedJson => StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::NotFound | ErrorCode::ConnectionNotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::ConnectionExists | ErrorCode::ConcurrentModification => StatusCode::CONFLICT,
            ErrorCode::NotReady => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "Unauthorized",
            ErrorCode::MalformedJson => "Malformed JSON",
            ErrorCode::ValidationFailed => "Validation failed",
            ErrorCode::UnsupportedMediaType => "Unsupported media type",
            ErrorCode::PayloadTooLarge => "Payload too large",
            ErrorCode::NotFound => "Not found",
            ErrorCode::MethodNotAllowed => "Method not allowed",
            ErrorCode::ConnectionNotFound => "Connection not found",
            ErrorCode::ConnectionExists => "Connection exists",
            ErrorCode::ConcurrentModification => "Concurrent modification",
            ErrorCode::NotReady => "Not ready",
            ErrorCode::Internal => "Internal error",
        }
    }

    /// The code as serialized (`validation_failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::ConnectionNotFound => "connection_not_found",
            ErrorCode::ConnectionExists => "connection_exists",
            ErrorCode::ConcurrentModification => "concurrent_modification",
            ErrorCode::NotReady => "not_ready",
            ErrorCode::Internal => "internal",
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:provisio:problem:<code>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:provisio:problem:validation_failed")]
    pub problem_type: String,
    pub title: String,
    /// The HTTP status, repeated.
    pub status: u16,
    /// What went wrong, for a human.
    pub detail: String,
    pub code: ErrorCode,
    /// The fields at fault, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The id to quote when reporting the problem; also in the `x-request-id` header.
    pub request_id: Option<String>,
}

/// An API error. 5xx causes are logged, never sent.
pub struct ApiError {
    code: ErrorCode,
    detail: String,
    errors: Vec<FieldError>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
    cause: Option<anyhow::Error>,
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("code", &self.code)
            .field("detail", &self.detail)
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            headers: Vec::new(),
            cause: None,
        }
    }

    /// 422 `validation_failed` naming every faulty field.
    pub fn validation(errors: impl Into<FieldErrors>) -> Self {
        let errors = errors.into().into_vec();
        let detail = match errors.as_slice() {
            [one] => format!("`{}` {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self {
            errors,
            ..Self::new(ErrorCode::ValidationFailed, detail)
        }
    }

    /// 422 for one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(FieldError::new(field, message))
    }

    /// 500 `internal`: the cause is logged with the request id; the caller sees neither.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(
                ErrorCode::Internal,
                "provisio failed unexpectedly; the log has details under this request id",
            )
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        if let Some(cause) = &self.cause {
            tracing::error!(
                code = self.code.as_str(),
                error = format!("{cause:#}"),
                "request failed"
            );
        } else if status.is_server_error() {
            tracing::warn!(code = self.code.as_str(), detail = %self.detail, "request failed");
        }
        let problem = Problem {
            problem_type: format!("urn:provisio:problem:{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: status.as_u16(),
            detail: self.detail,
            code: self.code,
            errors: self.errors,
            request_id: request_id::current(),
        };
        let mut response = (status, Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        response
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::validation(errors)
    }
}

/// The one mapping from service failures to HTTP problems.
impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(errors) => ApiError::validation(errors),
            ServiceError::ConnectionNotFound => {
                ApiError::new(ErrorCode::ConnectionNotFound, "no such connection")
            }
            ServiceError::ConnectionExists => ApiError::new(
                ErrorCode::ConnectionExists,
                "another connection already has this name",
            )
            .with_errors(vec![FieldError::new("name", "is already taken")]),
            ServiceError::ConcurrentModification => ApiError::new(
                ErrorCode::ConcurrentModification,
                "the connection was changed by another request meanwhile; retry",
            ),
            other @ (ServiceError::Store(_) | ServiceError::Seal(_) | ServiceError::Open(_)) => {
                ApiError::internal(other)
            }
        }
    }
}
