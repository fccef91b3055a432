//! Connections. Names sort bytewise on both backends: SQLite compares text
//! bytewise, and Postgres' `name` column has the `"C"` collation.

use async_trait::async_trait;
use sqlx::{Row, types::Json};
use uuid::Uuid;

use super::{DbRow, DbStore, constraint_from_message, get_id, get_time, id, time};
use crate::{
    domain::ConnectionKey,
    store::{ConnectionRow, ConnectionStore, KeyUsage, StoreError, conflict_or},
};

/// The columns of `connection`, in the order every `select` uses.
macro_rules! connection_columns {
    () => {
        "connection_id, name, provider, instance_url, settings, credential_type, credential_sealed, \
         credential_key_id, credential_hint, revision, created_at, updated_at, app_profile, \
         profile_overrides"
    };
}

fn connection_from_row(row: &DbRow) -> Result<ConnectionRow, sqlx::Error> {
    Ok(ConnectionRow {
        connection_id: get_id(row, "connection_id")?,
        name: row.try_get("name")?,
        provider: row.try_get("provider")?,
        instance_url: row.try_get("instance_url")?,
        settings: row.try_get::<Json<serde_json::Value>, _>("settings")?.0,
        credential_type: row.try_get("credential_type")?,
        credential_sealed: row.try_get("credential_sealed")?,
        credential_key_id: row.try_get("credential_key_id")?,
        credential_hint: row.try_get("credential_hint")?,
        revision: row.try_get("revision")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        app_profile: row.try_get::<Json<serde_json::Value>, _>("app_profile")?.0,
        profile_overrides: row
            .try_get::<Json<serde_json::Value>, _>("profile_overrides")?
            .0,
    })
}

fn connections_from_rows(rows: &[DbRow]) -> Result<Vec<ConnectionRow>, StoreError> {
    Ok(rows
        .iter()
        .map(connection_from_row)
        .collect::<Result<_, _>>()?)
}

#[async_trait]
impl ConnectionStore for DbStore {
    async fn insert_connection(&self, row: &ConnectionRow) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "insert into connection (",
            connection_columns!(),
            ") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ))
        .bind(id(row.connection_id))
        .bind(&row.name)
        .bind(&row.provider)
        .bind(&row.instance_url)
        .bind(Json(&row.settings))
        .bind(&row.credential_type)
        .bind(&row.credential_sealed)
        .bind(&row.credential_key_id)
        .bind(&row.credential_hint)
        .bind(row.revision)
        .bind(time(row.created_at))
        .bind(time(row.updated_at))
        .bind(Json(&row.app_profile))
        .bind(Json(&row.profile_overrides))
        .execute(self.pool())
        .await
        .map_err(|e| conflict_or(e, constraint_from_message))?;
        Ok(())
    }

    async fn connection_revision(&self, connection_id: Uuid) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("select revision from connection where connection_id = $1")
                .bind(id(connection_id))
                .fetch_optional(self.pool())
                .await?,
        )
    }

    async fn get_connection(
        &self,
        key: &ConnectionKey,
    ) -> Result<Option<ConnectionRow>, StoreError> {
        let query = match key {
            ConnectionKey::Id(connection_id) => sqlx::query(concat!(
                "select ",
                connection_columns!(),
                " from connection where connection_id = $1"
            ))
            .bind(id(*connection_id)),
            ConnectionKey::Name(name) => sqlx::query(concat!(
                "select ",
                connection_columns!(),
                " from connection where name = $1"
            ))
            .bind(name.as_str().to_owned()),
        };
        let row = query.fetch_optional(self.pool()).await?;
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
            " from connection where ($1 is null or name > $1) order by name limit $2"
        ))
        .bind(after_name)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        connections_from_rows(&rows)
    }

    async fn update_connection(
        &self,
        row: &ConnectionRow,
        expected_revision: i64,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "update connection set name = $2, instance_url = $3, settings = $4, credential_type = $5, \
             credential_sealed = $6, credential_key_id = $7, credential_hint = $8, revision = $9, updated_at = $10, \
             profile_overrides = $12 where connection_id = $1 and revision = $11",
        )
        .bind(id(row.connection_id))
        .bind(&row.name)
        .bind(&row.instance_url)
        .bind(Json(&row.settings))
        .bind(&row.credential_type)
        .bind(&row.credential_sealed)
        .bind(&row.credential_key_id)
        .bind(&row.credential_hint)
        .bind(row.revision)
        .bind(time(row.updated_at))
        .bind(expected_revision)
        .bind(Json(&row.profile_overrides))
        .execute(self.pool())
        .await
        .map_err(|e| conflict_or(e, constraint_from_message))?;
        let updated = result.rows_affected() == 1;
        if updated {
            self.connection_written(row.connection_id);
        }
        Ok(updated)
    }

    async fn save_app_profile(
        &self,
        connection_id: Uuid,
        profile: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query("update connection set app_profile = $2 where connection_id = $1")
            .bind(id(connection_id))
            .bind(Json(profile))
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn delete_connection(&self, connection_id: Uuid) -> Result<bool, StoreError> {
        let result = sqlx::query("delete from connection where connection_id = $1")
            .bind(id(connection_id))
            .execute(self.pool())
            .await?;
        let deleted = result.rows_affected() == 1;
        if deleted {
            self.connection_written(connection_id);
        }
        Ok(deleted)
    }

    async fn credential_key_usage(&self) -> Result<Vec<KeyUsage>, StoreError> {
        let rows = sqlx::query(
            "select credential_key_id, count(*) as n from connection group by credential_key_id order by 1",
        )
        .fetch_all(self.pool())
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

    async fn connections_sealed_with(
        &self,
        key_id: &str,
        limit: u32,
    ) -> Result<Vec<ConnectionRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "select ",
            connection_columns!(),
            " from connection where credential_key_id = $1 order by connection_id limit $2"
        ))
        .bind(key_id)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        connections_from_rows(&rows)
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
            " from connection where credential_key_id <> $1 and ($2 is null or connection_id > $2) \
             order by connection_id limit $3"
        ))
        .bind(key_id)
        .bind(after.map(id))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        connections_from_rows(&rows)
    }
}
