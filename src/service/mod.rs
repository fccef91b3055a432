//! Application services: the use cases behind the HTTP handlers and CLI commands.
//! They combine the store, the key ring and the provider profiles, and speak in
//! domain terms; `api` maps their errors to HTTP in one place.

mod api_keys;
mod app;
mod budget;
mod cache;
mod connections;
mod deferred;
mod groups;
mod health;
mod idempotency;
mod operations;
pub mod sync;
mod users;

pub use api_keys::{
    API_KEY_PREFIX, ApiKeyInfo, ApiKeyService, KeyOwner, generate_api_key, key_digest,
};
pub use app::Apps;
pub use budget::SharedBudgets;
pub use connections::{
    ConnectionChanges, ConnectionPage, ConnectionService, NewConnection, RotationFailure,
    RotationReport,
};
pub use groups::{CreatedGroup, GroupPage, GroupQuery, GroupService, MemberPage};
pub use health::HealthService;
pub use idempotency::{Claim, HeldKey, IdempotencyService, KeyRequest, StoredResponse};
pub use operations::{OperationEntry, OperationService};
pub use users::{Check, ProbeReport, Provisioned, UserPage, UserQuery, UserService};

use uuid::Uuid;

use crate::{
    crypto::{OpenError, SealError},
    domain::{ErrorCode, FieldError, FieldErrors},
    scim::{ProviderError, ProviderErrorKind},
    store::StoreError,
};

/// A failure of a use case, in domain words: its [`code`](ServiceError::code),
/// its sentence (`Display`) and the input fields it is about
/// ([`field_errors`](ServiceError::field_errors)). How each becomes an HTTP
/// answer is `api`'s business.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("no such connection")]
    ConnectionNotFound,
    #[error("another connection already has this name")]
    ConnectionExists,
    #[error("the connection was changed by another request meanwhile; retry")]
    ConcurrentModification,
    /// The instance URL fails the network policy (SSRF guard); the text says why.
    #[error("instance_url is not allowed: {0}")]
    InstanceUrlForbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("the connection's credentials cannot be opened: {0}")]
    Open(#[from] OpenError),
    /// The app failed or refused the call.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The app already has a group of this name (found before creating one:
    /// roles name groups, so two of one name would be ambiguous).
    #[error("{0}")]
    GroupExists(String),
    /// The app failed or refused a call about a group (a 404 is a missing
    /// group, a 409 a taken display name).
    #[error(transparent)]
    GroupProvider(ProviderError),
    /// The provider has no such operation; the text says what to do instead.
    #[error("{0}")]
    Unsupported(String),
    /// No plan with this id for the connection.
    #[error("no plan with this id for this connection; plans expire, so plan again")]
    PlanNotFound,
    /// The plan expired or no longer describes the app; the text says which.
    #[error("{0}")]
    PlanStale(String),
    /// The plan has been applied already: it has a run.
    #[error("the plan was already applied; see its sync run, or plan again")]
    PlanApplied,
    /// The plan deprovisions more than the connection's limit allows.
    #[error("{0}")]
    DeprovisionThreshold(String),
    #[error("no sync run has this id")]
    SyncRunNotFound,
    /// A run for the connection is still being applied; the text says why.
    #[error("{0}")]
    SyncInProgress(String),
    /// This run for the connection is still being applied.
    #[error(
        "run {0} is still applying changes to this connection; wait for it to finish, then plan again"
    )]
    RunInProgress(Uuid),
    /// A write task ended without an answer (it panicked or was cancelled).
    #[error("a write to the app was aborted: {0}")]
    Aborted(String),
    /// Stored data cannot be read (a value the code does not know, a payload
    /// that does not parse; the text says which): retrying will not help.
    #[error("{0}")]
    Unreadable(String),
}

/// What an app answered when a call to it failed, for the API to pass on.
#[derive(Debug, Clone, Copy)]
pub struct AppAnswer<'a> {
    /// The app's HTTP status, if it answered at all.
    pub status: Option<u16>,
    pub scim_type: Option<&'a str>,
    /// The app's own words (the connection's secrets redacted).
    pub detail: Option<&'a str>,
    /// When the app asked to be called again.
    pub retry_after: Option<std::time::Duration>,
}

/// The code for an app's failure: what the API answers and the operation log records.
fn provider_error_code(error: &ProviderError) -> ErrorCode {
    match error.kind {
        ProviderErrorKind::Rejected => ErrorCode::ProviderRejected,
        ProviderErrorKind::Unauthorized => ErrorCode::ProviderUnauthorized,
        ProviderErrorKind::NotFound => ErrorCode::UserNotFound,
        ProviderErrorKind::Conflict => ErrorCode::UserExists,
        ProviderErrorKind::RateLimited => ErrorCode::ProviderRateLimited,
        ProviderErrorKind::Unavailable => ErrorCode::ProviderUnavailable,
        ProviderErrorKind::Timeout => ErrorCode::ProviderTimeout,
        ProviderErrorKind::InvalidResponse => ErrorCode::ProviderInvalidResponse,
        ProviderErrorKind::Forbidden => ErrorCode::InstanceUrlForbidden,
        ProviderErrorKind::Busy => ErrorCode::Busy,
    }
}

impl ServiceError {
    /// The stable code of this failure: the one place each failure is classified.
    pub fn code(&self) -> ErrorCode {
        match self {
            ServiceError::Invalid(_) => ErrorCode::ValidationFailed,
            ServiceError::ConnectionNotFound => ErrorCode::ConnectionNotFound,
            ServiceError::ConnectionExists => ErrorCode::ConnectionExists,
            ServiceError::ConcurrentModification => ErrorCode::ConcurrentModification,
            ServiceError::InstanceUrlForbidden(_) => ErrorCode::InstanceUrlForbidden,
            ServiceError::Unsupported(_) => ErrorCode::UnsupportedOperation,
            ServiceError::Provider(error) => provider_error_code(error),
            ServiceError::GroupExists(_) => ErrorCode::GroupExists,
            ServiceError::GroupProvider(error) => match provider_error_code(error) {
                ErrorCode::UserNotFound => ErrorCode::GroupNotFound,
                ErrorCode::UserExists => ErrorCode::GroupExists,
                code => code,
            },
            ServiceError::PlanNotFound => ErrorCode::PlanNotFound,
            ServiceError::PlanStale(_) | ServiceError::PlanApplied => ErrorCode::PlanStale,
            ServiceError::DeprovisionThreshold(_) => ErrorCode::DeprovisionThreshold,
            ServiceError::SyncRunNotFound => ErrorCode::SyncRunNotFound,
            ServiceError::SyncInProgress(_) | ServiceError::RunInProgress(_) => {
                ErrorCode::SyncInProgress
            }
            ServiceError::Store(_)
            | ServiceError::Seal(_)
            | ServiceError::Open(_)
            | ServiceError::Aborted(_)
            | ServiceError::Unreadable(_) => ErrorCode::Internal,
        }
    }

    /// What the app answered, when this is an app's failure.
    pub fn app_answer(&self) -> Option<AppAnswer<'_>> {
        let (ServiceError::Provider(error) | ServiceError::GroupProvider(error)) = self else {
            return None;
        };
        Some(AppAnswer {
            status: error.status,
            scim_type: error.scim_type.as_deref(),
            detail: error.detail.as_deref(),
            retry_after: error.retry_after,
        })
    }

    /// The input field a refusal is about (`Invalid` carries its own).
    pub fn field_errors(&self) -> Vec<FieldError> {
        let (field, message) = match self {
            ServiceError::ConnectionExists => ("name", "is already taken".to_owned()),
            ServiceError::GroupExists(_) => ("display_name", "is already taken".to_owned()),
            ServiceError::InstanceUrlForbidden(reason) => ("instance_url", reason.clone()),
            ServiceError::PlanNotFound => ("plan_id", "is not a plan of this connection".into()),
            ServiceError::PlanStale(_) | ServiceError::PlanApplied => {
                ("plan_id", "is stale".to_owned())
            }
            _ => return Vec::new(),
        };
        vec![FieldError::new(field, message)]
    }
}

/// The provider catalogue: every app provisio connects to, what a connection
/// to it needs, and what provisio does there.
pub fn catalogue() -> Vec<crate::domain::CatalogueEntry> {
    crate::providers::catalogue()
}

impl From<FieldErrors> for ServiceError {
    fn from(errors: FieldErrors) -> Self {
        ServiceError::Invalid(errors)
    }
}
