//! The zero-setup store: an embedded SQLite file (WAL mode, secure delete).

use std::{str::FromStr, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{
    Row, SqlitePool,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
    },
    types::Json,
};
use uuid::{Uuid, fmt::Hyphenated};

use super::{ConnectionRow, KeyUsage, Store, StoreError, StoreOptions, conflict_or};
use crate::domain::ConnectionKey;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The columns of `connection`, in the order every `select` uses.
macro_rules! connection_columns {
    () => {
        "connection_id, name, provider, instance_url, settings, credential_type, credential_sealed, \
         credential_key_id, credential_hint, revision, created_at, updated_at"
    };
}

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Deleted credentials are overwritten on disk, not left in free pages.
            .pragma("secure_delete", "on");
        if let Some(dir) = connect
            .get_filename()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Database(sqlx::Error::Configuration(
                    format!(
                        "cannot create the database directory {}: {e}",
                        dir.display()
                    )
                    .into(),
                ))
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Fixed-width RFC 3339 in UTC, so text order is time order.
pub(crate) fn encode_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub(crate) fn decode_time(text: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| sqlx::Error::Decode(format!("bad timestamp `{text}`: {e}").into()))
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
fn constraint_from_message(message: &str) -> Option<String> {
    let columns = message.strip_prefix("UNIQUE constraint failed: ")?;
    Some(match columns {
        "connection.name" => "connection_name_key".to_owned(),
        other => other.to_owned(),
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

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
