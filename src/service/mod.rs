//! Application services: the use cases behind the HTTP handlers and CLI commands.
//! They combine the store, the key ring and the provider profiles, and speak in
//! domain terms; `api` maps their errors to HTTP in one place.

mod connections;
mod users;

pub use connections::{
    ConnectionChanges, ConnectionPage, Connections, NewConnection, RotationFailure, RotationReport,
};
pub use users::{Check, Target, UserPage, UserQuery, Users};

use crate::{
    crypto::{OpenError, SealError},
    domain::FieldErrors,
    scim::ProviderError,
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
}

impl From<FieldErrors> for ServiceError {
    fn from(errors: FieldErrors) -> Self {
        ServiceError::Invalid(errors)
    }
}
