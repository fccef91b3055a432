//! `Idempotency-Key` claims: who holds a key, and the response kept for it.
//! The HTTP middleware (`api::idempotency`) decides which requests take part
//! and what is answered; this keeps the records.

use std::time::Duration;

use uuid::Uuid;

use super::ServiceError;
use crate::store::{DynStore, IdempotencyBegin, IdempotencyState, NewIdempotency};

/// How long past its deadline a request that died keeps its key locked.
const LOCK_MARGIN: chrono::Duration = chrono::Duration::seconds(5);

#[derive(Clone)]
pub struct IdempotencyService {
    store: DynStore,
}

/// A request asking for a key.
#[derive(Debug, Clone, Copy)]
pub struct KeyRequest<'a> {
    /// Who asks (keys are per API key).
    pub api_key_id: &'a str,
    pub key: &'a str,
    /// What makes two requests the same.
    pub request_hash: &'a str,
    /// The request's deadline: a request that died frees its key after it.
    pub timeout: Duration,
    /// How long its response is kept.
    pub keep_for: Duration,
}

/// A key this request holds: complete or abandon it with this.
#[derive(Debug, Clone)]
pub struct HeldKey {
    api_key_id: String,
    key: String,
    /// Unique to this claim, so that only its holder can complete it.
    token: String,
}

/// A response kept for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: Option<i32>,
    /// The kept headers, as a JSON list of `[name, value]` pairs.
    pub headers: Option<String>,
    pub body: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub enum Claim {
    /// The key is ours: run the request, then complete or abandon it.
    /// `resumed` when an earlier attempt held it and failed or was cut off.
    Started { held: HeldKey, resumed: bool },
    /// This very request was answered: replay the answer.
    Replay(StoredResponse),
    /// The key was used with a different request.
    Reused,
    /// This very request is still running.
    InProgress,
}

impl IdempotencyService {
    pub fn new(store: DynStore) -> Self {
        Self { store }
    }

    /// Claims the key for a request, or says why not.
    pub async fn claim(&self, request: KeyRequest<'_>) -> Result<Claim, ServiceError> {
        let now = self.store.now();
        let span = |d| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
        let new = NewIdempotency {
            api_key_id: request.api_key_id.to_owned(),
            key: request.key.to_owned(),
            token: Uuid::new_v4().to_string(),
            request_hash: request.request_hash.to_owned(),
            now,
            locked_until: now + span(request.timeout) + LOCK_MARGIN,
            expires_at: now + span(request.keep_for),
        };
        Ok(match self.store.begin_idempotent(&new).await? {
            IdempotencyBegin::Existing(record) if record.request_hash != new.request_hash => {
                Claim::Reused
            }
            IdempotencyBegin::Existing(record) if record.state == IdempotencyState::Completed => {
                Claim::Replay(StoredResponse {
                    status: record.status,
                    headers: record.response_headers,
                    body: record.response_body,
                })
            }
            IdempotencyBegin::Existing(_) => Claim::InProgress,
            IdempotencyBegin::Started { resumed } => Claim::Started {
                held: HeldKey {
                    api_key_id: new.api_key_id,
                    key: new.key,
                    token: new.token,
                },
                resumed,
            },
        })
    }

    /// Keeps the response of a held key, for replays.
    pub async fn complete(
        &self,
        held: &HeldKey,
        status: u16,
        headers: &str,
        body: &[u8],
    ) -> Result<(), ServiceError> {
        let HeldKey {
            api_key_id,
            key,
            token,
        } = held;
        Ok(self
            .store
            .complete_idempotent(api_key_id, key, token, status, headers, body)
            .await?)
    }

    /// Releases a held key without a response: the next request with it runs.
    pub async fn abandon(&self, held: &HeldKey) -> Result<(), ServiceError> {
        Ok(self
            .store
            .abandon_idempotent(&held.api_key_id, &held.key, &held.token)
            .await?)
    }
}
