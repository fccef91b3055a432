//! The rows the store reads and writes, in storage terms.

use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A connection as stored. The sealed credential is opaque here.
#[derive(Clone, PartialEq)]
pub struct ConnectionRow {
    pub connection_id: Uuid,
    pub name: String,
    pub provider: String,
    pub instance_url: String,
    pub settings: serde_json::Value,
    pub credential_type: String,
    pub credential_sealed: Vec<u8>,
    pub credential_key_id: String,
    pub credential_hint: Option<String>,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl fmt::Debug for ConnectionRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionRow")
            .field("connection_id", &self.connection_id)
            .field("name", &self.name)
            .field("provider", &self.provider)
            .field("credential_key_id", &self.credential_key_id)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// Number of connections sealed with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUsage {
    pub key_id: String,
    pub connections: i64,
}

/// One provisioning call made to an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRow {
    pub operation_id: Uuid,
    pub connection_id: Uuid,
    pub connection_name: String,
    pub operation: String,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub outcome: String,
    pub provider_status: Option<i32>,
    pub error_code: Option<String>,
    pub attempts: i32,
    pub duration_ms: i64,
    pub request_id: Option<String>,
    pub api_key_id: Option<String>,
    pub run_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Which operations to list. Every field narrows; `before` is the keyset cursor.
#[derive(Debug, Clone, Default)]
pub struct OperationFilter {
    pub connection_id: Option<Uuid>,
    pub connection_name: Option<String>,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub outcome: Option<String>,
    pub run_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub before: Option<(DateTime<Utc>, Uuid)>,
}

/// A claim on an idempotency key.
#[derive(Debug, Clone)]
pub struct NewIdempotency {
    pub api_key_id: String,
    pub key: String,
    /// Unique to this claim; completing or releasing the key requires it.
    pub token: String,
    pub request_hash: String,
    pub now: DateTime<Utc>,
    /// Until when the claim holds while the request runs (a crashed request frees it then).
    pub locked_until: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A stored idempotency record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub request_hash: String,
    /// `in_progress` or `completed`.
    pub state: String,
    pub status: Option<i32>,
    pub response_headers: Option<String>,
    pub response_body: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// The key is ours: run the request, then complete or abandon it.
    /// `resumed` when an earlier attempt held it and failed or was cut off.
    Started { resumed: bool },
    /// Someone holds (or held) the key.
    Existing(IdempotencyRecord),
}

/// An API key managed in the database; the key itself is only a digest here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    pub api_key_id: String,
    pub name: String,
    pub key_hash: String,
    /// `read_write` or `read_only`.
    pub scope: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The connection pool's figures, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// An account provisio manages in one connection's app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedUserRow {
    pub connection_id: Uuid,
    pub provider_user_id: String,
    pub external_id: Option<String>,
    pub user_name: String,
    /// A digest of the state last applied by a sync, if any.
    pub applied_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored sync plan: the request it answered and the plan itself.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub plan_id: Uuid,
    pub connection_id: Uuid,
    pub input_hash: String,
    pub fingerprint: String,
    pub request: serde_json::Value,
    pub plan: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A sync run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub run_id: Uuid,
    pub connection_id: Uuid,
    pub plan_id: Option<Uuid>,
    pub totals: serde_json::Value,
    pub api_key_id: Option<String>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One change of a sync run, claimable by any instance.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRow {
    pub run_id: Uuid,
    pub seq: i32,
    pub action: String,
    pub external_id: Option<String>,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub payload: serde_json::Value,
    /// `pending`, `running`, `done` or `failed`.
    pub status: String,
    /// Claims so far (a claim after a crash makes 2).
    pub attempts: i32,
    pub error_code: Option<String>,
    pub error_detail: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Which of a run's items to read, in sequence order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFilter {
    /// Only items in this status.
    pub status: Option<&'static str>,
    /// Only items of this action.
    pub action: Option<&'static str>,
    /// Only items after this sequence number.
    pub after_seq: Option<i32>,
    /// At most this many (all when `None`).
    pub limit: Option<u32>,
}

/// How an item ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOutcome {
    pub status: &'static str,
    pub user_id: Option<String>,
    pub error_code: Option<String>,
    pub error_detail: Option<String>,
}
