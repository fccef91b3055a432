//! The shared rate budget's SQL: one statement (one round trip) per lease,
//! return, pause or renewal. See `migrations/postgres/*_replicas.sql`.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::clock::DbClock;
use crate::store::{
    StoreError,
    budget::{BudgetLedger, BudgetNotice, PaceLease},
};

/// The channel budget notices travel on; payloads are `<connection id> pause
/// <microseconds>` and `<connection id> freed`.
pub(super) const BUDGET_CHANNEL: &str = "provisio_budget";

pub struct PgBudget {
    pub(super) pool: PgPool,
    pub(super) clock: DbClock,
    pub(super) notices: broadcast::Sender<BudgetNotice>,
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// Reads a budget notice's payload; `None` for one this version does not know.
pub(super) fn parse_notice(payload: &str) -> Option<BudgetNotice> {
    let mut words = payload.split(' ');
    let connection = Uuid::parse_str(words.next()?).ok()?;
    match (words.next()?, words.next()) {
        ("freed", None) => Some(BudgetNotice::SlotsFreed(connection)),
        ("pause", Some(us)) => Some(BudgetNotice::Paused(
            connection,
            Duration::from_micros(us.parse().ok()?),
        )),
        _ => None,
    }
}

#[async_trait]
impl BudgetLedger for PgBudget {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn lease_pace(
        &self,
        connection: Uuid,
        count: u32,
        interval: Duration,
    ) -> Result<PaceLease, StoreError> {
        // The lease starts where the schedule stands, or now if it fell behind,
        // or when a pause ends; the schedule then stands `count` intervals on.
        let row = sqlx::query(
            "insert into budget_pace as b (connection_id, next_at) \
             values ($1, now() + $2 * interval '1 microsecond') \
             on conflict (connection_id) do update set next_at = \
             greatest(b.next_at, now(), coalesce(b.paused_until, now())) + $2 * interval '1 microsecond' \
             returning next_at - $2 * interval '1 microsecond' as starts_at, next_at",
        )
        .bind(connection)
        .bind(micros(interval) * i64::from(count))
        .fetch_one(&self.pool)
        .await?;
        Ok(PaceLease {
            starts_at: row.try_get("starts_at")?,
            ends_at: row.try_get("next_at")?,
        })
    }

    async fn return_pace(
        &self,
        connection: Uuid,
        ends_at: DateTime<Utc>,
        from: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "update budget_pace set next_at = greatest($3, now()) where connection_id = $1 and next_at = $2",
        )
        .bind(connection)
        .bind(ends_at)
        .bind(from)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn pause(&self, connection: Uuid, delay: Duration) -> Result<(), StoreError> {
        sqlx::query(
            "with paused as (insert into budget_pace as b (connection_id, next_at, paused_until) \
             values ($1, now(), now() + $2 * interval '1 microsecond') \
             on conflict (connection_id) do update set paused_until = \
             greatest(coalesce(b.paused_until, now()), excluded.paused_until) returning 1) \
             select pg_notify($3, $1::text || ' pause ' || $2::text) from paused",
        )
        .bind(connection)
        .bind(micros(delay))
        .bind(BUDGET_CHANNEL)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn size_slots(&self, connection: Uuid, total: u32) -> Result<(), StoreError> {
        sqlx::query(
            "with gone as (delete from budget_slot where connection_id = $1 and slot >= $2) \
             insert into budget_slot (connection_id, slot) select $1, n from generate_series(0, $2 - 1) n \
             on conflict do nothing",
        )
        .bind(connection)
        .bind(i32::try_from(total).unwrap_or(i32::MAX))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn lease_slots(
        &self,
        connection: Uuid,
        holder: Uuid,
        count: u32,
        ttl: Duration,
    ) -> Result<Vec<i32>, StoreError> {
        let rows = sqlx::query(
            "update budget_slot set holder = $2, held_until = now() + $4 * interval '1 microsecond' \
             where (connection_id, slot) in (select connection_id, slot from budget_slot \
             where connection_id = $1 and (holder is null or held_until < now()) \
             order by slot limit $3 for update skip locked) returning slot",
        )
        .bind(connection)
        .bind(holder)
        .bind(i64::from(count))
        .bind(micros(ttl))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("slot"))
            .collect::<Result<_, _>>()?)
    }

    async fn return_slots(
        &self,
        connection: Uuid,
        holder: Uuid,
        slots: &[i32],
    ) -> Result<(), StoreError> {
        sqlx::query(
            "with freed as (update budget_slot set holder = null, held_until = null \
             where connection_id = $1 and holder = $2 and slot = any($3) returning 1) \
             select pg_notify($4, $1::text || ' freed') where exists (select 1 from freed)",
        )
        .bind(connection)
        .bind(holder)
        .bind(slots)
        .bind(BUDGET_CHANNEL)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn renew_slots(&self, holder: Uuid, ttl: Duration) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "update budget_slot set held_until = now() + $2 * interval '1 microsecond' where holder = $1",
        )
        .bind(holder)
        .bind(micros(ttl))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    fn notices(&self) -> broadcast::Receiver<BudgetNotice> {
        self.notices.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_read_back_and_unknown_ones_are_ignored() {
        let id = Uuid::now_v7();
        assert_eq!(
            parse_notice(&format!("{id} pause 2000000")),
            Some(BudgetNotice::Paused(id, Duration::from_secs(2)))
        );
        assert_eq!(
            parse_notice(&format!("{id} freed")),
            Some(BudgetNotice::SlotsFreed(id))
        );
        assert_eq!(parse_notice(&format!("{id} grow 3")), None);
        assert_eq!(parse_notice("nonsense freed"), None);
    }
}
