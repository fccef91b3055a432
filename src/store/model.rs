//! The rows the store reads and writes in storage terms, which only services
//! see. Records shown as they are stored (runs, items, the operation log) are
//! domain types instead.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::domain::{ItemStatus, Scope};

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
    /// What was learned about the app (`{"learned": {…}, "probed_at": …}`).
    pub app_profile: serde_json::Value,
    /// What an operator set by hand over it.
    pub profile_overrides: serde_json::Value,
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
    pub state: IdempotencyState,
    pub status: Option<i32>,
    pub response_headers: Option<String>,
    pub response_body: Option<Vec<u8>>,
}

/// Where a claimed key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdempotencyState {
    /// A request holds it (or held it until its lock expires).
    InProgress,
    /// Its response is stored.
    Completed,
    /// Its request gave up without a response; the next one runs again.
    Failed,
}

impl IdempotencyState {
    pub const ALL: [IdempotencyState; 3] = [
        IdempotencyState::InProgress,
        IdempotencyState::Completed,
        IdempotencyState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IdempotencyState::InProgress => "in_progress",
            IdempotencyState::Completed => "completed",
            IdempotencyState::Failed => "failed",
        }
    }
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
    pub scope: Scope,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
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

/// A stored sync plan: what applying needs to work it out again and see that
/// nothing changed (the request, its digest, the plan's fingerprint). The
/// request is JSON text: for 100,000 people it is tens of megabytes as text,
/// several times that as a `serde_json::Value` tree.
#[derive(Debug, Clone)]
pub struct PlanRow {
    pub plan_id: Uuid,
    pub connection_id: Uuid,
    pub input_hash: String,
    pub fingerprint: String,
    pub request: Box<RawValue>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// How an item ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOutcome {
    pub status: ItemStatus,
    pub user_id: Option<String>,
    pub error_code: Option<String>,
    pub error_detail: Option<String>,
}

/// A claimed item this version cannot read (a newer version's action, or a row
/// edited by hand): the worker fails it rather than every claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableItem {
    pub run_id: Uuid,
    pub seq: i32,
    pub problem: String,
}
