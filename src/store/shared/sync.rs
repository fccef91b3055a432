//! Sync rules, managed accounts and plans.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use sqlx::{Row, types::Json};
use uuid::Uuid;

use super::{DbRow, DbStore, get_id, get_time, id, time};
use crate::{
    domain::{ManagedAccount, People, PeopleReader},
    store::{ManagedUserRow, PlanRow, StoreError, SyncStore},
};

/// People per `sync_plan_people` row: a few hundred kilobytes each.
const PEOPLE_PER_ROW: usize = 1000;

fn plan_from_row(row: &DbRow) -> Result<PlanRow, sqlx::Error> {
    Ok(PlanRow {
        plan_id: get_id(row, "plan_id")?,
        connection_id: get_id(row, "connection_id")?,
        input_hash: row.try_get("input_hash")?,
        fingerprint: row.try_get("fingerprint")?,
        request: row.try_get::<Json<Box<RawValue>>, _>("request")?.0,
        created_at: get_time(row, "created_at")?,
        expires_at: get_time(row, "expires_at")?,
    })
}

#[async_trait]
impl SyncStore for DbStore {
    async fn get_rules(
        &self,
        connection_id: Uuid,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let row = sqlx::query("select rules from connection_rules where connection_id = $1")
            .bind(id(connection_id))
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
        .bind(id(connection_id))
        .bind(Json(rules))
        .bind(time(at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn managed_users(&self, connection_id: Uuid) -> Result<Vec<ManagedAccount>, StoreError> {
        // A page at a time: a whole workforce of rows as the driver holds
        // them takes several times the room of the links they become.
        const PAGE: i64 = 1000;
        let mut managed: Vec<ManagedAccount> = Vec::new();
        loop {
            let after = managed
                .last()
                .map(|m| m.user_id.clone())
                .unwrap_or_default();
            let rows = sqlx::query(
                "select provider_user_id, external_id from managed_user \
                 where connection_id = $1 and provider_user_id > $2 \
                 order by provider_user_id limit $3",
            )
            .bind(id(connection_id))
            .bind(after)
            .bind(PAGE)
            .fetch_all(self.pool())
            .await?;
            for row in &rows {
                managed.push(ManagedAccount {
                    user_id: row.try_get("provider_user_id")?,
                    external_id: row.try_get("external_id")?,
                });
            }
            if rows.len() < PAGE as usize {
                managed.shrink_to_fit();
                return Ok(managed);
            }
        }
    }

    async fn managed_user_named(
        &self,
        connection_id: Uuid,
        user_name: &str,
    ) -> Result<Option<ManagedAccount>, StoreError> {
        self.managed_user_where(
            "select provider_user_id, external_id from managed_user \
             where connection_id = $1 and lower(user_name) = lower($2) limit 1",
            connection_id,
            user_name,
        )
        .await
    }

    async fn managed_user_keyed(
        &self,
        connection_id: Uuid,
        external_id: &str,
    ) -> Result<Option<ManagedAccount>, StoreError> {
        self.managed_user_where(
            "select provider_user_id, external_id from managed_user \
             where connection_id = $1 and external_id = $2 limit 1",
            connection_id,
            external_id,
        )
        .await
    }

    async fn forget_managed_user(
        &self,
        connection_id: Uuid,
        provider_user_id: &str,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "delete from managed_user where connection_id = $1 and provider_user_id = $2",
        )
        .bind(id(connection_id))
        .bind(provider_user_id)
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn upsert_managed_users(&self, rows: &[ManagedUserRow]) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for row in rows {
            if let Some(external_id) = &row.external_id {
                sqlx::query("delete from managed_user where connection_id = $1 and external_id = $2 and provider_user_id <> $3")
                    .bind(id(row.connection_id))
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
            .bind(id(row.connection_id))
            .bind(&row.provider_user_id)
            .bind(&row.external_id)
            .bind(&row.user_name)
            .bind(&row.applied_hash)
            .bind(time(row.created_at))
            .bind(time(row.updated_at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn insert_plan(
        &self,
        row: &PlanRow,
        summary: &RawValue,
        people: &People,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "insert into sync_plan (plan_id, connection_id, input_hash, fingerprint, request, plan, created_at, expires_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id(row.plan_id))
        .bind(id(row.connection_id))
        .bind(&row.input_hash)
        .bind(&row.fingerprint)
        .bind(Json(&row.request))
        .bind(Json(summary))
        .bind(time(row.created_at))
        .bind(time(row.expires_at))
        .execute(&mut *tx)
        .await?;
        for (seq, chunk) in (0i32..).zip(people.chunks(PEOPLE_PER_ROW)) {
            sqlx::query("insert into sync_plan_people (plan_id, seq, people) values ($1, $2, $3)")
                .bind(id(row.plan_id))
                .bind(seq)
                .bind(chunk)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn plan_people(&self, plan_id: Uuid) -> Result<Option<People>, StoreError> {
        let mut reader = PeopleReader::default();
        let mut chunks = 0;
        // Chunk by chunk: the whole request is never held as text.
        loop {
            let row =
                sqlx::query("select people from sync_plan_people where plan_id = $1 and seq = $2")
                    .bind(id(plan_id))
                    .bind(chunks)
                    .fetch_optional(self.pool())
                    .await?;
            let Some(row) = row else { break };
            let chunk: String = row.try_get("people")?;
            reader.read_chunk(&chunk).map_err(|e| {
                StoreError::Corrupt(format!("the people of plan {plan_id} do not parse: {e}"))
            })?;
            chunks += 1;
        }
        Ok((chunks > 0).then(|| reader.finish()))
    }

    async fn get_plan(&self, plan_id: Uuid) -> Result<Option<PlanRow>, StoreError> {
        let row = sqlx::query(
            "select plan_id, connection_id, input_hash, fingerprint, request, created_at, expires_at \
             from sync_plan where plan_id = $1",
        )
        .bind(id(plan_id))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(plan_from_row).transpose()?)
    }

    async fn prune_plans(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("delete from sync_plan where expires_at <= $1")
            .bind(time(now))
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }
}

impl DbStore {
    /// The one managed account `sql` selects by connection and `value`.
    async fn managed_user_where(
        &self,
        sql: &'static str,
        connection_id: Uuid,
        value: &str,
    ) -> Result<Option<ManagedAccount>, StoreError> {
        let row = sqlx::query(sql)
            .bind(id(connection_id))
            .bind(value)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| {
            Ok(ManagedAccount {
                user_id: r.try_get("provider_user_id")?,
                external_id: r.try_get("external_id")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }
}
