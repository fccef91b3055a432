//! The zero-setup store: an embedded SQLite file (WAL mode, secure delete).
//! The SQL it shares with Postgres lives in `store/shared`, compiled in here
//! with SQLite's codecs: ids as hyphenated text, times as fixed-width text.

// The shared SQL, compiled once for each backend: on purpose.
mod files;
#[allow(clippy::duplicate_mod)]
#[path = "../shared/mod.rs"]
mod shared;

use std::{str::FromStr, sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{
    Row, SqlitePool,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
    },
};
use uuid::{Uuid, fmt::Hyphenated};

use super::{
    Exclusive, Store, StoreError, StoreOptions,
    budget::BudgetLedger,
    watch::{ConnectionChange, ConnectionWatch},
};
use crate::metrics::PoolStats;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// SQLite runs writes one at a time: a claim needs no lock to be alone.
const CLAIM_LOCK: &str = "";

type Db = sqlx::Sqlite;
type DbStore = SqliteStore;

pub struct SqliteStore {
    pool: SqlitePool,
    max_connections: u32,
    watch: ConnectionWatch,
}

impl SqliteStore {
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Deleted credentials are overwritten on disk, not left in free pages.
            .pragma("secure_delete", "on")
            // 512 KiB of page cache per connection, not SQLite's 2 MiB: with
            // ten connections the default held 20 MiB resident once a large
            // sync had passed through each, of pages the OS caches anyway.
            .pragma("cache_size", "-512");
        let file = connect.get_filename();
        if file != std::path::Path::new(":memory:") {
            files::prepare(file)?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            max_connections: options.max_connections,
            watch: ConnectionWatch::in_process(),
        })
    }

    /// One process: the store itself announces a committed connection write.
    fn connection_written(&self, connection_id: Uuid) {
        self.watch
            .announce(ConnectionChange::Changed(connection_id));
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        super::ping(
            sqlx::query("update readiness set probes = probes + 1 where id = 1")
                .execute(&self.pool),
        )
        .await
    }

    /// Checkpoints the WAL into the database file, where `secure_delete` has
    /// zeroed deleted rows, and truncates it: until then the WAL still holds
    /// the pages as they were before the delete. A reader in the way makes it
    /// wait (up to the busy timeout) or leave the WAL for the next time.
    async fn erase_freed(&self) -> Result<(), StoreError> {
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("pragma wal_checkpoint(truncate)")
            .fetch_one(&self.pool)
            .await?;
        if busy != 0 {
            tracing::warn!(
                "the WAL could not be checkpointed for readers in the way; deleted credentials stay in it until the next checkpoint"
            );
        }
        Ok(())
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: self.pool.num_idle() as u32,
            max: self.max_connections,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        super::now()
    }

    fn connection_watch(&self) -> ConnectionWatch {
        self.watch.clone()
    }

    fn shared_budget(&self) -> Option<Arc<dyn BudgetLedger>> {
        None
    }

    async fn try_exclusive(&self, _task: &str) -> Result<Option<Exclusive>, StoreError> {
        Ok(Some(Exclusive::in_process()))
    }
}

/// SQLite reports `UNIQUE constraint failed: connection.name`; map the columns
/// back to the constraint name the migrations declare.
fn constraint_from_message(message: &str) -> Option<String> {
    let columns = message.strip_prefix("UNIQUE constraint failed: ")?;
    Some(
        match columns {
            "connection.name" => "connection_name_key",
            "api_key.name" => "api_key_name_key",
            "api_key.key_hash" => "api_key_hash_key",
            "sync_run.plan_id" => "sync_run_plan_id_key",
            "sync_run.connection_id" => "sync_run_open_key",
            "idempotency_key.api_key_id, idempotency_key.idempotency_key" => "idempotency_key_pkey",
            other => other,
        }
        .to_owned(),
    )
}

fn id(id: Uuid) -> Hyphenated {
    id.hyphenated()
}

/// Fixed-width RFC 3339 in UTC, so text order is time order.
fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn get_id(row: &SqliteRow, column: &str) -> Result<Uuid, sqlx::Error> {
    Ok(row.try_get::<Hyphenated, _>(column)?.into_uuid())
}

fn get_opt_id(row: &SqliteRow, column: &str) -> Result<Option<Uuid>, sqlx::Error> {
    Ok(row
        .try_get::<Option<Hyphenated>, _>(column)?
        .map(Hyphenated::into_uuid))
}

fn get_time(row: &SqliteRow, column: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    parse_time(row.try_get(column)?)
}

fn get_opt_time(row: &SqliteRow, column: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    row.try_get::<Option<&str>, _>(column)?
        .map(parse_time)
        .transpose()
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| sqlx::Error::Decode(format!("bad timestamp `{text}`: {e}").into()))
}
