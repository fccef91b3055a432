//! Application services: the use cases behind the HTTP handlers and CLI commands.
//! They combine the store, the key ring and the provider profiles, and speak in
//! domain terms; `api` maps their errors to HTTP in one place.

mod connections;

pub use connections::{
    ConnectionChanges, ConnectionPage, Connections, NewConnection, RotationFailure, RotationReport,
};

use crate::{
    crypto::{OpenError, SealError},
    domain::FieldErrors,
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
}

impl From<FieldErrors> for ServiceError {
    fn from(errors: FieldErrors) -> Self {
        ServiceError::Invalid(errors)
    }
}
