//! API keys on Postgres.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Row, postgres::PgRow};

use super::{PostgresStore, connections::constraint_from_message};
use crate::store::{ApiKeyRow, ApiKeyStore, StoreError, conflict_or};

fn api_key_from_row(row: &PgRow) -> Result<ApiKeyRow, sqlx::Error> {
    Ok(ApiKeyRow {
        api_key_id: row.try_get("api_key_id")?,
        name: row.try_get("name")?,
        key_hash: row.try_get("key_hash")?,
        scope: row.try_get("scope")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

#[async_trait]
impl ApiKeyStore for PostgresStore {
    async fn insert_api_key(&self, row: &ApiKeyRow) -> Result<(), StoreError> {
        sqlx::query(
            "insert into api_key (api_key_id, name, key_hash, scope, created_at, revoked_at) values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&row.api_key_id)
        .bind(&row.name)
        .bind(&row.key_hash)
        .bind(&row.scope)
        .bind(row.created_at)
        .bind(row.revoked_at)
        .execute(self.pool())
        .await
        .map_err(|e| conflict_or(e, constraint_from_message))?;
        Ok(())
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRow>, StoreError> {
        let row = sqlx::query(
            "select api_key_id, name, key_hash, scope, created_at, revoked_at from api_key \
             where key_hash = $1 and revoked_at is null",
        )
        .bind(key_hash)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(api_key_from_row).transpose()?)
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError> {
        let rows = sqlx::query(
            "select api_key_id, name, key_hash, scope, created_at, revoked_at from api_key order by created_at, api_key_id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(api_key_from_row)
            .collect::<Result<_, _>>()?)
    }

    async fn revoke_api_key(
        &self,
        id_or_name: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // By id first; a name is only tried when no key has that id.
        for column in ["api_key_id", "name"] {
            let result = sqlx::query(sqlx::AssertSqlSafe(format!(
                "update api_key set revoked_at = $2 where {column} = $1 and revoked_at is null"
            )))
            .bind(id_or_name)
            .bind(at)
            .execute(self.pool())
            .await?;
            if result.rows_affected() > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
