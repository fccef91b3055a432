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
/// Round trips per measurement; the shortest is the most exact.
const SAMPLES: usize = 3;

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

    /// Measures the offset: the database's time against the middle of the
    /// round trip that fetched it, on a connection already in hand (a wait
    /// for the pool is no part of the trip), the tightest of a few tries.
    pub async fn measure(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let mut connection = pool.acquire().await?;
        let mut best: Option<(chrono::Duration, i64)> = None;
        for _ in 0..SAMPLES {
            let before = Utc::now();
            let theirs: DateTime<Utc> = sqlx::query_scalar("select clock_timestamp()")
                .fetch_one(&mut *connection)
                .await?;
            let after = Utc::now();
            let trip = after - before;
            if best.is_none_or(|(shortest, _)| trip < shortest) {
                best = Some((trip, offset_us(before, theirs, after)));
            }
        }
        if let Some((_, offset)) = best {
            self.offset_us.store(offset, Ordering::Relaxed);
        }
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

/// The database's clock minus ours, its reading `theirs` taken between our
/// `before` and `after`: against the middle of the round trip.
fn offset_us(before: DateTime<Utc>, theirs: DateTime<Utc>, after: DateTime<Utc>) -> i64 {
    let ours = before + (after - before) / 2;
    (theirs - ours).num_microseconds().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_database_clock_an_hour_ahead_is_read_as_an_hour_ahead() {
        let before = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let after = before + chrono::Duration::milliseconds(4);
        let theirs = before + chrono::Duration::hours(1) + chrono::Duration::milliseconds(2);
        assert_eq!(offset_us(before, theirs, after), 3_600_000_000);
        let clock = DbClock::default();
        clock.offset_us.store(3_600_000_000, Ordering::Relaxed);
        let ahead = clock.now() - Utc::now();
        assert!((ahead - chrono::Duration::hours(1)).abs() < chrono::Duration::seconds(1));
    }
}
