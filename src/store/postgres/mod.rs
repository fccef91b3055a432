//! The production store: Postgres through a sqlx pool. The SQL it shares with
//! SQLite lives in `store/shared`, compiled in here with Postgres' codecs.

// The shared SQL, compiled once for each backend: on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "../shared/mod.rs"]
mod shared;

mod budget;
mod clock;
mod listen;

use std::{str::FromStr, sync::Arc};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{
    PgPool, Row,
    postgres::{PgConnectOptions, PgPoolOptions, PgRow},
};
use tokio::{sync::broadcast, task::AbortHandle};
use uuid::Uuid;

use super::{
    Exclusive, Store, StoreError, StoreOptions, budget::BudgetLedger, watch::ConnectionWatch,
};
use crate::metrics::PoolStats;
pub use budget::PgBudget;
use clock::DbClock;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Claimed rows are locked and skipped by concurrent claims, so instances
/// sharing the database never hold the same item.
const CLAIM_LOCK: &str = " for update skip locked";

type Db = sqlx::Postgres;
type DbStore = PostgresStore;

/// Connections of the shared budget's own pool: a lease, a hand-back and a
/// renewal may overlap.
const BUDGET_CONNECTIONS: u32 = 3;

/// Budget notices kept for a slow shared budget before it lags.
const NOTICE_BACKLOG: usize = 1024;

pub struct PostgresStore {
    pool: PgPool,
    max_connections: u32,
    clock: DbClock,
    watch: ConnectionWatch,
    budget: Arc<PgBudget>,
    /// The clock and the listener, stopped with the store.
    tasks: Vec<AbortHandle>,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl PostgresStore {
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(url)?.application_name("provisio");
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        // The shared budget and the clock have connections of their own: a
        // lease or a renewal queued behind a burst of requests would come too
        // late (renewals lapse, departures bunch).
        let own = PgPoolOptions::new()
            .max_connections(BUDGET_CONNECTIONS)
            .acquire_timeout(options.acquire_timeout)
            .connect_lazy_with(connect);
        let clock = DbClock::default();
        clock.measure(&own).await?;
        let watch = ConnectionWatch::new(false);
        let notices = broadcast::channel(NOTICE_BACKLOG).0;
        let tasks = vec![
            tokio::spawn(clock.clone().keep_measuring(own.clone())).abort_handle(),
            tokio::spawn(listen::listen_forever(
                pool.clone(),
                watch.clone(),
                notices.clone(),
            ))
            .abort_handle(),
        ];
        Ok(Self {
            budget: Arc::new(PgBudget {
                pool: own,
                clock: clock.clone(),
                notices,
            }),
            pool,
            max_connections: options.max_connections,
            clock,
            watch,
            tasks,
        })
    }

    /// The trigger announces connection writes on Postgres (to every replica).
    fn connection_written(&self, _connection_id: Uuid) {}

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
        super::ping(
            sqlx::query("update readiness set probes = probes + 1 where id = 1")
                .execute(&self.pool),
        )
        .await
    }

    /// Nothing to do on demand: a deleted row's old version stays in its page
    /// until vacuum reuses the space, and in Postgres' WAL until it is recycled.
    async fn erase_freed(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn connection_watch(&self) -> ConnectionWatch {
        self.watch.clone()
    }

    fn shared_budget(&self) -> Option<Arc<dyn BudgetLedger>> {
        Some(self.budget.clone())
    }

    /// A session advisory lock on a connection of its own: released when the
    /// guard drops (the connection is closed, not pooled) or the process dies.
    async fn try_exclusive(&self, task: &str) -> Result<Option<Exclusive>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let locked: bool = sqlx::query_scalar("select pg_try_advisory_lock(hashtext($1))")
            .bind(format!("provisio:{task}"))
            .fetch_one(&mut *connection)
            .await?;
        Ok(locked.then(|| Exclusive::holding(connection)))
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
