//! Writes to an app, run to their end and recorded in the operation log.

use std::{future::Future, sync::Arc, time::Instant};

use super::{Apps, Op};
use crate::{
    domain::{ErrorCode, User},
    service::{OperationEntry, ServiceError},
};

/// Who an operation's log entry is about.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub group_id: Option<String>,
    /// How many members a membership change touched.
    pub count: Option<usize>,
}

impl Subject {
    pub fn user(id: &str) -> Self {
        Self {
            user_id: Some(id.to_owned()),
            ..Self::default()
        }
    }

    pub fn user_name(user_name: &str) -> Self {
        Self {
            user_name: Some(user_name.to_owned()),
            ..Self::default()
        }
    }

    pub fn group(id: Option<&str>) -> Self {
        Self {
            group_id: id.map(str::to_owned),
            ..Self::default()
        }
    }

    /// A membership change of `count` members of group `id`.
    pub fn members(id: &str, count: usize) -> Self {
        Self {
            group_id: Some(id.to_owned()),
            count: Some(count),
            ..Self::default()
        }
    }
}

/// What a write's result adds to its log entry (what the caller named stays).
pub trait Describe {
    fn describe(&self, _subject: &mut Subject) {}
}

impl Describe for () {}

impl Describe for User {
    fn describe(&self, subject: &mut Subject) {
        subject.user_id.get_or_insert_with(|| self.id.clone());
        subject
            .user_name
            .get_or_insert_with(|| self.fields.user_name.clone());
    }
}

impl Apps {
    /// Runs a write to its end even if the caller goes away (a disconnect, the
    /// request deadline, shutdown): the app may be changing, so the call must
    /// finish and be recorded in the operation log either way.
    pub async fn logged<T, F, Fut>(
        &self,
        op: Op,
        operation: &'static str,
        subject: Subject,
        write: F,
    ) -> Result<T, ServiceError>
    where
        T: Describe + Send + 'static,
        F: FnOnce(Arc<Op>) -> Fut,
        Fut: Future<Output = Result<T, ServiceError>> + Send + 'static,
    {
        let op = Arc::new(op);
        let task = write(op.clone());
        let apps = self.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let result = task.await;
            let mut subject = subject;
            // Refusals made before any call (invalid input, unsupported
            // operations) are not calls to log.
            if let Some(error) = outcome(&result, &mut subject) {
                apps.record(&op, operation, subject, error, started).await;
            }
            result
        })
        .await
        .unwrap_or_else(|e| Err(ServiceError::Aborted(e.to_string())))
    }

    /// Logs a write that reached (or tried to reach) the app.
    async fn record(
        &self,
        op: &Op,
        operation: &'static str,
        subject: Subject,
        error: Option<ErrorCode>,
        started: Instant,
    ) {
        self.log
            .record(OperationEntry {
                connection: &op.app.connection,
                operation,
                user_id: subject.user_id,
                user_name: subject.user_name,
                error,
                provider_status: op.context.stats.last_status(),
                attempts: op.context.stats.attempts(),
                duration: started.elapsed(),
                caller: &op.caller,
                run_id: op.caller.run_id,
                group_id: subject.group_id,
                count: subject.count,
            })
            .await;
    }
}

/// Whether a write's result is logged (`Some`), with its error code if it
/// failed; a success describes itself into `subject`.
fn outcome<T: Describe>(
    result: &Result<T, ServiceError>,
    subject: &mut Subject,
) -> Option<Option<ErrorCode>> {
    match result {
        Ok(value) => {
            value.describe(subject);
            Some(None)
        }
        Err(e @ (ServiceError::Provider(_) | ServiceError::GroupProvider(_))) => {
            Some(Some(e.code()))
        }
        Err(_) => None,
    }
}
