//! Idempotency keys.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Db, DbStore, time};
use crate::store::{
    IdempotencyBegin, IdempotencyRecord, IdempotencyState, IdempotencyStore, NewIdempotency,
    StoreError, codec::Text,
};

const INSERT: &str = "insert into idempotency_key (api_key_id, idempotency_key, request_hash, state, \
     locked_until, created_at, expires_at, claim_token) values ($1, $2, $3, 'in_progress', $4, $5, $6, $7) \
     on conflict (api_key_id, idempotency_key) do nothing";

/// Takes over a key that expired, or that a request which died without finishing held.
const TAKE_OVER: &str = "update idempotency_key set request_hash = $3, state = 'in_progress', status = null, \
     response_headers = null, response_body = null, locked_until = $4, created_at = $5, expires_at = $6, \
     claim_token = $7 where api_key_id = $1 and idempotency_key = $2 \
     and (expires_at <= $5 or state = 'failed' or (state = 'in_progress' and locked_until <= $5))";

type Query<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>;

/// Binds a claim as `$1` to `$7`: the key, the request, its lock and expiry, the token.
fn claim<'q>(query: Query<'q>, new: &NewIdempotency) -> Query<'q> {
    query
        .bind(&new.api_key_id)
        .bind(&new.key)
        .bind(&new.request_hash)
        .bind(time(new.locked_until))
        .bind(time(new.now))
        .bind(time(new.expires_at))
        .bind(&new.token)
}

/// A claim can race a pruning or a concurrent claim; this many rounds settle it.
const CLAIM_ROUNDS: usize = 3;

#[async_trait]
impl IdempotencyStore for DbStore {
    async fn begin_idempotent(&self, new: &NewIdempotency) -> Result<IdempotencyBegin, StoreError> {
        for _ in 0..CLAIM_ROUNDS {
            let inserted = claim(sqlx::query(INSERT), new).execute(self.pool()).await?;
            if inserted.rows_affected() == 1 {
                return Ok(IdempotencyBegin::Started { resumed: false });
            }
            let taken = claim(sqlx::query(TAKE_OVER), new)
                .execute(self.pool())
                .await?;
            if taken.rows_affected() == 1 {
                return Ok(IdempotencyBegin::Started { resumed: true });
            }
            let row = sqlx::query(
                "select request_hash, state, status, response_headers, response_body from idempotency_key \
                 where api_key_id = $1 and idempotency_key = $2",
            )
            .bind(&new.api_key_id)
            .bind(&new.key)
            .fetch_optional(self.pool())
            .await?;
            if let Some(row) = row {
                return Ok(IdempotencyBegin::Existing(IdempotencyRecord {
                    request_hash: row.try_get("request_hash")?,
                    state: IdempotencyState::from_text(row.try_get("state")?)?,
                    status: row.try_get("status")?,
                    response_headers: row.try_get("response_headers")?,
                    response_body: row.try_get("response_body")?,
                }));
            }
        }
        Err(StoreError::Corrupt(
            "an idempotency key kept changing while being claimed".into(),
        ))
    }

    async fn complete_idempotent(
        &self,
        api_key_id: &str,
        key: &str,
        token: &str,
        status: u16,
        headers: &str,
        body: &[u8],
    ) -> Result<(), StoreError> {
        sqlx::query(
            "update idempotency_key set state = 'completed', status = $4, response_headers = $5, response_body = $6 \
             where api_key_id = $1 and idempotency_key = $2 and claim_token = $3",
        )
        .bind(api_key_id)
        .bind(key)
        .bind(token)
        .bind(i32::from(status))
        .bind(headers)
        .bind(body)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn abandon_idempotent(
        &self,
        api_key_id: &str,
        key: &str,
        token: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "update idempotency_key set state = 'failed' \
             where api_key_id = $1 and idempotency_key = $2 and claim_token = $3 and state = 'in_progress'",
        )
        .bind(api_key_id)
        .bind(key)
        .bind(token)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn prune_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("delete from idempotency_key where expires_at <= $1")
            .bind(time(now))
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }
}
