//! The operation log: every provisioning call made to an app, recorded with
//! who asked and what came of it; no secrets and no request bodies.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    ServiceError,
    deferred::{Deferred, DeferredWrites},
};
use crate::{
    domain::{Caller, Connection, ErrorCode, OperationFilter, OperationRecord, Outcome},
    metrics::Metrics,
    store::{self, DynStore, ManagedUserRow},
};

/// One call's record, before it is stored.
#[derive(Debug, Clone)]
pub struct OperationEntry<'a> {
    pub connection: &'a Connection,
    pub operation: &'static str,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub error: Option<ErrorCode>,
    pub provider_status: Option<u16>,
    pub attempts: u32,
    pub duration: Duration,
    pub caller: &'a Caller,
    pub run_id: Option<Uuid>,
    /// The group a group operation was about.
    pub group_id: Option<String>,
    /// How many members a membership change added or removed.
    pub count: Option<usize>,
}

/// The operation log, and the other records of what was done at an app.
/// The call already happened when they are written, so a write the database
/// refuses is not a failure of the call: it is kept and written again later.
#[derive(Clone)]
pub struct OperationService {
    store: DynStore,
    deferred: DeferredWrites,
}

impl OperationService {
    /// Starts the background writer of refused records (on the current runtime).
    pub fn new(store: DynStore, metrics: Option<Arc<Metrics>>) -> Self {
        let deferred = DeferredWrites::start(store.clone(), metrics);
        Self { store, deferred }
    }

    /// Links an account created at the app as managed by provisio.
    pub async fn link_managed(&self, row: ManagedUserRow) {
        self.deferred.write(&self.store, Deferred::Link(row)).await;
    }

    /// Unlinks an account deleted at the app.
    pub async fn unlink_managed(&self, connection_id: Uuid, provider_user_id: &str) {
        let record = Deferred::Unlink {
            connection_id,
            provider_user_id: provider_user_id.to_owned(),
        };
        self.deferred.write(&self.store, record).await;
    }

    /// Records an entry.
    pub async fn record(&self, entry: OperationEntry<'_>) {
        let record = OperationRecord {
            operation_id: Uuid::now_v7(),
            connection_id: entry.connection.id,
            connection_name: entry.connection.name.to_string(),
            operation: entry.operation.to_owned(),
            user_id: entry.user_id,
            user_name: entry.user_name,
            outcome: if entry.error.is_none() {
                Outcome::Success
            } else {
                Outcome::Failure
            },
            provider_status: entry.provider_status.map(i32::from),
            error_code: entry.error.map(|code| code.as_str().to_owned()),
            attempts: i32::try_from(entry.attempts).unwrap_or(i32::MAX),
            duration_ms: i64::try_from(entry.duration.as_millis()).unwrap_or(i64::MAX),
            request_id: entry.caller.request_id.clone(),
            api_key_id: entry.caller.api_key_id.clone(),
            run_id: entry.run_id,
            created_at: store::now(),
            group_id: entry.group_id,
            item_count: entry.count.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
        };
        let record = Deferred::Operation(record);
        self.deferred.write(&self.store, record).await;
    }

    pub async fn list(
        &self,
        filter: &OperationFilter,
        limit: u32,
    ) -> Result<Vec<OperationRecord>, ServiceError> {
        Ok(self.store.list_operations(filter, limit).await?)
    }

    /// Deletes entries older than `retention`.
    pub async fn prune(
        &self,
        retention: Duration,
        now: DateTime<Utc>,
    ) -> Result<u64, ServiceError> {
        let cutoff = now - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
        Ok(self.store.prune_operations(cutoff).await?)
    }
}
