//! The operation log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row};

use super::{Db, DbRow, DbStore, get_id, get_opt_id, get_time, id, time};
use crate::{
    domain::{OperationFilter, OperationRecord, Outcome},
    store::{OperationStore, StoreError, codec::Text},
};

macro_rules! operation_columns {
    () => {
        "operation_id, connection_id, connection_name, operation, user_id, user_name, outcome, \
         provider_status, error_code, attempts, duration_ms, request_id, api_key_id, run_id, created_at, \
         group_id, item_count"
    };
}

fn operation_from_row(row: &DbRow) -> Result<OperationRecord, StoreError> {
    Ok(OperationRecord {
        operation_id: get_id(row, "operation_id")?,
        connection_id: get_id(row, "connection_id")?,
        connection_name: row.try_get("connection_name")?,
        operation: row.try_get("operation")?,
        user_id: row.try_get("user_id")?,
        user_name: row.try_get("user_name")?,
        outcome: Outcome::from_text(row.try_get("outcome")?)?,
        provider_status: row.try_get("provider_status")?,
        error_code: row.try_get("error_code")?,
        attempts: row.try_get("attempts")?,
        duration_ms: row.try_get("duration_ms")?,
        request_id: row.try_get("request_id")?,
        api_key_id: row.try_get("api_key_id")?,
        run_id: get_opt_id(row, "run_id")?,
        created_at: get_time(row, "created_at")?,
        group_id: row.try_get("group_id")?,
        item_count: row.try_get("item_count")?,
    })
}

#[async_trait]
impl OperationStore for DbStore {
    async fn insert_operation(&self, r: &OperationRecord) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "insert into operation (",
            operation_columns!(),
            ") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        ))
        .bind(id(r.operation_id))
        .bind(id(r.connection_id))
        .bind(&r.connection_name)
        .bind(&r.operation)
        .bind(&r.user_id)
        .bind(&r.user_name)
        .bind(r.outcome.text())
        .bind(r.provider_status)
        .bind(&r.error_code)
        .bind(r.attempts)
        .bind(r.duration_ms)
        .bind(&r.request_id)
        .bind(&r.api_key_id)
        .bind(r.run_id.map(id))
        .bind(time(r.created_at))
        .bind(&r.group_id)
        .bind(r.item_count)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn list_operations(
        &self,
        f: &OperationFilter,
        limit: u32,
    ) -> Result<Vec<OperationRecord>, StoreError> {
        let mut q = QueryBuilder::<Db>::new(concat!(
            "select ",
            operation_columns!(),
            " from operation where true"
        ));
        if let Some(connection_id) = f.connection_id {
            q.push(" and connection_id = ").push_bind(id(connection_id));
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
        if let Some(outcome) = f.outcome {
            q.push(" and outcome = ").push_bind(outcome.text());
        }
        if let Some(group_id) = &f.group_id {
            q.push(" and group_id = ").push_bind(group_id.clone());
        }
        if let Some(run_id) = f.run_id {
            q.push(" and run_id = ").push_bind(id(run_id));
        }
        if let Some(from) = f.from {
            q.push(" and created_at >= ").push_bind(time(from));
        }
        if let Some(to) = f.to {
            q.push(" and created_at < ").push_bind(time(to));
        }
        if let Some((at, operation_id)) = f.before {
            q.push(" and (created_at, operation_id) < (")
                .push_bind(time(at))
                .push(", ")
                .push_bind(id(operation_id))
                .push(")");
        }
        q.push(" order by created_at desc, operation_id desc limit ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(operation_from_row).collect()
    }

    async fn prune_operations(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("delete from operation where created_at < $1")
            .bind(time(before))
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }
}
