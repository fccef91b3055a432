//! Sync runs and their items. Claiming differs in one clause: Postgres locks
//! the rows it picks (`FOR UPDATE SKIP LOCKED`) so instances sharing the
//! database never hold the same item; SQLite runs writes one at a time, so its
//! `UPDATE … RETURNING` needs no lock.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, types::Json};
use uuid::Uuid;

use super::{
    CLAIM_LOCK, Db, DbRow, DbStore, constraint_from_message, get_id, get_opt_id, get_opt_time,
    get_time, id, time,
};
use crate::{
    domain::{ItemCounts, ItemFilter, ItemStatus, SyncItem, SyncRun},
    store::{
        ClaimedItem, ItemOutcome, RunStore, StoreError, UnreadableItem,
        codec::{Text, change_from_parts, change_parts},
        conflict_or,
    },
};

const ITEM_COLUMNS: &str = "run_id, seq, action, external_id, user_id, user_name, \
     payload, status, attempts, error_code, error_detail, updated_at";

const RUN_COLUMNS: &str =
    "run_id, connection_id, plan_id, totals, api_key_id, request_id, created_at, finished_at";

fn item_from_row(row: &DbRow) -> Result<SyncItem, StoreError> {
    let payload = row.try_get::<Json<serde_json::Value>, _>("payload")?.0;
    Ok(SyncItem {
        run_id: get_id(row, "run_id")?,
        seq: row.try_get("seq")?,
        change: change_from_parts(row.try_get("action")?, payload)?,
        external_id: row.try_get("external_id")?,
        user_id: row.try_get("user_id")?,
        user_name: row.try_get("user_name")?,
        status: ItemStatus::from_text(row.try_get("status")?)?,
        attempts: row.try_get("attempts")?,
        error_code: row.try_get("error_code")?,
        error_detail: row.try_get("error_detail")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

/// Where a claim takes items from.
#[derive(Clone, Copy)]
enum ClaimFrom {
    /// Running, but their holder's lease ran out.
    Lapsed,
    /// Waiting (and past their retry time, if any).
    Pending,
}

/// One claim: who takes the items, when, and until when.
struct Claim<'a> {
    owner: &'a str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
}

impl Claim<'_> {
    /// Claims up to `limit` items of one kind, in (run, seq) order, none of
    /// a phase whose run has an earlier phase still open.
    async fn from(
        &self,
        tx: &mut sqlx::Transaction<'_, Db>,
        from: ClaimFrom,
        limit: u32,
    ) -> Result<Vec<DbRow>, StoreError> {
        let which = match from {
            ClaimFrom::Lapsed => "status = 'running' and lease_until < $2",
            ClaimFrom::Pending => {
                "status = 'pending' and (lease_until is null or lease_until <= $2)"
            }
        };
        Ok(sqlx::query(sqlx::AssertSqlSafe(format!(
            "update sync_item set status = 'running', lease_owner = $1, lease_until = $3, attempts = attempts + 1, \
             updated_at = $2 where (run_id, seq) in (select run_id, seq from sync_item i where {which} \
             and not exists (select 1 from sync_item e where e.run_id = i.run_id \
             and e.phase < i.phase and e.status in ('pending', 'running')) \
             order by run_id, seq limit $4{CLAIM_LOCK}) returning {ITEM_COLUMNS}"
        )))
        .bind(self.owner)
        .bind(time(self.now))
        .bind(time(self.lease_until))
        .bind(i64::from(limit))
        .fetch_all(&mut **tx)
        .await?)
    }
}

/// Claimed rows, in run and sequence order. A row this version cannot read is
/// handed over as such, so that it fails alone instead of every claim.
fn claimed(rows: &[DbRow]) -> Result<Vec<ClaimedItem>, StoreError> {
    let mut items = rows
        .iter()
        .map(|row| match item_from_row(row) {
            Err(StoreError::Corrupt(problem)) => Ok(Err(UnreadableItem {
                run_id: get_id(row, "run_id")?,
                seq: row.try_get("seq")?,
                problem,
            })),
            other => other.map(Ok),
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    items.sort_by_key(|claimed| match claimed {
        Ok(item) => (item.run_id, item.seq),
        Err(unreadable) => (unreadable.run_id, unreadable.seq),
    });
    Ok(items)
}

fn run_from_row(row: &DbRow) -> Result<SyncRun, sqlx::Error> {
    Ok(SyncRun {
        run_id: get_id(row, "run_id")?,
        connection_id: get_id(row, "connection_id")?,
        plan_id: get_opt_id(row, "plan_id")?,
        totals: row.try_get::<Json<serde_json::Value>, _>("totals")?.0,
        api_key_id: row.try_get("api_key_id")?,
        request_id: row.try_get("request_id")?,
        created_at: get_time(row, "created_at")?,
        finished_at: get_opt_time(row, "finished_at")?,
    })
}

impl DbStore {
    async fn insert_item(
        tx: &mut sqlx::Transaction<'_, Db>,
        item: &SyncItem,
    ) -> Result<(), StoreError> {
        let (action, payload) = change_parts(&item.change);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "insert into sync_item ({ITEM_COLUMNS}, phase) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        )))
        .bind(id(item.run_id))
        .bind(item.seq)
        .bind(action)
        .bind(&item.external_id)
        .bind(&item.user_id)
        .bind(&item.user_name)
        .bind(Json(payload))
        .bind(item.status.text())
        .bind(item.attempts)
        .bind(&item.error_code)
        .bind(&item.error_detail)
        .bind(time(item.updated_at))
        .bind(item.change.phase())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl RunStore for DbStore {
    async fn insert_run(&self, run: &SyncRun, items: &[SyncItem]) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "insert into sync_run ({RUN_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8)"
        )))
        .bind(id(run.run_id))
        .bind(id(run.connection_id))
        .bind(run.plan_id.map(id))
        .bind(Json(&run.totals))
        .bind(&run.api_key_id)
        .bind(&run.request_id)
        .bind(time(run.created_at))
        .bind(run.finished_at.map(time))
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or(e, constraint_from_message))?;
        for item in items {
            Self::insert_item(&mut tx, item).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_run(&self, run_id: Uuid) -> Result<Option<SyncRun>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {RUN_COLUMNS} from sync_run where run_id = $1"
        )))
        .bind(id(run_id))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(run_from_row).transpose()?)
    }

    async fn list_runs(
        &self,
        connection_id: Option<Uuid>,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<SyncRun>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {RUN_COLUMNS} from sync_run where ($1 is null or connection_id = $1) \
             and ($2 is null or (created_at, run_id) < ($2, $3)) \
             order by created_at desc, run_id desc limit $4"
        )))
        .bind(connection_id.map(id))
        .bind(before.map(|b| time(b.0)))
        .bind(before.map(|b| id(b.1)))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(run_from_row).collect::<Result<_, _>>()?)
    }

    async fn run_items(
        &self,
        run_id: Uuid,
        filter: &ItemFilter,
    ) -> Result<Vec<SyncItem>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {ITEM_COLUMNS} from sync_item where run_id = $1 and ($2 is null or status = $2) \
             and ($3 is null or action = $3) and seq > $4 order by seq limit $5"
        )))
        .bind(id(run_id))
        .bind(filter.status.map(Text::text))
        .bind(filter.action.map(Text::text))
        .bind(filter.after_seq.unwrap_or(-1))
        .bind(filter.limit.map_or(i64::MAX, i64::from))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(item_from_row).collect()
    }

    async fn item_counts(&self, run_ids: &[Uuid]) -> Result<HashMap<Uuid, ItemCounts>, StoreError> {
        let mut counts: HashMap<Uuid, ItemCounts> = HashMap::new();
        if run_ids.is_empty() {
            return Ok(counts);
        }
        let mut q = QueryBuilder::<Db>::new(
            "select run_id, status, count(*) as n from sync_item where run_id in (",
        );
        let mut ids = q.separated(", ");
        for run_id in run_ids {
            ids.push_bind(id(*run_id));
        }
        q.push(") group by run_id, status");
        for row in q.build().fetch_all(self.pool()).await? {
            let status = ItemStatus::from_text(row.try_get("status")?)?;
            counts
                .entry(get_id(&row, "run_id")?)
                .or_default()
                .add(status, row.try_get("n")?);
        }
        Ok(counts)
    }

    async fn claim_items(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedItem>, StoreError> {
        // Items whose holder let its lease lapse (it died) first, then pending
        // ones: one status per statement, so that each reads its status's
        // items in (run, seq) order from `sync_item_claim_idx` and stops at
        // the limit, instead of reading every item of every run. Both in one
        // transaction: a claim that fails takes nothing, so no item is left
        // running under an owner that never heard it had it.
        let mut tx = self.pool().begin().await?;
        let claim = Claim {
            owner,
            now,
            lease_until,
        };
        let mut rows = claim.from(&mut tx, ClaimFrom::Lapsed, limit).await?;
        let left = limit.saturating_sub(u32::try_from(rows.len()).unwrap_or(limit));
        if left > 0 {
            rows.extend(claim.from(&mut tx, ClaimFrom::Pending, left).await?);
        }
        tx.commit().await?;
        claimed(&rows)
    }

    async fn renew_leases(
        &self,
        owner: &str,
        items: &[(Uuid, i32)],
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        if items.is_empty() {
            return Ok(0);
        }
        let mut q = QueryBuilder::<Db>::new("update sync_item set lease_until = ");
        q.push_bind(time(until))
            .push(" where lease_owner = ")
            .push_bind(owner)
            .push(" and status = 'running' and (run_id, seq) in ");
        q.push_tuples(items, |mut held, (run_id, seq)| {
            held.push_bind(id(*run_id)).push_bind(*seq);
        });
        Ok(q.build().execute(self.pool()).await?.rows_affected())
    }

    async fn release_item(
        &self,
        run_id: Uuid,
        seq: i32,
        owner: &str,
        outcome: &ItemOutcome,
        retry_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "update sync_item set status = 'pending', error_code = $4, error_detail = $5, lease_until = $6, updated_at = $7 \
             where run_id = $1 and seq = $2 and lease_owner = $3 and status = 'running'",
        )
        .bind(id(run_id))
        .bind(seq)
        .bind(owner)
        .bind(&outcome.error_code)
        .bind(&outcome.error_detail)
        .bind(time(retry_at))
        .bind(time(crate::store::now()))
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn hand_back_items(&self, owner: &str) -> Result<u64, StoreError> {
        // The next claim counts another attempt, so it checks the app for a
        // change that may have landed before this instance let go.
        let result = sqlx::query(
            "update sync_item set status = 'pending', lease_until = null \
             where lease_owner = $1 and status = 'running'",
        )
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected())
    }

    async fn finish_idle_runs(&self, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "update sync_run set finished_at = $1 where finished_at is null and not exists \
             (select 1 from sync_item where sync_item.run_id = sync_run.run_id and status in ('pending', 'running'))",
        )
        .bind(time(at))
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected())
    }

    async fn prune_runs(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("delete from sync_run where finished_at < $1")
            .bind(time(before))
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }

    async fn finish_item(
        &self,
        run_id: Uuid,
        seq: i32,
        owner: &str,
        outcome: &ItemOutcome,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "update sync_item set status = $4, user_id = coalesce($5, user_id), error_code = $6, error_detail = $7, \
             lease_until = null, updated_at = $8 \
             where run_id = $1 and seq = $2 and lease_owner = $3 and status = 'running'",
        )
        .bind(id(run_id))
        .bind(seq)
        .bind(owner)
        .bind(outcome.status.text())
        .bind(&outcome.user_id)
        .bind(&outcome.error_code)
        .bind(&outcome.error_detail)
        .bind(time(at))
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn finish_run_if_done(
        &self,
        run_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "update sync_run set finished_at = $2 where run_id = $1 and finished_at is null and not exists \
             (select 1 from sync_item where run_id = $1 and status in ('pending', 'running'))",
        )
        .bind(id(run_id))
        .bind(time(at))
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }
}
