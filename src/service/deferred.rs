//! Records of calls that already happened at an app (operation-log entries,
//! managed-account links) which the database refused, kept and written again
//! in the background until it takes them. The call cannot be undone, so its
//! record must not be lost to a full disk or a database restart: each one
//! waits in a bounded queue, in order, and is counted while it waits. Each is
//! logged at ERROR when first refused, with everything needed to restore it
//! by hand should the queue overflow or the process stop before it is written.

use std::{sync::Arc, time::Duration};

use tokio::sync::mpsc;
use uuid::Uuid;

use crate::{
    domain::OperationRecord,
    metrics::Metrics,
    store::{DynStore, ManagedUserRow, StoreError},
};

/// How many records may wait at once; past it, a record is logged and dropped.
const QUEUE: usize = 10_000;
const FIRST_WAIT: Duration = Duration::from_millis(100);
const LONGEST_WAIT: Duration = Duration::from_secs(5);

/// One record the database refused.
#[derive(Debug)]
pub enum Deferred {
    Operation(OperationRecord),
    Link(ManagedUserRow),
    Unlink {
        connection_id: Uuid,
        provider_user_id: String,
    },
}

impl Deferred {
    async fn write(&self, store: &DynStore) -> Result<(), StoreError> {
        match self {
            Deferred::Operation(record) => store.insert_operation(record).await,
            Deferred::Link(row) => store.upsert_managed_users(std::slice::from_ref(row)).await,
            Deferred::Unlink {
                connection_id,
                provider_user_id,
            } => store
                .forget_managed_user(*connection_id, provider_user_id)
                .await
                .map(|_| ()),
        }
    }
}

/// The queue's sending end. Cheap to clone.
#[derive(Clone)]
pub struct DeferredWrites {
    queue: mpsc::Sender<Deferred>,
    metrics: Option<Arc<Metrics>>,
}

impl DeferredWrites {
    /// Starts the background writer (on the current tokio runtime).
    pub fn start(store: DynStore, metrics: Option<Arc<Metrics>>) -> Self {
        let (queue, pending) = mpsc::channel(QUEUE);
        tokio::spawn(write_all(store, pending, metrics.clone()));
        Self { queue, metrics }
    }

    /// Writes `record` now, or keeps it for the background writer.
    pub async fn write(&self, store: &DynStore, record: Deferred) {
        let Err(error) = record.write(store).await else {
            return;
        };
        tracing::error!(%error, ?record, "could not record a call the app carried out; retrying in the background");
        if let Some(metrics) = &self.metrics {
            metrics.count_operation_log_failure();
            metrics.deferred_writes(1);
        }
        if let Err(full) = self.queue.try_send(record) {
            tracing::error!(record = ?full.into_inner(), "the queue of records to write again is full: this record is lost");
            if let Some(metrics) = &self.metrics {
                metrics.deferred_writes(-1);
                metrics.count_deferred_write_lost();
            }
        }
    }
}

/// Writes each queued record in turn, waiting longer after each refusal.
async fn write_all(
    store: DynStore,
    mut pending: mpsc::Receiver<Deferred>,
    metrics: Option<Arc<Metrics>>,
) {
    while let Some(record) = pending.recv().await {
        let mut wait = FIRST_WAIT;
        while let Err(error) = record.write(&store).await {
            tracing::debug!(%error, "the database still refuses a deferred record");
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(LONGEST_WAIT);
        }
        tracing::info!(
            ?record,
            "recorded a call late, after the database took writes again"
        );
        if let Some(metrics) = &metrics {
            metrics.deferred_writes(-1);
        }
    }
}
