//! Sync rules, managed accounts, plans and runs on Postgres. Items are claimed
//! with `FOR UPDATE SKIP LOCKED`, so instances sharing the database never hold
//! the same item.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Row, postgres::PgRow, types::Json};
use uuid::Uuid;

use super::{PostgresStore, connections::constraint_from_message};
use crate::store::{
    ItemFilter, ItemOutcome, ItemRow, ManagedUserRow, PlanRow, RunRow, StoreError, SyncStore,
    conflict_or,
};

macro_rules! item_columns {
    () => {
        "run_id, seq, action, external_id, user_id, user_name, payload, status, attempts, error_code, \
         error_detail, updated_at"
    };
}

fn item_from_row(row: &PgRow) -> Result<ItemRow, sqlx::Error> {
    Ok(ItemRow {
        run_id: row.try_get("run_id")?,
        seq: row.try_get("seq")?,
        action: row.try_get("action")?,
        external_id: row.try_get("external_id")?,
        user_id: row.try_get("user_id")?,
        user_name: row.try_get("user_name")?,
        payload: row.try_get::<Json<serde_json::Value>, _>("payload")?.0,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        error_code: row.try_get("error_code")?,
        error_detail: row.try_get("error_detail")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn run_from_row(row: &PgRow) -> Result<RunRow, sqlx::Error> {
    Ok(RunRow {
        run_id: row.try_get("run_id")?,
        connection_id: row.try_get("connection_id")?,
        plan_id: row.try_get("plan_id")?,
        totals: row.try_get::<Json<serde_json::Value>, _>("totals")?.0,
        api_key_id: row.try_get("api_key_id")?,
        request_id: row.try_get("request_id")?,
        created_at: row.try_get("created_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

const RUN_COLUMNS: &str =
    "run_id, connection_id, plan_id, totals, api_key_id, request_id, created_at, finished_at";

#[async_trait]
impl SyncStore for PostgresStore {
    async fn get_rules(
        &self,
        connection_id: Uuid,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let row = sqlx::query("select rules from connection_rules where connection_id = $1")
            .bind(connection_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row
            .map(|r| r.try_get::<Json<serde_json::Value>, _>("rules"))
            .transpose()?
            .map(|j| j.0))
    }

    async fn put_rules(
        &self,
        connection_id: Uuid,
        rules: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "insert into connection_rules (connection_id, rules, updated_at) values ($1, $2, $3) \
             on conflict (connection_id) do update set rules = excluded.rules, updated_at = excluded.updated_at",
        )
        .bind(connection_id)
        .bind(Json(rules))
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn managed_users(&self, connection_id: Uuid) -> Result<Vec<ManagedUserRow>, StoreError> {
        let rows = sqlx::query(
            "select connection_id, provider_user_id, external_id, user_name, applied_hash, created_at, updated_at \
             from managed_user where connection_id = $1 order by provider_user_id",
        )
        .bind(connection_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ManagedUserRow {
                    connection_id: r.try_get("connection_id")?,
                    provider_user_id: r.try_get("provider_user_id")?,
                    external_id: r.try_get("external_id")?,
                    user_name: r.try_get("user_name")?,
                    applied_hash: r.try_get("applied_hash")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    async fn upsert_managed_users(&self, rows: &[ManagedUserRow]) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for row in rows {
            if let Some(external_id) = &row.external_id {
                sqlx::query("delete from managed_user where connection_id = $1 and external_id = $2 and provider_user_id <> $3")
                    .bind(row.connection_id)
                    .bind(external_id)
                    .bind(&row.provider_user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "insert into managed_user (connection_id, provider_user_id, external_id, user_name, applied_hash, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7) on conflict (connection_id, provider_user_id) do update set \
                 external_id = coalesce(excluded.external_id, managed_user.external_id), user_name = excluded.user_name, \
                 applied_hash = coalesce(excluded.applied_hash, managed_user.applied_hash), updated_at = excluded.updated_at",
            )
            .bind(row.connection_id)
            .bind(&row.provider_user_id)
            .bind(&row.external_id)
            .bind(&row.user_name)
            .bind(&row.applied_hash)
            .bind(row.created_at)
            .bind(row.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn insert_plan(&self, row: &PlanRow) -> Result<(), StoreError> {
        sqlx::query(
            "insert into sync_plan (plan_id, connection_id, input_hash, fingerprint, request, plan, created_at, expires_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(row.plan_id)
        .bind(row.connection_id)
        .bind(&row.input_hash)
        .bind(&row.fingerprint)
        .bind(Json(&row.request))
        .bind(Json(&row.plan))
        .bind(row.created_at)
        .bind(row.expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn get_plan(&self, plan_id: Uuid) -> Result<Option<PlanRow>, StoreError> {
        let row = sqlx::query(
            "select plan_id, connection_id, input_hash, fingerprint, request, plan, created_at, expires_at \
             from sync_plan where plan_id = $1",
        )
        .bind(plan_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| -> Result<PlanRow, sqlx::Error> {
            Ok(PlanRow {
                plan_id: r.try_get("plan_id")?,
                connection_id: r.try_get("connection_id")?,
                input_hash: r.try_get("input_hash")?,
                fingerprint: r.try_get("fingerprint")?,
                request: r.try_get::<Json<serde_json::Value>, _>("request")?.0,
                plan: r.try_get::<Json<serde_json::Value>, _>("plan")?.0,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
        .map_err(Into::into)
    }

    async fn prune_plans(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("delete from sync_plan where expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }

    async fn insert_run(&self, run: &RunRow, items: &[ItemRow]) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "insert into sync_run (run_id, connection_id, plan_id, totals, api_key_id, request_id, created_at, finished_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(run.run_id)
        .bind(run.connection_id)
        .bind(run.plan_id)
        .bind(Json(&run.totals))
        .bind(&run.api_key_id)
        .bind(&run.request_id)
        .bind(run.created_at)
        .bind(run.finished_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or(e, constraint_from_message))?;
        for item in items {
            sqlx::query(concat!(
                "insert into sync_item (",
                item_columns!(),
                ") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ))
            .bind(item.run_id)
            .bind(item.seq)
            .bind(&item.action)
            .bind(&item.external_id)
            .bind(&item.user_id)
            .bind(&item.user_name)
            .bind(Json(&item.payload))
            .bind(&item.status)
            .bind(item.attempts)
            .bind(&item.error_code)
            .bind(&item.error_detail)
            .bind(item.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_run(&self, run_id: Uuid) -> Result<Option<RunRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {RUN_COLUMNS} from sync_run where run_id = $1"
        )))
        .bind(run_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(run_from_row).transpose()?)
    }

    async fn list_runs(
        &self,
        connection_id: Option<Uuid>,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<RunRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {RUN_COLUMNS} from sync_run where ($1::uuid is null or connection_id = $1) \
             and ($2::timestamptz is null or (created_at, run_id) < ($2, $3)) \
             order by created_at desc, run_id desc limit $4"
        )))
        .bind(connection_id)
        .bind(before.map(|b| b.0))
        .bind(before.map(|b| b.1))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(run_from_row).collect::<Result<_, _>>()?)
    }

    async fn run_items(
        &self,
        run_id: Uuid,
        filter: &ItemFilter,
    ) -> Result<Vec<ItemRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "select ",
            item_columns!(),
            " from sync_item where run_id = $1 and ($2::text is null or status = $2)",
            " and ($3::text is null or action = $3) and seq > $4 order by seq limit $5"
        ))
        .bind(run_id)
        .bind(filter.status)
        .bind(filter.action)
        .bind(filter.after_seq.unwrap_or(-1))
        .bind(filter.limit.map(i64::from))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(item_from_row).collect::<Result<_, _>>()?)
    }

    async fn item_counts(&self, run_id: Uuid) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "select status, count(*) as n from sync_item where run_id = $1 group by status",
        )
        .bind(run_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    async fn claim_items(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ItemRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "update sync_item set status = 'running', lease_owner = $1, lease_until = $3, attempts = attempts + 1, \
             updated_at = $2 where (run_id, seq) in (select run_id, seq from sync_item \
             where (status = 'pending' and (lease_until is null or lease_until <= $2)) \
             or (status = 'running' and lease_until < $2) \
             order by run_id, seq limit $4 for update skip locked) returning ",
            item_columns!()
        ))
        .bind(owner)
        .bind(now)
        .bind(lease_until)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        let mut items: Vec<ItemRow> = rows.iter().map(item_from_row).collect::<Result<_, _>>()?;
        items.sort_by_key(|a| (a.run_id, a.seq));
        Ok(items)
    }

    async fn renew_leases(
        &self,
        owner: &str,
        items: &[(Uuid, i32)],
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let (runs, seqs): (Vec<Uuid>, Vec<i32>) = items.iter().copied().unzip();
        let result = sqlx::query(
            "update sync_item set lease_until = $2 from unnest($3::uuid[], $4::int4[]) as held (run_id, seq) \
             where sync_item.run_id = held.run_id and sync_item.seq = held.seq \
             and lease_owner = $1 and status = 'running'",
        )
        .bind(owner)
        .bind(until)
        .bind(&runs)
        .bind(&seqs)
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected())
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
        .bind(run_id)
        .bind(seq)
        .bind(owner)
        .bind(&outcome.error_code)
        .bind(&outcome.error_detail)
        .bind(retry_at)
        .bind(crate::store::now())
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn finish_idle_runs(&self, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "update sync_run set finished_at = $1 where finished_at is null and not exists \
             (select 1 from sync_item where sync_item.run_id = sync_run.run_id and status in ('pending', 'running'))",
        )
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected())
    }

    async fn prune_runs(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("delete from sync_run where finished_at < $1")
            .bind(before)
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
        .bind(run_id)
        .bind(seq)
        .bind(owner)
        .bind(outcome.status)
        .bind(&outcome.user_id)
        .bind(&outcome.error_code)
        .bind(&outcome.error_detail)
        .bind(at)
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
        .bind(run_id)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }
}
