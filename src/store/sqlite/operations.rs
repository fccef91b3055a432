//! The operation log on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite, sqlite::SqliteRow};
use uuid::fmt::Hyphenated;

use super::{SqliteStore, decode_time, encode_time};
use crate::store::{OperationFilter, OperationRow, OperationStore, StoreError};

macro_rules! operation_columns {
    () => {
        "operation_id, connection_id, connection_name, operation, user_id, user_name, outcome, \
         provider_status, error_code, attempts, duration_ms, request_id, api_key_id, run_id, created_at"
    };
}

fn operation_from_row(row: &SqliteRow) -> Result<OperationRow, sqlx::Error> {
    Ok(OperationRow {
        operation_id: row.try_get::<Hyphenated, _>("operation_id")?.into_uuid(),
        connection_id: row.try_get::<Hyphenated, _>("connection_id")?.into_uuid(),
        connection_name: row.try_get("connection_name")?,
        operation: row.try_get("operation")?,
        user_id: row.try_get("user_id")?,
        user_name: row.try_get("user_name")?,
        outcome: row.try_get("outcome")?,
        provider_status: row.try_get("provider_status")?,
        error_code: row.try_get("error_code")?,
        attempts: row.try_get("attempts")?,
        duration_ms: row.try_get("duration_ms")?,
        request_id: row.try_get("request_id")?,
        api_key_id: row.try_get("api_key_id")?,
        run_id: row
            .try_get::<Option<Hyphenated>, _>("run_id")?
            .map(Hyphenated::into_uuid),
        created_at: decode_time(row.try_get("created_at")?)?,
    })
}

#[async_trait]
impl OperationStore for SqliteStore {
    async fn insert_operation(&self, r: &OperationRow) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "insert into operation (",
            operation_columns!(),
            ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(r.operation_id.hyphenated())
        .bind(r.connection_id.hyphenated())
        .bind(&r.connection_name)
        .bind(&r.operation)
        .bind(&r.user_id)
        .bind(&r.user_name)
        .bind(&r.outcome)
        .bind(r.provider_status)
        .bind(&r.error_code)
        .bind(r.attempts)
        .bind(r.duration_ms)
        .bind(&r.request_id)
        .bind(&r.api_key_id)
        .bind(r.run_id.map(|id| id.hyphenated()))
        .bind(encode_time(r.created_at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn list_operations(
        &self,
        f: &OperationFilter,
        limit: u32,
    ) -> Result<Vec<OperationRow>, StoreError> {
        let mut q = QueryBuilder::<Sqlite>::new(concat!(
            "select ",
            operation_columns!(),
            " from operation where 1"
        ));
        if let Some(id) = f.connection_id {
            q.push(" and connection_id = ").push_bind(id.hyphenated());
        }
        if let Some(name) = &f.connection_name {
            q.push(" and connection_name = ").push_bind(name.clone());
        }
        if let Some(user_id) = &f.user_id {
            q.push(" and user_id = ").push_bind(user_id.clone());
        }
        if let Some(user_name) = &f.user_name {
            q.push(" and lower(user_name) = lower(")
                .push_bind(user_name.clone())
                .push(")");
        }
        if let Some(outcome) = &f.outcome {
            q.push(" and outcome = ").push_bind(outcome.clone());
        }
        if let Some(run_id) = f.run_id {
            q.push(" and run_id = ").push_bind(run_id.hyphenated());
        }
        if let Some(from) = f.from {
            q.push(" and created_at >= ").push_bind(encode_time(from));
        }
        if let Some(to) = f.to {
            q.push(" and created_at < ").push_bind(encode_time(to));
        }
        if let Some((at, id)) = f.before {
            let at = encode_time(at);
            q.push(" and (created_at < ").push_bind(at.clone());
            q.push(" or (created_at = ")
                .push_bind(at)
                .push(" and operation_id < ")
                .push_bind(id.hyphenated())
                .push("))");
        }
        q.push(" order by created_at desc, operation_id desc limit ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(self.pool()).await?;
        Ok(rows
            .iter()
            .map(operation_from_row)
            .collect::<Result<_, _>>()?)
    }

    async fn prune_operations(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("delete from operation where created_at < ?")
            .bind(encode_time(before))
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }
}
