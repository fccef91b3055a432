//! Sync rules, managed accounts, plans and runs on SQLite. A claim is one
//! `UPDATE … RETURNING`: SQLite runs writes one at a time, so no item is held
//! by two owners at once.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Row, sqlite::SqliteRow, types::Json};
use uuid::{Uuid, fmt::Hyphenated};

use super::{SqliteStore, connections::constraint_from_message, decode_time, encode_time};
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

const RUN_COLUMNS: &str =
    "run_id, connection_id, plan_id, totals, api_key_id, request_id, created_at, finished_at";

fn uuid(row: &SqliteRow, column: &str) -> Result<Uuid, sqlx::Error> {
    Ok(row.try_get::<Hyphenated, _>(column)?.into_uuid())
}

fn item_from_row(row: &SqliteRow) -> Result<ItemRow, sqlx::Error> {
    Ok(ItemRow {
        run_id: uuid(row, "run_id")?,
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
        updated_at: decode_time(row.try_get("updated_at")?)?,
    })
}

fn run_from_row(row: &SqliteRow) -> Result<RunRow, sqlx::Error> {
    Ok(RunRow {
        run_id: uuid(row, "run_id")?,
        connection_id: uuid(row, "connection_id")?,
        plan_id: row
            .try_get::<Option<Hyphenated>, _>("plan_id")?
            .map(Hyphenated::into_uuid),
        totals: row.try_get::<Json<serde_json::Value>, _>("totals")?.0,
        api_key_id: row.try_get("api_key_id")?,
        request_id: row.try_get("request_id")?,
        created_at: decode_time(row.try_get("created_at")?)?,
        finished_at: row
            .try_get::<Option<&str>, _>("finished_at")?
            .map(decode_time)
            .transpose()?,
    })
}

#[async_trait]
impl SyncStore for SqliteStore {
    async fn get_rules(
        &self,
        connection_id: Uuid,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let row = sqlx::query("select rules from connection_rules where connection_id = ?")
            .bind(connection_id.hyphenated())
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
            "insert into connection_rules (connection_id, rules, updated_at) values (?1, ?2, ?3) \
             on conflict (connection_id) do update set rules = excluded.rules, updated_at = excluded.updated_at",
        )
        .bind(connection_id.hyphenated())
        .bind(Json(rules))
        .bind(encode_time(at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn managed_users(&self, connection_id: Uuid) -> Result<Vec<ManagedUserRow>, StoreError> {
        let rows = sqlx::query(
            "select connection_id, provider_user_id, external_id, user_name, applied_hash, created_at, updated_at \
             from managed_user where connection_id = ? order by provider_user_id",
        )
        .bind(connection_id.hyphenated())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ManagedUserRow {
                    connection_id: uuid(r, "connection_id")?,
                    provider_user_id: r.try_get("provider_user_id")?,
                    external_id: r.try_get("external_id")?,
                    user_name: r.try_get("user_name")?,
                    applied_hash: r.try_get("applied_hash")?,
                    created_at: decode_time(r.try_get("created_at")?)?,
                    updated_at: decode_time(r.try_get("updated_at")?)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    async fn upsert_managed_users(&self, rows: &[ManagedUserRow]) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for row in rows {
            if let Some(external_id) = &row.external_id {
                sqlx::query("delete from managed_user where connection_id = ? and external_id = ? and provider_user_id <> ?")
                    .bind(row.connection_id.hyphenated())
                    .bind(external_id)
                    .bind(&row.provider_user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "insert into managed_user (connection_id, provider_user_id, external_id, user_name, applied_hash, created_at, updated_at) \
                 values (?1, ?2, ?3, ?4, ?5, ?6, ?7) on conflict (connection_id, provider_user_id) do update set \
                 external_id = coalesce(excluded.external_id, managed_user.external_id), user_name = excluded.user_name, \
                 applied_hash = coalesce(excluded.applied_hash, managed_user.applied_hash), updated_at = excluded.updated_at",
            )
            .bind(row.connection_id.hyphenated())
            .bind(&row.provider_user_id)
            .bind(&row.external_id)
            .bind(&row.user_name)
            .bind(&row.applied_hash)
            .bind(encode_time(row.created_at))
            .bind(encode_time(row.updated_at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn insert_plan(&self, row: &PlanRow) -> Result<(), StoreError> {
        sqlx::query(
            "insert into sync_plan (plan_id, connection_id, input_hash, fingerprint, request, plan, created_at, expires_at) \
             values (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(row.plan_id.hyphenated())
        .bind(row.connection_id.hyphenated())
        .bind(&row.input_hash)
        .bind(&row.fingerprint)
        .bind(Json(&row.request))
        .bind(Json(&row.plan))
        .bind(encode_time(row.created_at))
        .bind(encode_time(row.expires_at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn get_plan(&self, plan_id: Uuid) -> Result<Option<PlanRow>, StoreError> {
        let row = sqlx::query(
            "select plan_id, connection_id, input_hash, fingerprint, request, plan, created_at, expires_at \
             from sync_plan where plan_id = ?",
        )
        .bind(plan_id.hyphenated())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| -> Result<PlanRow, sqlx::Error> {
            Ok(PlanRow {
                plan_id: uuid(&r, "plan_id")?,
                connection_id: uuid(&r, "connection_id")?,
                input_hash: r.try_get("input_hash")?,
                fingerprint: r.try_get("fingerprint")?,
                request: r.try_get::<Json<serde_json::Value>, _>("request")?.0,
                plan: r.try_get::<Json<serde_json::Value>, _>("plan")?.0,
                created_at: decode_time(r.try_get("created_at")?)?,
                expires_at: decode_time(r.try_get("expires_at")?)?,
            })
        })
        .transpose()
        .map_err(Into::into)
    }

    async fn prune_plans(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("delete from sync_plan where expires_at <= ?")
            .bind(encode_time(now))
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }

    async fn insert_run(&self, run: &RunRow, items: &[ItemRow]) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "insert into sync_run (run_id, connection_id, plan_id, totals, api_key_id, request_id, created_at, finished_at) \
             values (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(run.run_id.hyphenated())
        .bind(run.connection_id.hyphenated())
        .bind(run.plan_id.map(|id| id.hyphenated()))
        .bind(Json(&run.totals))
        .bind(&run.api_key_id)
        .bind(&run.request_id)
        .bind(encode_time(run.created_at))
        .bind(run.finished_at.map(encode_time))
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or(e, constraint_from_message))?;
        for item in items {
            sqlx::query(concat!(
                "insert into sync_item (",
                item_columns!(),
                ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(item.run_id.hyphenated())
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
            .bind(encode_time(item.updated_at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_run(&self, run_id: Uuid) -> Result<Option<RunRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {RUN_COLUMNS} from sync_run where run_id = ?"
        )))
        .bind(run_id.hyphenated())
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
            "select {RUN_COLUMNS} from sync_run where (?1 is null or connection_id = ?1) \
             and (?2 is null or created_at < ?2 or (created_at = ?2 and run_id < ?3)) \
             order by created_at desc, run_id desc limit ?4"
        )))
        .bind(connection_id.map(|id| id.hyphenated()))
        .bind(before.map(|b| encode_time(b.0)))
        .bind(before.map(|b| b.1.hyphenated()))
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
        // A negative LIMIT is no limit in SQLite.
        let rows = sqlx::query(concat!(
            "select ",
            item_columns!(),
            " from sync_item where run_id = ?1 and (?2 is null or status = ?2)",
            " and (?3 is null or action = ?3) and seq > ?4 order by seq limit ?5"
        ))
        .bind(run_id.hyphenated())
        .bind(filter.status)
        .bind(filter.action)
        .bind(filter.after_seq.unwrap_or(-1))
        .bind(filter.limit.map_or(-1, i64::from))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(item_from_row).collect::<Result<_, _>>()?)
    }

    async fn item_counts(&self, run_id: Uuid) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "select status, count(*) as n from sync_item where run_id = ? group by status",
        )
        .bind(run_id.hyphenated())
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
            "update sync_item set status = 'running', lease_owner = ?1, lease_until = ?3, attempts = attempts + 1, \
             updated_at = ?2 where rowid in (select rowid from sync_item \
             where (status = 'pending' and (lease_until is null or lease_until <= ?2)) \
             or (status = 'running' and lease_until < ?2) \
             order by run_id, seq limit ?4) returning ",
            item_columns!()
        ))
        .bind(owner)
        .bind(encode_time(now))
        .bind(encode_time(lease_until))
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
        let mut tx = self.pool().begin().await?;
        let mut renewed = 0;
        for (run_id, seq) in items {
            renewed += sqlx::query(
                "update sync_item set lease_until = ?4 \
                 where run_id = ?1 and seq = ?2 and lease_owner = ?3 and status = 'running'",
            )
            .bind(run_id.hyphenated())
            .bind(seq)
            .bind(owner)
            .bind(encode_time(until))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(renewed)
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
            "update sync_item set status = 'pending', error_code = ?4, error_detail = ?5, lease_until = ?6, updated_at = ?7 \
             where run_id = ?1 and seq = ?2 and lease_owner = ?3 and status = 'running'",
        )
        .bind(run_id.hyphenated())
        .bind(seq)
        .bind(owner)
        .bind(&outcome.error_code)
        .bind(&outcome.error_detail)
        .bind(encode_time(retry_at))
        .bind(encode_time(crate::store::now()))
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn finish_idle_runs(&self, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "update sync_run set finished_at = ?1 where finished_at is null and not exists \
             (select 1 from sync_item where sync_item.run_id = sync_run.run_id and status in ('pending', 'running'))",
        )
        .bind(encode_time(at))
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected())
    }

    async fn prune_runs(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("delete from sync_run where finished_at < ?1")
            .bind(encode_time(before))
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
            "update sync_item set status = ?4, user_id = coalesce(?5, user_id), error_code = ?6, error_detail = ?7, \
             lease_until = null, updated_at = ?8 \
             where run_id = ?1 and seq = ?2 and lease_owner = ?3 and status = 'running'",
        )
        .bind(run_id.hyphenated())
        .bind(seq)
        .bind(owner)
        .bind(outcome.status)
        .bind(&outcome.user_id)
        .bind(&outcome.error_code)
        .bind(&outcome.error_detail)
        .bind(encode_time(at))
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
            "update sync_run set finished_at = ?2 where run_id = ?1 and finished_at is null and not exists \
             (select 1 from sync_item where run_id = ?1 and status in ('pending', 'running'))",
        )
        .bind(run_id.hyphenated())
        .bind(encode_time(at))
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }
}
