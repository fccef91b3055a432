//! The production store: Postgres through a sqlx pool. The SQL it shares with
//! SQLite lives in `store/shared`, compiled in here with Postgres' codecs.

// The shared SQL, compiled once for each backend: on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "../shared/mod.rs"]
mod shared;

use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{
    PgPool, Row,
    postgres::{PgConnectOptions, PgPoolOptions, PgRow},
};
use uuid::Uuid;

use super::{Store, StoreError, StoreOptions};
use crate::metrics::PoolStats;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Claimed rows are locked and skipped by concurrent claims, so instances
/// sharing the database never hold the same item.
const CLAIM_LOCK: &str = " for update skip locked";

type Db = sqlx::Postgres;
type DbStore = PostgresStore;

pub struct PostgresStore {
    pool: PgPool,
    max_connections: u32,
}

impl PostgresStore {
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(url)?.application_name("provisio");
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            max_connections: options.max_connections,
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("update readiness set probes = probes + 1 where id = 1")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Nothing to do on demand: a deleted row's old version stays in its page
    /// until vacuum reuses the space, and in Postgres' WAL until it is recycled.
    async fn erase_freed(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: self.pool.num_idle() as u32,
            max: self.max_connections,
        }
    }
}

/// Postgres names the violated constraint itself; nothing to parse.
fn constraint_from_message(_message: &str) -> Option<String> {
    None
}

// Ids and times are native `uuid` and `timestamptz` values here.

fn id(id: Uuid) -> Uuid {
    id
}

fn time(at: DateTime<Utc>) -> DateTime<Utc> {
    at
}

fn get_id(row: &PgRow, column: &str) -> Result<Uuid, sqlx::Error> {
    row.try_get(column)
}

fn get_opt_id(row: &PgRow, column: &str) -> Result<Option<Uuid>, sqlx::Error> {
    row.try_get(column)
}

fn get_time(row: &PgRow, column: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    row.try_get(column)
}

fn get_opt_time(row: &PgRow, column: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    row.try_get(column)
}
