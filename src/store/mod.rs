//! Persistence behind one [`Store`] trait, with a Postgres and an SQLite implementation
//! that behave the same and pass the same tests. `DATABASE_URL` picks one at start-up.
//! The trait is split by table. The SQL is written once (`shared/`, compiled
//! into each backend with its id and time codecs); each backend keeps only
//! what truly differs: connecting, constraint names, and the lock a claim takes.

pub mod budget;
pub(crate) mod codec;
mod exclusive;
mod model;
mod postgres;
mod sqlite;
mod watch;

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::value::RawValue;
use uuid::Uuid;

pub use exclusive::Exclusive;
pub use model::{
    ApiKeyRow, ConnectionRow, IdempotencyBegin, IdempotencyRecord, IdempotencyState, ItemOutcome,
    KeyUsage, ManagedUserRow, NewIdempotency, PlanRow, UnreadableItem,
};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use watch::{ConnectionChange, ConnectionWatch};

use crate::{
    domain::{
        ConnectionKey, ItemCounts, ItemFilter, ManagedAccount, OperationFilter, OperationRecord,
        People, SyncItem, SyncRun,
    },
    metrics::PoolStats,
};

/// A claimed sync item, or one this version cannot read.
pub type ClaimedItem = Result<SyncItem, UnreadableItem>;

/// A shared, dynamically chosen store.
pub type DynStore = Arc<dyn Store>;

/// Everything provisio keeps, in storage terms. Implementations do no business
/// validation: they store what the service layer hands them.
#[async_trait]
pub trait Store:
    ConnectionStore
    + OperationStore
    + IdempotencyStore
    + ApiKeyStore
    + SyncStore
    + RunStore
    + Send
    + Sync
    + 'static
{
    /// `postgres` or `sqlite`, for logs and metrics.
    fn backend(&self) -> &'static str;

    /// Succeeds when the database answers and takes a write (a full disk
    /// leaves it answering reads).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Overwrites, where the backend can, what deleted or replaced rows left
    /// on disk (deleted and re-sealed credentials).
    async fn erase_freed(&self) -> Result<(), StoreError>;

    /// The connection pool's current figures.
    fn pool_stats(&self) -> PoolStats;

    /// The time every replica sharing the database agrees on (the database's
    /// clock on Postgres), at microsecond precision: what leases, retry times
    /// and expiries are compared against.
    fn now(&self) -> DateTime<Utc>;

    /// Where caches hear that a connection changed, on any replica.
    fn connection_watch(&self) -> ConnectionWatch;

    /// The rate budget replicas share, where there can be several (Postgres).
    fn shared_budget(&self) -> Option<Arc<dyn budget::BudgetLedger>>;

    /// Runs `task` on one replica at a time: `Some` while no other holds it,
    /// until the guard drops (or the process dies).
    async fn try_exclusive(&self, task: &str) -> Result<Option<Exclusive>, StoreError>;
}

#[async_trait]
pub trait ConnectionStore {
    /// Inserts a new connection; [`StoreError::Conflict`] names the unique constraint hit.
    async fn insert_connection(&self, row: &ConnectionRow) -> Result<(), StoreError>;

    async fn get_connection(
        &self,
        key: &ConnectionKey,
    ) -> Result<Option<ConnectionRow>, StoreError>;

    /// The connection's revision, if it exists (to confirm a cached copy).
    async fn connection_revision(&self, connection_id: Uuid) -> Result<Option<i64>, StoreError>;

    /// Connections ordered by name (bytewise), starting after `after_name`.
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

    /// Stores what was learned about the app's behaviour, without bumping the
    /// revision (it is not a change of the connection); returns whether it exists.
    async fn save_app_profile(
        &self,
        connection_id: Uuid,
        profile: &serde_json::Value,
    ) -> Result<bool, StoreError>;

    /// Deletes a connection; returns whether it existed.
    async fn delete_connection(&self, connection_id: Uuid) -> Result<bool, StoreError>;

    /// How many connections each credential key id seals.
    async fn credential_key_usage(&self) -> Result<Vec<KeyUsage>, StoreError>;

    /// Up to `limit` connections sealed with `key_id`, the oldest first.
    async fn connections_sealed_with(
        &self,
        key_id: &str,
        limit: u32,
    ) -> Result<Vec<ConnectionRow>, StoreError>;

    /// Connections sealed with a key other than `key_id`, in id order after `after`.
    async fn connections_not_sealed_with(
        &self,
        key_id: &str,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<ConnectionRow>, StoreError>;
}

#[async_trait]
pub trait OperationStore {
    async fn insert_operation(&self, record: &OperationRecord) -> Result<(), StoreError>;

    /// Newest first, matching `filter`, continuing before `filter.before`.
    async fn list_operations(
        &self,
        filter: &OperationFilter,
        limit: u32,
    ) -> Result<Vec<OperationRecord>, StoreError>;

    /// Deletes entries created before `before`; returns how many.
    async fn prune_operations(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

#[async_trait]
pub trait IdempotencyStore {
    /// Claims a key for a request: a new or expired key (or one abandoned past
    /// its lock) is claimed and `Started`; otherwise the stored record is returned.
    async fn begin_idempotent(&self, new: &NewIdempotency) -> Result<IdempotencyBegin, StoreError>;

    /// Stores the response of a key claimed under `token`.
    async fn complete_idempotent(
        &self,
        api_key_id: &str,
        key: &str,
        token: &str,
        status: u16,
        headers: &str,
        body: &[u8],
    ) -> Result<(), StoreError>;

    /// Releases a key claimed under `token` without a response (the request
    /// failed in a retryable way); the next request with it runs, knowing it resumes.
    async fn abandon_idempotent(
        &self,
        api_key_id: &str,
        key: &str,
        token: &str,
    ) -> Result<(), StoreError>;

    /// Deletes keys expired at `now`; returns how many.
    async fn prune_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

#[async_trait]
pub trait ApiKeyStore {
    async fn insert_api_key(&self, row: &ApiKeyRow) -> Result<(), StoreError>;

    /// The unrevoked key with this digest.
    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRow>, StoreError>;

    async fn list_api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError>;

    /// Revokes the key with this id or name; returns whether an active key was revoked.
    async fn revoke_api_key(&self, id_or_name: &str, at: DateTime<Utc>)
    -> Result<bool, StoreError>;
}

#[async_trait]
pub trait SyncStore {
    async fn get_rules(&self, connection_id: Uuid)
    -> Result<Option<serde_json::Value>, StoreError>;

    async fn put_rules(
        &self,
        connection_id: Uuid,
        rules: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    async fn managed_users(&self, connection_id: Uuid) -> Result<Vec<ManagedAccount>, StoreError>;

    /// The managed account whose user name is `user_name`, ignoring (ASCII) case.
    async fn managed_user_named(
        &self,
        connection_id: Uuid,
        user_name: &str,
    ) -> Result<Option<ManagedAccount>, StoreError>;

    /// The managed account linked to a person's `external_id`.
    async fn managed_user_keyed(
        &self,
        connection_id: Uuid,
        external_id: &str,
    ) -> Result<Option<ManagedAccount>, StoreError>;

    /// Unlinks an account (it was deleted in the app); returns whether it was linked.
    async fn forget_managed_user(
        &self,
        connection_id: Uuid,
        provider_user_id: &str,
    ) -> Result<bool, StoreError>;

    /// Links accounts as managed, in one transaction (each replacing any link
    /// of its external id to another account).
    async fn upsert_managed_users(&self, rows: &[ManagedUserRow]) -> Result<(), StoreError>;

    /// Keeps a plan: `row`, a summary of it (its totals; written for whoever
    /// reads the database, never read back), and the people it was asked
    /// for, in chunks, in one transaction.
    async fn insert_plan(
        &self,
        row: &PlanRow,
        summary: &RawValue,
        people: &People,
    ) -> Result<(), StoreError>;

    /// The people a plan was asked for; `None` for a plan kept before they
    /// were stored apart (its request holds them).
    async fn plan_people(&self, plan_id: Uuid) -> Result<Option<People>, StoreError>;

    async fn get_plan(&self, plan_id: Uuid) -> Result<Option<PlanRow>, StoreError>;

    /// Deletes plans expired at `now`; returns how many.
    async fn prune_plans(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

#[async_trait]
pub trait RunStore {
    /// Stores a run and its items in one transaction.
    async fn insert_run(&self, run: &SyncRun, items: &[SyncItem]) -> Result<(), StoreError>;

    async fn get_run(&self, run_id: Uuid) -> Result<Option<SyncRun>, StoreError>;

    /// Newest first, optionally for one connection, continuing before `before`.
    async fn list_runs(
        &self,
        connection_id: Option<Uuid>,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<SyncRun>, StoreError>;

    /// A run's items that pass `filter`, in sequence order.
    async fn run_items(
        &self,
        run_id: Uuid,
        filter: &ItemFilter,
    ) -> Result<Vec<SyncItem>, StoreError>;

    /// Item counts by status for each of these runs (in one query); a run
    /// without items has no entry.
    async fn item_counts(&self, run_ids: &[Uuid]) -> Result<HashMap<Uuid, ItemCounts>, StoreError>;

    /// Atomically claims up to `limit` items for `owner`: running items whose
    /// lease lapsed first, then pending items (whose retry time, if any, has
    /// come), each in run and sequence order. No item is held by two owners
    /// at once, whatever the number of instances.
    async fn claim_items(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedItem>, StoreError>;

    /// Extends `owner`'s leases on `items` (those it is still working on).
    async fn renew_leases(
        &self,
        owner: &str,
        items: &[(Uuid, i32)],
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// Puts an item `owner` holds back to pending, claimable again from
    /// `retry_at`, with the error that stopped this attempt.
    async fn release_item(
        &self,
        run_id: Uuid,
        seq: i32,
        owner: &str,
        outcome: &ItemOutcome,
        retry_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Puts back every item `owner` is working on, claimable at once by
    /// another instance (this one is stopping); returns how many.
    async fn hand_back_items(&self, owner: &str) -> Result<u64, StoreError>;

    /// Marks finished every unfinished run with no pending or running item
    /// (one whose last item's bookkeeping failed); returns how many.
    async fn finish_idle_runs(&self, at: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Deletes runs (and their items) finished before `before`; returns how many.
    async fn prune_runs(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Records how an item ended, if `owner` still holds it; returns whether it did.
    async fn finish_item(
        &self,
        run_id: Uuid,
        seq: i32,
        owner: &str,
        outcome: &ItemOutcome,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Marks the run finished if no item is pending or running; returns whether it did.
    async fn finish_run_if_done(&self, run_id: Uuid, at: DateTime<Utc>)
    -> Result<bool, StoreError>;
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
    /// The database did not answer in time (a probe must not hang with it).
    #[error("the database did not answer within {0:?}")]
    Timeout(Duration),
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

/// How long a readiness ping may take: orchestrators give up on a probe
/// after a second or a few, and a database this slow is not ready anyway.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Awaits a ping query, within [`PING_TIMEOUT`].
async fn ping<T>(
    query: impl std::future::Future<Output = Result<T, sqlx::Error>>,
) -> Result<(), StoreError> {
    match tokio::time::timeout(PING_TIMEOUT, query).await {
        Ok(result) => result.map(drop).map_err(StoreError::from),
        Err(_) => Err(StoreError::Timeout(PING_TIMEOUT)),
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
