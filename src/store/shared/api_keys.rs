//! API keys.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{DbRow, DbStore, constraint_from_message, get_opt_time, get_time, time};
use crate::{
    domain::Scope,
    store::{ApiKeyRow, ApiKeyStore, StoreError, codec::Text, conflict_or},
};

const API_KEY_COLUMNS: &str = "api_key_id, name, key_hash, scope, created_at, revoked_at";

fn api_key_from_row(row: &DbRow) -> Result<ApiKeyRow, StoreError> {
    Ok(ApiKeyRow {
        api_key_id: row.try_get("api_key_id")?,
        name: row.try_get("name")?,
        key_hash: row.try_get("key_hash")?,
        scope: Scope::from_text(row.try_get("scope")?)?,
        created_at: get_time(row, "created_at")?,
        revoked_at: get_opt_time(row, "revoked_at")?,
    })
}

#[async_trait]
impl ApiKeyStore for DbStore {
    async fn insert_api_key(&self, row: &ApiKeyRow) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "insert into api_key ({API_KEY_COLUMNS}) values ($1, $2, $3, $4, $5, $6)"
        )))
        .bind(&row.api_key_id)
        .bind(&row.name)
        .bind(&row.key_hash)
        .bind(row.scope.text())
        .bind(time(row.created_at))
        .bind(row.revoked_at.map(time))
        .execute(self.pool())
        .await
        .map_err(|e| conflict_or(e, constraint_from_message))?;
        Ok(())
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {API_KEY_COLUMNS} from api_key where key_hash = $1 and revoked_at is null"
        )))
        .bind(key_hash)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(api_key_from_row).transpose()
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {API_KEY_COLUMNS} from api_key order by created_at, api_key_id"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(api_key_from_row).collect()
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
            .bind(time(at))
            .execute(self.pool())
            .await?;
            if result.rows_affected() > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
