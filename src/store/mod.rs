//! Persistence behind one [`Store`] trait, with a Postgres and an SQLite implementation
//! that behave the same and pass the same tests. `DATABASE_URL` picks one at start-up.

mod postgres;
mod sqlite;

use std::{fmt, sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::domain::ConnectionKey;

/// A shared, dynamically chosen store.
pub type DynStore = Arc<dyn Store>;

/// Everything provisio keeps, in storage terms. Implementations do no business
/// validation: they store what the service layer hands them.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `postgres` or `sqlite`, for logs and metrics.
    fn backend(&self) -> &'static str;

    /// Succeeds when the database answers a trivial query.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Inserts a new connection; [`StoreError::Conflict`] names the unique constraint hit.
    async fn insert_connection(&self, row: &ConnectionRow) -> Result<(), StoreError>;

    async fn get_connection(
        &self,
        key: &ConnectionKey,
    ) -> Result<Option<ConnectionRow>, StoreError>;

    /// Connections ordered by name, starting after `after_name`.
    async fn list_connections(
        &self,
        after_name: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ConnectionRow>, StoreError>;

    /// Writes `row` over the stored connection if its revision is still
    /// `expected_revision`; returns `false` when it changed meanwhile (or is gone).
    async fn update_connection(
        &self,
        row: &ConnectionRow,
        expected_revision: i64,
    ) -> Result<bool, StoreError>;

    /// Deletes a connection; returns whether it existed.
    async fn delete_connection(&self, connection_id: Uuid) -> Result<bool, StoreError>;

    /// How many connections each credential key id seals.
    async fn credential_key_usage(&self) -> Result<Vec<KeyUsage>, StoreError>;

    /// Connections sealed with a key other than `key_id`, in id order after `after`.
    async fn connections_not_sealed_with(
        &self,
        key_id: &str,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<ConnectionRow>, StoreError>;
}

/// A connection as stored. The sealed credential is opaque here.
#[derive(Clone, PartialEq)]
pub struct ConnectionRow {
    pub connection_id: Uuid,
    pub name: String,
    pub provider: String,
    pub instance_url: String,
    pub settings: serde_json::Value,
    pub credential_type: String,
    pub credential_sealed: Vec<u8>,
    pub credential_key_id: String,
    pub credential_hint: Option<String>,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl fmt::Debug for ConnectionRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionRow")
            .field("connection_id", &self.connection_id)
            .field("name", &self.name)
            .field("provider", &self.provider)
            .field("credential_key_id", &self.credential_key_id)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// Number of connections sealed with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUsage {
    pub key_id: String,
    pub connections: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated; `constraint` is its name from the migrations.
    #[error("unique constraint `{constraint}` was violated")]
    Conflict { constraint: String },
    #[error("the database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the database migrations failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored value does not parse: the database was edited by hand or is corrupt.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// Pool and connection settings common to both backends.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// Connects to the database `url` names, creating an SQLite file (and its
/// directory) if missing, and runs the migrations.
pub async fn connect(url: &SecretString, options: &StoreOptions) -> Result<DynStore, StoreError> {
    let raw = url.expose_secret();
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(raw, options).await?))
    } else {
        Ok(Arc::new(SqliteStore::connect(raw, options).await?))
    }
}

/// Timestamps are kept at microsecond precision (Postgres' resolution), so a
/// value read back equals the value written on both backends.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Maps a sqlx error to [`StoreError::Conflict`] when it is a unique violation.
fn conflict_or(error: sqlx::Error, constraint_of: impl Fn(&str) -> Option<String>) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.is_unique_violation()
    {
        let constraint = db
            .constraint()
            .map(str::to_owned)
            .or_else(|| constraint_of(db.message()))
            .unwrap_or_else(|| "unknown".into());
        return StoreError::Conflict { constraint };
    }
    StoreError::Database(error)
}
