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
pub use crate::domain::ErrorCode;
use crate::{
    domain::{FieldError, FieldErrors},
    service::ServiceError,
};

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The HTTP status each code is answered with.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::MalformedJson | ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed
        | ErrorCode::UnsupportedOperation
        | ErrorCode::ProviderRejected
        | ErrorCode::InstanceUrlForbidden
        | ErrorCode::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ErrorCode::UriTooLong => StatusCode::URI_TOO_LONG,
        ErrorCode::NotFound
        | ErrorCode::ConnectionNotFound
        | ErrorCode::UserNotFound
        | ErrorCode::GroupNotFound
        | ErrorCode::PlanNotFound
        | ErrorCode::SyncRunNotFound => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::ConnectionExists
        | ErrorCode::ConcurrentModification
        | ErrorCode::UserExists
        | ErrorCode::GroupExists
        | ErrorCode::IdempotencyKeyInUse
        | ErrorCode::PlanStale
        | ErrorCode::DeprovisionThreshold
        | ErrorCode::SyncInProgress => StatusCode::CONFLICT,
        ErrorCode::ProviderRateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::ProviderUnauthorized
        | ErrorCode::ProviderUnavailable
        | ErrorCode::ProviderInvalidResponse => StatusCode::BAD_GATEWAY,
        ErrorCode::ProviderTimeout | ErrorCode::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        ErrorCode::NotReady | ErrorCode::Busy => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// The problem type: the code's entry on this server's errors page,
    /// `/errors#<code>` (a URI reference, relative to the request).
    #[serde(rename = "type")]
    #[schema(example = "/errors#validation_failed")]
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
    /// What the app said, when a call to it failed and it said something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderProblem>,
    /// The id to quote when reporting the problem; also in the `x-request-id` header.
    pub request_id: Option<String>,
}

impl Problem {
    /// The problem for `code`, without fields or the app's account.
    pub fn new(code: ErrorCode, detail: String, request_id: Option<String>) -> Self {
        Self {
            problem_type: super::errors_page::problem_type(code),
            title: code.title().to_owned(),
            status: status_of(code).as_u16(),
            detail,
            code,
            errors: Vec::new(),
            provider: None,
            request_id,
        }
    }
}

/// The app's own account of a failed call.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderProblem {
    /// The app's HTTP status.
    pub status: Option<u16>,
    /// The SCIM `scimType`, e.g. `uniqueness`.
    pub scim_type: Option<String>,
    /// The app's message.
    pub detail: Option<String>,
}

/// An API error. 5xx causes are logged, never sent. Boxed: errors are rare
/// and `Result<T, ApiError>` stays small on the happy path.
pub struct ApiError(Box<Inner>);

struct Inner {
    code: ErrorCode,
    detail: String,
    errors: Vec<FieldError>,
    provider: Option<ProviderProblem>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
    cause: Option<anyhow::Error>,
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("code", &self.0.code)
            .field("detail", &self.0.detail)
            .field("errors", &self.0.errors)
            .finish_non_exhaustive()
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            provider: None,
            headers: Vec::new(),
            cause: None,
        }))
    }

    /// 422 `validation_failed` naming every faulty field.
    pub fn validation(errors: impl Into<FieldErrors>) -> Self {
        let errors = errors.into().into_vec();
        let detail = match errors.as_slice() {
            [one] => format!("`{}` {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self::new(ErrorCode::ValidationFailed, detail).with_errors(errors)
    }

    /// 422 for one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(FieldError::new(field, message))
    }

    /// 500 `internal`: the cause is logged with the request id; the caller sees neither.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        let mut error = Self::new(
            ErrorCode::Internal,
            "provisio failed unexpectedly; the log has details under this request id",
        );
        error.0.cause = Some(cause.into());
        error
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.0.errors = errors;
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.0.headers.push((name, value));
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    pub fn field_errors(&self) -> &[FieldError] {
        &self.0.errors
    }
}

/// Marks a response whose refusal may not hold on retry (rate limits,
/// concurrent changes, keys in use): it is not kept for an `Idempotency-Key`.
#[derive(Debug, Clone, Copy)]
pub struct Transient;

impl ErrorCode {
    fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorCode::ProviderRateLimited
                | ErrorCode::ConcurrentModification
                | ErrorCode::IdempotencyKeyInUse
                | ErrorCode::Busy
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let this = *self.0;
        let status = status_of(this.code);
        if let Some(cause) = &this.cause {
            tracing::error!(
                code = this.code.as_str(),
                error = format!("{cause:#}"),
                "request failed"
            );
        } else if status.is_server_error() {
            tracing::warn!(code = this.code.as_str(), detail = %this.detail, "request failed");
        }
        let problem = Problem {
            errors: this.errors,
            provider: this.provider,
            ..Problem::new(this.code, this.detail, request_id::current())
        };
        let transient = this.code.is_transient();
        let mut response = (status, Json(problem)).into_response();
        if transient {
            response.extensions_mut().insert(Transient);
        }
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        for (name, value) in this.headers {
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

/// The one mapping from service failures to HTTP problems. The code, the
/// sentence and the fields come from the error; HTTP adds the status (by code,
/// [`status_of`]), what the app said and `Retry-After` (for provider failures),
/// and the routes to look at.
impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        let code = error.code();
        match error {
            _ if code == ErrorCode::Internal => ApiError::internal(error),
            ServiceError::Invalid(errors) => ApiError::validation(errors),
            error @ (ServiceError::Provider(_) | ServiceError::GroupProvider(_)) => {
                from_app(code, &error)
            }
            other => ApiError::new(code, detail(&other)).with_errors(other.field_errors()),
        }
    }
}

/// The error's sentence, naming the route to watch where one helps (routes are
/// HTTP words, so the service does not write them).
fn detail(error: &ServiceError) -> String {
    match error {
        ServiceError::PlanApplied => {
            "the plan was already applied; see GET /v1/sync-runs, or plan again".into()
        }
        ServiceError::RunInProgress(run) => format!(
            "run {run} is still applying changes to this connection; wait for it to finish \
             (GET /v1/sync-runs/{run}), then plan again"
        ),
        other => other.to_string(),
    }
}

/// The one mapping from an app's failure to provisio's answer.
fn from_app(code: ErrorCode, error: &ServiceError) -> ApiError {
    let Some(app) = error.app_answer() else {
        return ApiError::new(code, error.to_string());
    };
    let detail = match code {
        ErrorCode::UserNotFound => "the app has no user with this id".to_owned(),
        ErrorCode::InstanceUrlForbidden => format!(
            "the connection's instance_url is not allowed: {}",
            app.detail.unwrap_or_default()
        ),
        ErrorCode::UserExists => "the app already has a user with this user_name".to_owned(),
        ErrorCode::GroupNotFound => "the app has no group with this id".to_owned(),
        ErrorCode::GroupExists => "the app already has a group with this display_name".to_owned(),
        _ => error.to_string(),
    };
    let mut api = ApiError::new(code, detail);
    if app.status.is_some() || app.detail.is_some() {
        api.0.provider = Some(ProviderProblem {
            status: app.status,
            scim_type: app.scim_type.map(str::to_owned),
            detail: app.detail.map(str::to_owned),
        });
    }
    // A 429 always says when to retry; a 503 passes on the app's Retry-After if it sent one.
    if code == ErrorCode::ProviderRateLimited || app.retry_after.is_some() {
        let seconds = app
            .retry_after
            .map_or(1, |d| d.as_secs_f64().ceil().max(1.0) as u64);
        api = api.with_header(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    api
}

#[cfg(test)]
mod tests;
