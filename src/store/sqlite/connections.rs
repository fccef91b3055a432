//! Connections on SQLite.

use async_trait::async_trait;
use sqlx::{Row, sqlite::SqliteRow, types::Json};
use uuid::{Uuid, fmt::Hyphenated};

use super::{SqliteStore, decode_time, encode_time};
use crate::domain::ConnectionKey;
use crate::store::{ConnectionRow, ConnectionStore, KeyUsage, StoreError, conflict_or};

/// The columns of `connection`, in the order every `select` uses.
macro_rules! connection_columns {
    () => {
        "connection_id, name, provider, instance_url, settings, credential_type, credential_sealed, \
         credential_key_id, credential_hint, revision, created_at, updated_at"
    };
}

fn connection_from_row(row: &SqliteRow) -> Result<ConnectionRow, sqlx::Error> {
    Ok(ConnectionRow {
        connection_id: row.try_get::<Hyphenated, _>("connection_id")?.into_uuid(),
        name: row.try_get("name")?,
        provider: row.try_get("provider")?,
        instance_url: row.try_get("instance_url")?,
        settings: row.try_get::<Json<serde_json::Value>, _>("settings")?.0,
        credential_type: row.try_get("credential_type")?,
        credential_sealed: row.try_get("credential_sealed")?,
        credential_key_id: row.try_get("credential_key_id")?,
        credential_hint: row.try_get("credential_hint")?,
        revision: row.try_get("revision")?,
        created_at: decode_time(row.try_get("created_at")?)?,
        updated_at: decode_time(row.try_get("updated_at")?)?,
    })
}

/// SQLite reports `UNIQUE constraint failed: connection.name`; map the columns
/// back to the constraint name the migrations declare.
pub(super) fn constraint_from_message(message: &str) -> Option<String> {
    let columns = message.strip_prefix("UNIQUE constraint failed: ")?;
    Some(
        match columns {
            "connection.name" => "connection_name_key",
            "api_key.name" => "api_key_name_key",
            "api_key.key_hash" => "api_key_hash_key",
            "sync_run.plan_id" => "sync_run_plan_id_key",
            "sync_run.connection_id" => "sync_run_open_key",
            "idempotency_key.api_key_id, idempotency_key.idempotency_key" => "idempotency_key_pkey",
            other => other,
        }
        .to_owned(),
    )
}

#[async_trait]
impl ConnectionStore for SqliteStore {
    async fn insert_connection(&self, row: &ConnectionRow) -> Result<(), StoreError> {
        sqlx::query(
            "insert into connection (connection_id, name, provider, instance_url, settings, \
             credential_type, credential_sealed, credential_key_id, credential_hint, revision, created_at, updated_at) \
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(row.connection_id.hyphenated())
        .bind(&row.name)
        .bind(&row.provider)
        .bind(&row.instance_url)
        .bind(Json(&row.settings))
        .bind(&row.credential_type)
        .bind(&row.credential_sealed)
        .bind(&row.credential_key_id)
        .bind(&row.credential_hint)
        .bind(row.revision)
        .bind(encode_time(row.created_at))
        .bind(encode_time(row.updated_at))
        .execute(&self.pool)
        .await
        .map_err(|e| conflict_or(e, constraint_from_message))?;
        Ok(())
    }

    async fn get_connection(
        &self,
        key: &ConnectionKey,
    ) -> Result<Option<ConnectionRow>, StoreError> {
        let query = match key {
            ConnectionKey::Id(id) => sqlx::query(concat!(
                "select ",
                connection_columns!(),
                " from connection where connection_id = ?"
            ))
            .bind(id.hyphenated()),
            ConnectionKey::Name(name) => sqlx::query(concat!(
                "select ",
                connection_columns!(),
                " from connection where name = ?"
            ))
            .bind(name.as_str().to_owned()),
        };
        let row = query.fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(connection_from_row).transpose()?)
    }

    async fn list_connections(
        &self,
        after_name: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ConnectionRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "select ",
            connection_columns!(),
            " from connection where (?1 is null or name > ?1) order by name limit ?2"
        ))
        .bind(after_name)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(connection_from_row)
            .collect::<Result<_, _>>()?)
    }

    async fn update_connection(
        &self,
        row: &ConnectionRow,
        expected_revision: i64,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "update connection set name = ?2, instance_url = ?3, settings = ?4, credential_type = ?5, \
             credential_sealed = ?6, credential_key_id = ?7, credential_hint = ?8, revision = ?9, updated_at = ?10 \
             where connection_id = ?1 and revision = ?11",
        )
        .bind(row.connection_id.hyphenated())
        .bind(&row.name)
        .bind(&row.instance_url)
        .bind(Json(&row.settings))
        .bind(&row.credential_type)
        .bind(&row.credential_sealed)
        .bind(&row.credential_key_id)
        .bind(&row.credential_hint)
        .bind(row.revision)
        .bind(encode_time(row.updated_at))
        .bind(expected_revision)
        .execute(&self.pool)
        .await
        .map_err(|e| conflict_or(e, constraint_from_message))?;
        Ok(result.rows_affected() == 1)
    }

    async fn delete_connection(&self, connection_id: Uuid) -> Result<bool, StoreError> {
        let result = sqlx::query("delete from connection where connection_id = ?")
            .bind(connection_id.hyphenated())
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn credential_key_usage(&self) -> Result<Vec<KeyUsage>, StoreError> {
        let rows = sqlx::query(
            "select credential_key_id, count(*) as n from connection group by credential_key_id order by 1",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(KeyUsage {
                    key_id: r.try_get("credential_key_id")?,
                    connections: r.try_get("n")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    async fn connections_not_sealed_with(
        &self,
        key_id: &str,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<ConnectionRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "select ",
            connection_columns!(),
            " from connection where credential_key_id <> ?1 and (?2 is null or connection_id > ?2) \
             order by connection_id limit ?3"
        ))
        .bind(key_id)
        .bind(after.map(|id| id.hyphenated()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(connection_from_row)
            .collect::<Result<_, _>>()?)
    }
}
