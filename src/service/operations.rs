//! The operation log: every provisioning call made to an app, recorded with
//! who asked and what came of it; no secrets and no request bodies.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ServiceError;
use crate::{
    domain::{Caller, Connection, ErrorCode, OperationFilter, OperationRecord, Outcome},
    metrics::Metrics,
    store::{self, DynStore},
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

#[derive(Clone)]
pub struct OperationService {
    store: DynStore,
    metrics: Option<Arc<Metrics>>,
}

impl OperationService {
    pub fn new(store: DynStore, metrics: Option<Arc<Metrics>>) -> Self {
        Self { store, metrics }
    }

    /// Records an entry. The call already happened, so a failure to record is
    /// logged loudly and counted, not turned into a failure of the call.
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
        if let Err(error) = self.store.insert_operation(&record).await {
            tracing::error!(%error, operation = record.operation, connection = %record.connection_id, "could not write the operation log");
            if let Some(metrics) = &self.metrics {
                metrics.count_operation_log_failure();
            }
        }
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
