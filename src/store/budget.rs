//! The rate budget of connections shared by replicas, in storage terms: a
//! departure schedule to lease stretches of, concurrency slots to hold, and a
//! pause every replica hears of. Only Postgres has one (SQLite is one process).
//! Times are the database's clock ([`BudgetLedger::now`] reads it).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::StoreError;

/// A stretch of a connection's departure schedule, this replica's alone.
#[derive(Debug, Clone, Copy)]
pub struct PaceLease {
    /// When the first departure is.
    pub starts_at: DateTime<Utc>,
    /// Where the schedule stood after this lease, as the database keeps it
    /// (to hand the unused end back).
    pub ends_at: DateTime<Utc>,
}

/// What another replica told this one about a connection's budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BudgetNotice {
    /// The app answered 429: no call departs for this long.
    Paused(Uuid, Duration),
    /// Concurrency slots came free.
    SlotsFreed(Uuid),
}

#[async_trait]
pub trait BudgetLedger: Send + Sync {
    /// The database's clock, without a round trip (see `Store::now`).
    fn now(&self) -> DateTime<Utc>;

    /// Leases `count` departures, `interval` apart, from the first free time
    /// (not before now, nor before a pause ends).
    async fn lease_pace(
        &self,
        connection: Uuid,
        count: u32,
        interval: Duration,
    ) -> Result<PaceLease, StoreError>;

    /// Hands back the end of a lease from `from` on, if nobody leased after it.
    async fn return_pace(
        &self,
        connection: Uuid,
        ends_at: DateTime<Utc>,
        from: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Stops every replica's calls to the connection for `delay`.
    async fn pause(&self, connection: Uuid, delay: Duration) -> Result<(), StoreError>;

    /// Makes the connection have exactly `total` slots.
    async fn size_slots(&self, connection: Uuid, total: u32) -> Result<(), StoreError>;

    /// Takes up to `count` free slots (or ones whose holder stopped renewing)
    /// for `holder` until `ttl` from now; returns their numbers.
    async fn lease_slots(
        &self,
        connection: Uuid,
        holder: Uuid,
        count: u32,
        ttl: Duration,
    ) -> Result<Vec<i32>, StoreError>;

    /// Frees `slots` of `holder` and tells the other replicas.
    async fn return_slots(
        &self,
        connection: Uuid,
        holder: Uuid,
        slots: &[i32],
    ) -> Result<(), StoreError>;

    /// Extends every slot `holder` holds to `ttl` from now; returns how many.
    async fn renew_slots(&self, holder: Uuid, ttl: Duration) -> Result<u64, StoreError>;

    /// What other replicas say (and this one: each replica hears its own notices too).
    fn notices(&self) -> broadcast::Receiver<BudgetNotice>;
}
