//! Applying sync runs: every instance runs one worker that claims pending items
//! from the database under a lease, applies them through the connection's rate
//! budget, and records each outcome. Items are claimed atomically (`FOR UPDATE
//! SKIP LOCKED` on Postgres, one `UPDATE … RETURNING` on SQLite), so instances
//! sharing a database never hold the same item; a lease that lapses (the
//! instance died) lets another instance take the item over, and that attempt
//! first checks what the app already has so the change is not made twice.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::{
    sync::{Notify, watch},
    task::JoinSet,
};
use tracing::Instrument;
use uuid::Uuid;

use super::desired::{diff, patch_for};
use crate::{
    domain::{
        Caller, ConnectionKey, ItemChange, ItemStatus, SyncItem, UpdatePayload, User, UserFields,
        UserPatch,
    },
    scim::ProviderErrorKind,
    service::{GroupService, ServiceError, UserService},
    store::{ClaimedItem, DynStore, ItemOutcome, ManagedUserRow, StoreError, UnreadableItem},
};

mod groups;

/// How often an idle worker looks for work it was not told about (items left
/// by another instance, leases that lapsed).
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Tries an item gets when it fails for a reason that may pass (the app
/// unavailable or rate limiting, the database unreachable) before it is failed.
const MAX_ATTEMPTS: i32 = 5;

/// The wait before trying such an item again: `base` after the first attempt,
/// doubling, at most an hour.
fn retry_delay(base: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(10);
    base.saturating_mul(1 << doublings)
        .min(Duration::from_secs(3600))
}

/// Items this instance is working on: only their leases are renewed, so an
/// item whose outcome could not be recorded lapses and is taken over.
type Held = Arc<Mutex<HashSet<(Uuid, i32)>>>;

#[derive(Clone)]
pub struct Worker {
    store: DynStore,
    users: UserService,
    groups: GroupService,
    /// This instance, as lease owner: unique per process start.
    owner: Arc<str>,
    lease: Duration,
    concurrency: usize,
    retry: Duration,
    work: Arc<Notify>,
    held: Held,
}

/// How a worker applies items.
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
    /// How long an item is held before another instance may take it over.
    pub lease: Duration,
    /// Items applied at once.
    pub concurrency: usize,
    /// The first wait before an item that failed for a passing reason is tried again.
    pub retry: Duration,
}

impl Worker {
    pub fn new(
        store: DynStore,
        (users, groups): (UserService, GroupService),
        options: WorkerOptions,
        work: Arc<Notify>,
    ) -> Self {
        Self {
            store,
            users,
            groups,
            owner: format!("{}:{}", std::process::id(), Uuid::now_v7()).into(),
            lease: options.lease,
            concurrency: options.concurrency.max(1),
            retry: options.retry,
            work,
            held: Held::default(),
        }
    }

    /// Claims and applies items until `stop` turns true, then hands the items
    /// in hand back.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut in_flight: JoinSet<()> = JoinSet::new();
        let mut heartbeat = tokio::time::interval(self.lease / 3);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tracing::info!(owner = %self.owner, "sync worker started");
        while !*stop.borrow() {
            let free = self.concurrency.saturating_sub(in_flight.len());
            if free > 0 {
                for claimed in self.claim(free).await {
                    self.start(&mut in_flight, claimed);
                }
            }
            // Register for a wake-up before sleeping, so a notification sent
            // while claiming is not lost.
            let notified = self.work.notified();
            tokio::select! {
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                () = notified, if in_flight.len() < self.concurrency => {}
                () = tokio::time::sleep(POLL_INTERVAL) => {}
                _ = heartbeat.tick() => {
                    self.renew().await;
                    self.finish_idle_runs().await;
                }
                _ = stop.changed() => {}
            }
        }
        self.hand_back(in_flight).await;
        tracing::info!(owner = %self.owner, "sync worker stopped");
    }

    /// Stops the items in hand and puts them back at once, for another
    /// instance to take without waiting for their leases to lapse. Their next
    /// attempt first checks what already reached the app.
    async fn hand_back(&self, mut in_flight: JoinSet<()>) {
        in_flight.abort_all();
        while in_flight.join_next().await.is_some() {}
        match self.store.hand_back_items(&self.owner).await {
            Ok(0) => {}
            Ok(items) => tracing::info!(items, "handed sync items in hand back"),
            Err(error) => tracing::warn!(
                %error,
                "could not hand sync items back; another instance takes them once their leases lapse"
            ),
        }
    }

    /// Sets a claimed item going; one this version cannot read fails at once.
    fn start(&self, in_flight: &mut JoinSet<()>, claimed: ClaimedItem) {
        let worker = self.clone();
        match claimed {
            Ok(item) => {
                self.hold((item.run_id, item.seq), true);
                let span = tracing::info_span!(
                    "sync_item",
                    run_id = %item.run_id,
                    seq = item.seq,
                    action = item.change.action().as_str()
                );
                in_flight.spawn(async move { worker.process(item).await }.instrument(span));
            }
            Err(item) => {
                let span = tracing::info_span!("sync_item", run_id = %item.run_id, seq = item.seq);
                in_flight.spawn(async move { worker.fail_unreadable(item).await }.instrument(span));
            }
        }
    }

    async fn claim(&self, limit: usize) -> Vec<ClaimedItem> {
        let now = self.store.now();
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

    fn hold(&self, item: (Uuid, i32), held: bool) {
        let mut set = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held {
            set.insert(item);
        } else {
            set.remove(&item);
        }
    }

    async fn renew(&self) {
        let items: Vec<(Uuid, i32)> = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .copied()
            .collect();
        if items.is_empty() {
            return;
        }
        let until = self.store.now()
            + chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(30));
        if let Err(error) = self.store.renew_leases(&self.owner, &items, until).await {
            tracing::warn!(%error, "could not renew sync item leases");
        }
    }

    /// Finishes runs whose last item's bookkeeping failed half-way.
    async fn finish_idle_runs(&self) {
        match self.store.finish_idle_runs(self.store.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(runs = n, "finished sync runs with nothing left to do"),
            Err(error) => tracing::warn!(%error, "could not look for finished sync runs"),
        }
    }

    /// Applies one item and records how it ended: done, failed, or (for a
    /// failure that may pass, within [`MAX_ATTEMPTS`]) back to pending for later.
    async fn process(&self, item: SyncItem) {
        let result = self.apply(&item).await;
        let now = self.store.now();
        let recorded = match result {
            Ok(user_id) => {
                let outcome = ItemOutcome {
                    status: ItemStatus::Done,
                    user_id,
                    error_code: None,
                    error_detail: None,
                };
                self.store
                    .finish_item(item.run_id, item.seq, &self.owner, &outcome, now)
                    .await
            }
            Err(error) if is_transient(&error) && item.attempts < MAX_ATTEMPTS => {
                let delay = retry_delay(self.retry, item.attempts);
                tracing::info!(%error, attempts = item.attempts, ?delay, "a sync item will be tried again");
                let retry_at =
                    now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::minutes(5));
                let outcome = failed(item.user_id.clone(), &error);
                self.store
                    .release_item(item.run_id, item.seq, &self.owner, &outcome, retry_at)
                    .await
            }
            Err(error) => {
                tracing::warn!(%error, attempts = item.attempts, "a sync item failed");
                let outcome = failed(item.user_id.clone(), &error);
                self.store
                    .finish_item(item.run_id, item.seq, &self.owner, &outcome, now)
                    .await
            }
        };
        self.hold((item.run_id, item.seq), false);
        self.settle(item.run_id, recorded, now).await;
    }

    /// Fails an item this version cannot read (a newer version's action, a row
    /// edited by hand): only that item, never the claims of the others.
    async fn fail_unreadable(&self, item: UnreadableItem) {
        let error =
            ServiceError::Unreadable(format!("the sync item cannot be read: {}", item.problem));
        tracing::warn!(%error, "a sync item failed");
        let now = self.store.now();
        let recorded = self
            .store
            .finish_item(
                item.run_id,
                item.seq,
                &self.owner,
                &failed(None, &error),
                now,
            )
            .await;
        self.settle(item.run_id, recorded, now).await;
    }

    /// Reports how recording an item's outcome went, and finishes its run if
    /// that was the last item.
    async fn settle(&self, run_id: Uuid, recorded: Result<bool, StoreError>, now: DateTime<Utc>) {
        match recorded {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                "another instance took this sync item over (our lease lapsed); its outcome is theirs to record"
            ),
            Err(error) => tracing::warn!(
                %error,
                "could not record a sync item's outcome; it will be checked and retried once its lease lapses"
            ),
        }
        match self.store.finish_run_if_done(run_id, now).await {
            Ok(true) => tracing::info!("sync run finished"),
            Ok(false) => {}
            // The heartbeat's sweep finishes it later.
            Err(error) => tracing::warn!(%error, "could not mark the sync run finished"),
        }
    }

    /// Applies one item; returns the account's id.
    async fn apply(&self, item: &SyncItem) -> Result<Option<String>, ServiceError> {
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
            run_id: Some(run.run_id),
        };
        let key = ConnectionKey::Id(run.connection_id);
        let (user, applied) = match &item.change {
            ItemChange::CreateGroup(group) => {
                self.create_group(&key, &caller, group).await?;
                return Ok(None);
            }
            ItemChange::AddMembers(batch) => {
                self.members(&key, &caller, batch, true, run.connection_id)
                    .await?;
                return Ok(None);
            }
            ItemChange::RemoveMembers(batch) => {
                self.members(&key, &caller, batch, false, run.connection_id)
                    .await?;
                return Ok(None);
            }
            ItemChange::Create(fields) => {
                // Resumed, the client first looks for the account an earlier attempt made.
                let user = self.users.create(&key, &caller, fields.clone()).await?.user;
                (user, Some(applied_hash(fields)))
            }
            ItemChange::Update(update) | ItemChange::Reactivate(update) => {
                let id = user_id(item)?;
                let user = self.apply_update(&key, &caller, id, update).await?;
                (user, Some(applied_hash(&update.desired)))
            }
            ItemChange::Deactivate => {
                let id = user_id(item)?;
                match self.apply_deactivate(&key, &caller, id).await? {
                    Some(user) => (user, None),
                    // Gone is as deprovisioned as it gets.
                    None => return Ok(Some(id.to_owned())),
                }
            }
        };
        self.link(run.connection_id, item, &user, applied).await?;
        Ok(Some(user.id))
    }

    /// Updates (or reactivates) an account, unless a resumed attempt finds the
    /// change made. A failure that may have reached the app (its 500, a lost
    /// answer) is read back: an app that applied the change and said it failed
    /// has still applied it.
    async fn apply_update(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
        update: &UpdatePayload,
    ) -> Result<User, ServiceError> {
        if caller.resumed
            && let Some(user) = self.already_applied(key, caller, id, update).await?
        {
            return Ok(user);
        }
        match self.users.update(key, caller, id, &patch(update)).await {
            Err(error) if may_have_landed(&error) => {
                match self.already_applied(key, caller, id, update).await {
                    Ok(Some(user)) => {
                        tracing::info!(user_id = id, %error, "the app failed a change it applied");
                        Ok(user)
                    }
                    _ => Err(error),
                }
            }
            other => other,
        }
    }

    /// Deactivates an account; `None` when it no longer exists. As with
    /// updates, a resumed attempt or a failure that may have landed reads the
    /// account first.
    async fn apply_deactivate(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
    ) -> Result<Option<User>, ServiceError> {
        if caller.resumed {
            match self.deactivation_of(key, caller, id).await? {
                Deactivation::Done(user) => return Ok(Some(*user)),
                Deactivation::Gone => return Ok(None),
                Deactivation::Pending => {}
            }
        }
        match self.users.set_active(key, caller, id, false).await {
            Ok(user) => Ok(Some(user)),
            Err(ServiceError::Provider(e)) if e.kind == ProviderErrorKind::NotFound => {
                tracing::info!(user_id = id, "the account to deactivate no longer exists");
                Ok(None)
            }
            Err(error) if may_have_landed(&error) => {
                match self.deactivation_of(key, caller, id).await {
                    Ok(Deactivation::Done(user)) => {
                        tracing::info!(user_id = id, %error, "the app failed a deactivation it applied");
                        Ok(Some(*user))
                    }
                    Ok(Deactivation::Gone) => Ok(None),
                    _ => Err(error),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// Where the account's deactivation stands, as the app has it.
    async fn deactivation_of(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
    ) -> Result<Deactivation, ServiceError> {
        match self.users.get(key, caller, id).await {
            Ok(user) if !user.fields.active => Ok(Deactivation::Done(Box::new(user))),
            Ok(_) => Ok(Deactivation::Pending),
            Err(ServiceError::Provider(e)) if e.kind == ProviderErrorKind::NotFound => {
                tracing::info!(user_id = id, "the account to deactivate no longer exists");
                Ok(Deactivation::Gone)
            }
            Err(error) => Err(error),
        }
    }

    /// On a resumed attempt: the account, when an earlier attempt already gave it
    /// every change.
    async fn already_applied(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
        update: &UpdatePayload,
    ) -> Result<Option<User>, ServiceError> {
        let account = self.users.get(key, caller, id).await?;
        let remaining = diff(&update.desired, &account.fields);
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
        item: &SyncItem,
        user: &User,
        applied: Option<String>,
    ) -> Result<(), ServiceError> {
        let now = self.store.now();
        self.store
            .upsert_managed_users(&[ManagedUserRow {
                connection_id,
                provider_user_id: user.id.clone(),
                // The plan's key, never the app's: an orphan's may be another person's.
                external_id: item.external_id.clone(),
                user_name: user.fields.user_name.clone(),
                applied_hash: applied,
                created_at: now,
                updated_at: now,
            }])
            .await?;
        Ok(())
    }
}

fn patch(update: &UpdatePayload) -> UserPatch {
    patch_for(&update.changes, &update.desired, update.active)
}

/// How a failed item ends (or is put back), in the words its outcome keeps.
fn failed(user_id: Option<String>, error: &ServiceError) -> ItemOutcome {
    ItemOutcome {
        status: ItemStatus::Failed,
        user_id,
        error_code: Some(error.code().as_str().to_owned()),
        error_detail: Some(error_detail(error)),
    }
}

fn user_id(item: &SyncItem) -> Result<&str, ServiceError> {
    item.user_id
        .as_deref()
        .ok_or_else(|| ServiceError::Unreadable("the sync item names no account".into()))
}

/// Where an account's deactivation stands.
enum Deactivation {
    Done(Box<User>),
    Pending,
    Gone,
}

/// Whether a failed write may have reached the app all the same (its 5xx, a
/// lost answer, a timeout), so that what the app holds must be read.
fn may_have_landed(error: &ServiceError) -> bool {
    matches!(error, ServiceError::Provider(e)
        if matches!(e.kind, ProviderErrorKind::Unavailable | ProviderErrorKind::Timeout))
}

/// Whether a failure may pass if the item is tried again later.
fn is_transient(error: &ServiceError) -> bool {
    match error {
        ServiceError::Store(_) => true,
        ServiceError::Provider(error) | ServiceError::GroupProvider(error) => matches!(
            error.kind,
            ProviderErrorKind::Unavailable
                | ProviderErrorKind::Timeout
                | ProviderErrorKind::RateLimited
                | ProviderErrorKind::Busy
        ),
        _ => false,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        let base = Duration::from_secs(10);
        assert_eq!(retry_delay(base, 1), Duration::from_secs(10));
        assert_eq!(retry_delay(base, 2), Duration::from_secs(20));
        assert_eq!(retry_delay(base, 4), Duration::from_secs(80));
        assert_eq!(retry_delay(base, 40), Duration::from_secs(3600));
    }
}
