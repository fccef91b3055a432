//! Application services: the use cases behind the HTTP handlers and CLI commands.
//! They combine the store, the key ring and the provider profiles, and speak in
//! domain terms; `api` maps their errors to HTTP in one place.

mod api_keys;
mod connections;
mod health;
mod idempotency;
mod operations;
pub mod sync;
mod users;

pub use api_keys::{
    API_KEY_PREFIX, ApiKeyInfo, ApiKeyService, KeyOwner, generate_api_key, key_digest,
};
pub use connections::{
    ConnectionChanges, ConnectionPage, Connections, NewConnection, RotationFailure, RotationReport,
};
pub use health::Health;
pub use idempotency::{Claim, HeldKey, Idempotency, KeyRequest, StoredResponse};
pub use operations::{OperationEntry, OperationLog};
pub use users::{Check, Target, UserPage, UserQuery, Users};

use crate::{
    crypto::{OpenError, SealError},
    domain::{ErrorCode, FieldErrors},
    scim::{ProviderError, ProviderErrorKind},
    store::StoreError,
};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("no such connection")]
    ConnectionNotFound,
    #[error("a connection with this name already exists")]
    ConnectionExists,
    #[error("the connection kept changing while the update was applied")]
    ConcurrentModification,
    /// The instance URL fails the network policy (SSRF guard).
    #[error("{0}")]
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
    /// The provider has no such operation; the text says what to do instead.
    #[error("{0}")]
    Unsupported(String),
    /// No plan with this id for the connection.
    #[error("no such plan")]
    PlanNotFound,
    /// The plan expired or no longer describes the app; the text says which.
    #[error("{0}")]
    PlanStale(String),
    /// The plan deprovisions more than the connection's limit allows.
    #[error("{0}")]
    DeprovisionThreshold(String),
    #[error("no such sync run")]
    SyncRunNotFound,
    /// A run for the connection is still being applied.
    #[error("{0}")]
    SyncInProgress(String),
    /// A write task ended without an answer (it panicked).
    #[error("a write to the app was aborted: {0}")]
    Aborted(String),
}

/// The code for an app's failure: what the API answers and the operation log records.
pub fn provider_error_code(error: &ProviderError) -> ErrorCode {
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
    }
}

impl ServiceError {
    /// The stable code of this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            ServiceError::Invalid(_) => ErrorCode::ValidationFailed,
            ServiceError::ConnectionNotFound => ErrorCode::ConnectionNotFound,
            ServiceError::ConnectionExists => ErrorCode::ConnectionExists,
            ServiceError::ConcurrentModification => ErrorCode::ConcurrentModification,
            ServiceError::InstanceUrlForbidden(_) => ErrorCode::InstanceUrlForbidden,
            ServiceError::Unsupported(_) => ErrorCode::UnsupportedOperation,
            ServiceError::Provider(error) => provider_error_code(error),
            ServiceError::PlanNotFound => ErrorCode::PlanNotFound,
            ServiceError::PlanStale(_) => ErrorCode::PlanStale,
            ServiceError::DeprovisionThreshold(_) => ErrorCode::DeprovisionThreshold,
            ServiceError::SyncRunNotFound => ErrorCode::SyncRunNotFound,
            ServiceError::SyncInProgress(_) => ErrorCode::SyncInProgress,
            ServiceError::Store(_)
            | ServiceError::Seal(_)
            | ServiceError::Open(_)
            | ServiceError::Aborted(_) => ErrorCode::Internal,
        }
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(errors: FieldErrors) -> Self {
        ServiceError::Invalid(errors)
    }
}
