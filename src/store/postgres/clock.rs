//! The database's clock, read without a round trip: the offset between this
//! instance's clock and the database's is measured at start and every
//! [`RESYNC`], so replicas whose own clocks disagree still agree on when a
//! lease lapses, a retry is due or a plan expires.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::PgPool;

/// Clocks drift by parts per million: re-measuring this often keeps the
/// error far below the round trip it is measured with.
const RESYNC: Duration = Duration::from_secs(10);

#[derive(Clone, Default)]
pub(super) struct DbClock {
    /// The database's clock minus this instance's, in microseconds.
    offset_us: Arc<AtomicI64>,
}

impl DbClock {
    pub fn now(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::microseconds(self.offset_us.load(Ordering::Relaxed));
        (Utc::now() + offset).trunc_subsecs(6)
    }

    /// Measures the offset once: the database's time against the middle of
    /// the round trip that fetched it.
    pub async fn measure(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let before = Utc::now();
        let theirs: DateTime<Utc> = sqlx::query_scalar("select clock_timestamp()")
            .fetch_one(pool)
            .await?;
        let after = Utc::now();
        let ours = before + (after - before) / 2;
        let offset = (theirs - ours).num_microseconds().unwrap_or(0);
        self.offset_us.store(offset, Ordering::Relaxed);
        Ok(())
    }

    pub async fn keep_measuring(self, pool: PgPool) {
        loop {
            tokio::time::sleep(RESYNC).await;
            if let Err(error) = self.measure(&pool).await {
                tracing::warn!(%error, "could not read the database's clock; keeping the last offset");
            }
        }
    }
}
