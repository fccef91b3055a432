//! Applying sync runs: every instance runs one worker that claims pending items
//! from the database under a lease, applies them through the connection's rate
//! budget, and records each outcome. Items are claimed atomically (`FOR UPDATE
//! SKIP LOCKED` on Postgres, one `UPDATE … RETURNING` on SQLite), so instances
//! sharing a database never hold the same item; a lease that lapses (the
//! instance died) lets another instance take the item over, and that attempt
//! first checks what the app already has so the change is not made twice.

use std::{sync::Arc, time::Duration};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::{
    sync::{Notify, watch},
    task::JoinSet,
};
use tracing::Instrument;
use uuid::Uuid;

use super::{desired::diff, plan::UpdatePayload};
use crate::{
    domain::{Caller, ConnectionKey, User, UserFields},
    scim::ProviderErrorKind,
    service::{ServiceError, Target, Users},
    store::{self, DynStore, ItemOutcome, ItemRow, ManagedUserRow},
};

/// How often an idle worker looks for work it was not told about (items left
/// by another instance, leases that lapsed).
const POLL_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct Worker {
    store: DynStore,
    users: Users,
    /// This instance, as lease owner: unique per process start.
    owner: Arc<str>,
    lease: Duration,
    concurrency: usize,
    work: Arc<Notify>,
}

impl Worker {
    pub fn new(
        store: DynStore,
        users: Users,
        lease: Duration,
        concurrency: usize,
        work: Arc<Notify>,
    ) -> Self {
        Self {
            store,
            users,
            owner: format!("{}:{}", std::process::id(), Uuid::now_v7()).into(),
            lease,
            concurrency: concurrency.max(1),
            work,
        }
    }

    /// Claims and applies items until `stop` turns true, then lets the items
    /// in hand finish (their writes may already be on their way to the app).
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut in_flight: JoinSet<()> = JoinSet::new();
        let mut heartbeat = tokio::time::interval(self.lease / 3);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tracing::info!(owner = %self.owner, "sync worker started");
        while !*stop.borrow() {
            let free = self.concurrency.saturating_sub(in_flight.len());
            if free > 0 {
                for item in self.claim(free).await {
                    let worker = self.clone();
                    let span = tracing::info_span!(
                        "sync_item",
                        run_id = %item.run_id,
                        seq = item.seq,
                        action = %item.action
                    );
                    in_flight.spawn(async move { worker.process(item).await }.instrument(span));
                }
            }
            // Register for a wake-up before sleeping, so a notification sent
            // while claiming is not lost.
            let notified = self.work.notified();
            tokio::select! {
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                () = notified, if in_flight.len() < self.concurrency => {}
                () = tokio::time::sleep(POLL_INTERVAL) => {}
                _ = heartbeat.tick() => self.renew().await,
                _ = stop.changed() => {}
            }
        }
        while !in_flight.is_empty() {
            tokio::select! {
                _ = in_flight.join_next() => {}
                _ = heartbeat.tick() => self.renew().await,
            }
        }
        tracing::info!(owner = %self.owner, "sync worker stopped");
    }

    async fn claim(&self, limit: usize) -> Vec<ItemRow> {
        let now = store::now();
        let until =
            now + chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(30));
        match self
            .store
            .claim_items(
                &self.owner,
                now,
                until,
                u32::try_from(limit).unwrap_or(u32::MAX),
            )
            .await
        {
            Ok(items) => items,
            Err(error) => {
                tracing::warn!(%error, "could not claim sync items; retrying shortly");
                Vec::new()
            }
        }
    }

    async fn renew(&self) {
        let until = store::now()
            + chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(30));
        if let Err(error) = self.store.renew_leases(&self.owner, until).await {
            tracing::warn!(%error, "could not renew sync item leases");
        }
    }

    /// Applies one item and records how it ended.
    async fn process(&self, item: ItemRow) {
        let outcome = match self.apply(&item).await {
            Ok(user_id) => ItemOutcome {
                status: "done",
                user_id,
                error_code: None,
                error_detail: None,
            },
            Err(error) => {
                tracing::warn!(run_id = %item.run_id, seq = item.seq, %error, "a sync item failed");
                ItemOutcome {
                    status: "failed",
                    user_id: item.user_id.clone(),
                    error_code: Some(error.code().as_str().to_owned()),
                    error_detail: Some(error_detail(&error)),
                }
            }
        };
        let now = store::now();
        match self
            .store
            .finish_item(item.run_id, item.seq, &self.owner, &outcome, now)
            .await
        {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                run_id = %item.run_id, seq = item.seq,
                "another instance took this sync item over (our lease lapsed); its outcome is theirs to record"
            ),
            Err(error) => tracing::warn!(
                run_id = %item.run_id, seq = item.seq, %error,
                "could not record a sync item's outcome; it will be checked and retried after its lease lapses"
            ),
        }
        match self.store.finish_run_if_done(item.run_id, now).await {
            Ok(true) => tracing::info!(run_id = %item.run_id, "sync run finished"),
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(run_id = %item.run_id, %error, "could not mark the sync run finished")
            }
        }
    }

    /// Applies one item; returns the account's id.
    async fn apply(&self, item: &ItemRow) -> Result<Option<String>, ServiceError> {
        let run = self
            .store
            .get_run(item.run_id)
            .await?
            .ok_or(ServiceError::SyncRunNotFound)?;
        let caller = Caller {
            api_key_id: run.api_key_id.clone(),
            request_id: run.request_id.clone(),
            // A second claim means an earlier one may have reached the app.
            resumed: item.attempts > 1,
        };
        let mut target = self
            .users
            .target(&ConnectionKey::Id(run.connection_id), &caller)
            .await?;
        target.run_id = Some(run.run_id);
        let resumed = caller.resumed;
        let (user, applied) = match item.action.as_str() {
            "create" => {
                let fields: UserFields = payload(item)?;
                // Resumed, the client first looks for the account an earlier attempt made.
                let user = self.users.create(&target, fields.clone()).await?;
                (user, Some(applied_hash(&fields)))
            }
            "update" | "reactivate" => {
                let update: UpdatePayload = payload(item)?;
                let id = user_id(item)?;
                let done = if resumed {
                    self.already_applied(&target, id, &update).await?
                } else {
                    None
                };
                let user = match done {
                    Some(user) => user,
                    None => self.users.update(&target, id, &update.patch()).await?,
                };
                (user, Some(applied_hash(&update.desired)))
            }
            "deactivate" => {
                let id = user_id(item)?;
                let current = if resumed {
                    Some(self.users.get(&target, id).await?)
                } else {
                    None
                };
                let user = match current {
                    Some(user) if !user.fields.active => user,
                    _ => match self.users.set_active(&target, id, false).await {
                        Err(ServiceError::Provider(error))
                            if error.kind == ProviderErrorKind::NotFound =>
                        {
                            // Gone is as deprovisioned as it gets.
                            tracing::info!(
                                user_id = id,
                                "the account to deactivate no longer exists"
                            );
                            return Ok(Some(id.to_owned()));
                        }
                        other => other?,
                    },
                };
                (user, None)
            }
            other => {
                return Err(ServiceError::Aborted(format!(
                    "a sync item with an unknown action `{other}`"
                )));
            }
        };
        self.link(run.connection_id, item, &user, applied).await?;
        Ok(Some(user.id))
    }

    /// On a resumed attempt: the account, when an earlier attempt already gave it
    /// every change.
    async fn already_applied(
        &self,
        target: &Target,
        id: &str,
        update: &UpdatePayload,
    ) -> Result<Option<User>, ServiceError> {
        let account = self.users.get(target, id).await?;
        let remaining = diff(&update.desired, &account);
        let fields_done = update
            .changes
            .iter()
            .all(|change| remaining.iter().all(|left| left.field != change.field));
        let active_done = update
            .active
            .is_none_or(|active| account.fields.active == active);
        Ok((fields_done && active_done).then_some(account))
    }

    /// Records the account as managed (linked to the person's external id).
    async fn link(
        &self,
        connection_id: Uuid,
        item: &ItemRow,
        user: &User,
        applied: Option<String>,
    ) -> Result<(), ServiceError> {
        let now = store::now();
        self.store
            .upsert_managed_users(&[ManagedUserRow {
                connection_id,
                provider_user_id: user.id.clone(),
                external_id: item
                    .external_id
                    .clone()
                    .or_else(|| user.fields.external_id.clone()),
                user_name: user.fields.user_name.clone(),
                applied_hash: applied,
                created_at: now,
                updated_at: now,
            }])
            .await?;
        Ok(())
    }
}

fn payload<T: serde::de::DeserializeOwned>(item: &ItemRow) -> Result<T, ServiceError> {
    serde_json::from_value(item.payload.clone()).map_err(|e| {
        ServiceError::Aborted(format!(
            "the sync item's stored payload cannot be read: {e}"
        ))
    })
}

fn user_id(item: &ItemRow) -> Result<&str, ServiceError> {
    item.user_id
        .as_deref()
        .ok_or_else(|| ServiceError::Aborted("the sync item names no account".into()))
}

/// A digest of the fields applied, kept on the managed link.
pub fn applied_hash(fields: &UserFields) -> String {
    let value = serde_json::to_value(fields).unwrap_or(Value::Null);
    hex::encode(Sha256::digest(
        serde_json::to_vec(&value).unwrap_or_default(),
    ))
}

/// What an item's outcome says about a failure (the app's own words are part
/// of a provider error's text).
fn error_detail(error: &ServiceError) -> String {
    match error {
        ServiceError::Invalid(errors) => errors
            .iter()
            .map(|e| format!("`{}` {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
