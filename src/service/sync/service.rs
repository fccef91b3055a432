//! The sync use cases: rules, plans, and runs.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use uuid::Uuid;

use super::{
    accounts::Accounts,
    items::run_items,
    plan::{Deprovision, Plan, PlanInput, fingerprint, plan},
};
use crate::{
    domain::{
        Action, AppProfile, Caller, ConnectionKey, FieldErrors, ItemCounts, ItemFilter, MatchKey,
        People, Rules, RunStatus, SyncItem, SyncRun,
    },
    providers,
    service::{
        Apps, ConnectionService, GroupService, ServiceError, UserService, app::AppConnection,
    },
    store::{DynStore, ManagedUserRow, PlanRow, StoreError},
};

/// A sync request, parsed.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    pub people: Option<People>,
    /// `None`: the default (`deactivate`), or with `plan_id` the plan's.
    pub deprovision: Option<Deprovision>,
    /// `None`: the default (`false`), or with `plan_id` the plan's.
    pub adopt: Option<bool>,
    pub force: bool,
    pub plan_id: Option<Uuid>,
}

/// A plan as kept and shown.
#[derive(Debug, Clone)]
pub struct StoredPlan {
    pub plan_id: Uuid,
    pub connection_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub plan: Plan,
    /// Why applying it would be refused unless forced.
    pub warnings: Vec<String>,
}

/// A run and how far it got.
#[derive(Debug, Clone)]
pub struct RunState {
    pub run: SyncRun,
    pub counts: ItemCounts,
}

impl RunState {
    pub fn status(&self) -> RunStatus {
        self.counts.run_status(self.run.finished_at.is_some())
    }
}

#[derive(Clone)]
pub struct SyncService {
    store: DynStore,
    pub(super) groups: GroupService,
    connections: ConnectionService,
    apps: Apps,
    users: UserService,
    plan_ttl: Duration,
    work: Arc<Notify>,
}

impl SyncService {
    pub fn new(
        store: DynStore,
        connections: ConnectionService,
        apps: Apps,
        plan_ttl: Duration,
        work: Arc<Notify>,
    ) -> Self {
        Self {
            users: UserService::new(apps.clone(), store.clone()),
            groups: GroupService::new(apps.clone()),
            connections,
            store,
            apps,
            plan_ttl,
            work,
        }
    }

    /// The connection's rules (the defaults until some are set).
    pub async fn rules(&self, key: &ConnectionKey) -> Result<Rules, ServiceError> {
        let connection = self.connections.get(key).await?;
        self.rules_of(connection.id).await
    }

    async fn rules_of(&self, connection_id: Uuid) -> Result<Rules, ServiceError> {
        match self.store.get_rules(connection_id).await? {
            None => Ok(Rules::default()),
            Some(document) => Rules::parse(&document).map_err(ServiceError::Invalid),
        }
    }

    /// Replaces the connection's rules, refusing any fault with its path.
    pub async fn set_rules(
        &self,
        key: &ConnectionKey,
        document: &Value,
    ) -> Result<Rules, ServiceError> {
        let connection = self.connections.get(key).await?;
        let rules = Rules::parse(document).map_err(ServiceError::Invalid)?;
        let normalised = serde_json::to_value(&rules).unwrap_or(Value::Null);
        self.store
            .put_rules(connection.id, &normalised, self.store.now())
            .await?;
        Ok(rules)
    }

    /// Works out (and keeps) a plan for `request`.
    pub async fn plan(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        request: &SyncRequest,
    ) -> Result<StoredPlan, ServiceError> {
        let people = required_people(request)?;
        let (deprovision, adopt) = options(request);
        let app = self.apps.open(key).await?;
        let (plan, rules) = self
            .compute(&app, caller, people, deprovision, adopt)
            .await?;
        let mut warnings: Vec<String> = check_deprovision_limit(&plan, &rules)
            .err()
            .map(|e| e.to_string())
            .into_iter()
            .collect();
        warnings.extend(app.endpoint.habits.get().plan_warnings());
        let now = self.store.now();
        let request = to_raw(&SavedRequest {
            people: None,
            deprovision,
            adopt,
        })?;
        let stored = StoredPlan {
            plan_id: Uuid::now_v7(),
            connection_id: app.connection.id,
            warnings,
            expires_at: now
                + chrono::Duration::from_std(self.plan_ttl).unwrap_or(chrono::Duration::hours(1)),
            plan,
        };
        let row = PlanRow {
            plan_id: stored.plan_id,
            connection_id: app.connection.id,
            input_hash: input_hash(people, deprovision, adopt),
            fingerprint: fingerprint(&stored.plan),
            request,
            created_at: now,
            expires_at: stored.expires_at,
        };
        // Only the totals are kept beside the request: applying works the
        // plan out again, and the caller has the whole of it in the answer.
        // A copy of every item (hundreds of bytes each) would be written and
        // never read, and held several times over while it is written.
        self.store
            .insert_plan(&row, &to_raw(&stored.plan.totals)?, people)
            .await?;
        Ok(stored)
    }

    /// Applies a plan: the stored one (`plan_id`, refused as stale if the app
    /// or the input changed since), or one worked out now. Returns the queued run.
    pub async fn apply(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        request: &SyncRequest,
    ) -> Result<RunState, ServiceError> {
        let app = self.apps.open(key).await?;
        self.refuse_if_running(app.connection.id).await?;
        let ((plan, rules), plan_id) = match request.plan_id {
            Some(plan_id) => (
                self.replan(&app, caller, plan_id, request).await?,
                Some(plan_id),
            ),
            None => {
                let people = required_people(request)?;
                let (deprovision, adopt) = options(request);
                (
                    self.compute(&app, caller, people, deprovision, adopt)
                        .await?,
                    None,
                )
            }
        };
        if !request.force {
            check_deprovision_limit(&plan, &rules)?;
        }
        let now = self.store.now();
        let run = SyncRun {
            run_id: Uuid::now_v7(),
            connection_id: app.connection.id,
            plan_id,
            totals: serde_json::to_value(&plan.totals).unwrap_or(Value::Null),
            api_key_id: caller.api_key_id.clone(),
            request_id: caller.request_id.clone(),
            created_at: now,
            finished_at: None,
        };
        let batch = providers::member_batch_size(&app.connection, app.profile);
        let items = run_items(&plan, run.run_id, batch, now);
        let mut run = run;
        if items.is_empty() {
            run.finished_at = Some(now);
        }
        match self.store.insert_run(&run, &items).await {
            Err(StoreError::Conflict { constraint }) if constraint == "sync_run_plan_id_key" => {
                return Err(ServiceError::PlanApplied);
            }
            Err(StoreError::Conflict { constraint }) if constraint == "sync_run_open_key" => {
                self.refuse_if_running(app.connection.id).await?;
                return Err(ServiceError::SyncInProgress(
                    "another run for this connection was queued at the same moment".into(),
                ));
            }
            other => other?,
        }
        self.work.notify_waiters();
        // The run is queued: a failure to link now is made good by the next apply,
        // which matches the same accounts again.
        if let Err(error) = self.link_matched(app.connection.id, &plan).await {
            tracing::error!(%error, run_id = %run.run_id, "could not link the plan's matched accounts as managed");
        }
        self.summary(run.run_id).await
    }

    /// One run at a time per connection: another apply would plan against a
    /// half-changed app and could repeat the running one's changes.
    async fn refuse_if_running(&self, connection_id: Uuid) -> Result<(), ServiceError> {
        let newest = self.store.list_runs(Some(connection_id), None, 1).await?;
        match newest.first() {
            Some(run) if run.finished_at.is_none() => Err(ServiceError::RunInProgress(run.run_id)),
            _ => Ok(()),
        }
    }

    /// Links the accounts the plan matched to people and leaves as they are:
    /// from now on they are managed (a leaver's account is deprovisioned, never
    /// reported as an orphan). Changed accounts are linked as their change lands.
    ///
    /// In batches, so onboarding a whole workforce does not build a row for
    /// everyone at once; a batch that fails leaves the rest to the next apply.
    async fn link_matched(&self, connection_id: Uuid, plan: &Plan) -> Result<(), ServiceError> {
        const BATCH: usize = 1000;
        let now = self.store.now();
        for items in plan.items.chunks(BATCH) {
            let rows: Vec<ManagedUserRow> = items
                .iter()
                .filter(|item| item.matched && !item.action.is_change())
                .filter_map(|item| {
                    Some(ManagedUserRow {
                        connection_id,
                        provider_user_id: item.user_id.clone()?,
                        external_id: item.external_id.clone(),
                        user_name: item.user_name.clone().unwrap_or_default(),
                        applied_hash: None,
                        created_at: now,
                        updated_at: now,
                    })
                })
                .collect();
            if !rows.is_empty() {
                self.store.upsert_managed_users(&rows).await?;
            }
        }
        Ok(())
    }

    /// The stored plan, worked out again against the app as it is now.
    async fn replan(
        &self,
        app: &Arc<AppConnection>,
        caller: &Caller,
        plan_id: Uuid,
        request: &SyncRequest,
    ) -> Result<(Plan, Rules), ServiceError> {
        let stored = self
            .store
            .get_plan(plan_id)
            .await?
            .filter(|p| p.connection_id == app.connection.id)
            .ok_or(ServiceError::PlanNotFound)?;
        if stored.expires_at <= self.store.now() {
            return Err(ServiceError::PlanStale(
                "the plan has expired; plan again".into(),
            ));
        }
        let saved: SavedRequest = serde_json::from_str(stored.request.get())
            .map_err(|e| ServiceError::PlanStale(format!("the stored plan cannot be read: {e}")))?;
        let mut errors = FieldErrors::new();
        if let Some(deprovision) = request.deprovision
            && deprovision != saved.deprovision
        {
            errors.push(
                "deprovision",
                format!(
                    "differs from the plan's (`{}`): omit it, or plan again",
                    saved.deprovision.as_str()
                ),
            );
        }
        if let Some(adopt) = request.adopt
            && adopt != saved.adopt
        {
            errors.push(
                "adopt",
                format!(
                    "differs from the plan's (`{}`): omit it, or plan again",
                    saved.adopt
                ),
            );
        }
        errors.into_result(()).map_err(ServiceError::Invalid)?;
        // The people sent again are the plan's (the digest says so), so they
        // are used as they are; only without them are the stored ones read.
        let kept;
        let people = match (&request.people, saved.people) {
            (Some(sent), _)
                if input_hash(sent, saved.deprovision, saved.adopt) != stored.input_hash =>
            {
                return Err(ServiceError::PlanStale(
                    "the people sent differ from the plan's; plan again".into(),
                ));
            }
            (Some(sent), _) => sent,
            (None, Some(in_request)) => {
                kept = in_request;
                &kept
            }
            (None, None) => {
                kept = self.store.plan_people(plan_id).await?.unwrap_or_default();
                &kept
            }
        };
        let (plan, rules) = self
            .compute(app, caller, people, saved.deprovision, saved.adopt)
            .await?;
        if fingerprint(&plan) != stored.fingerprint {
            return Err(ServiceError::PlanStale(
                "the app, the managed accounts or the rules changed since the plan was made; plan again".into(),
            ));
        }
        Ok((plan, rules))
    }

    /// The plan for `people` against the app as it is now, and the rules it followed.
    async fn compute(
        &self,
        app: &Arc<AppConnection>,
        caller: &Caller,
        people: &People,
        deprovision: Deprovision,
        adopt: bool,
    ) -> Result<(Plan, Rules), ServiceError> {
        people.check().map_err(ServiceError::Invalid)?;
        let rules = self.rules_of(app.connection.id).await?;
        let managed = self.store.managed_users(app.connection.id).await?;
        let mut accounts = Accounts::default();
        self.users
            .accounts(app, caller, |account| accounts.push(&account))
            .await?;
        let rules = matching_what_the_app_keeps(rules, &app.endpoint.habits.get());
        let groups = self.group_state(app, caller, &rules, &accounts).await?;
        let plan = plan(&PlanInput {
            people,
            accounts: &accounts,
            managed: &managed,
            rules: &rules,
            deprovision,
            adopt,
            profile: app.profile,
            connection: &app.connection,
            groups: &groups,
            app: app.endpoint.habits.get(),
        });
        Ok((plan, rules))
    }

    /// A run with its progress, without its items.
    pub async fn summary(&self, run_id: Uuid) -> Result<RunState, ServiceError> {
        let run = self.get_run(run_id).await?;
        let states = self.with_counts(vec![run]).await?;
        states
            .into_iter()
            .next()
            .ok_or(ServiceError::SyncRunNotFound)
    }

    /// A page of a run's items: the `limit` after `after_seq` (from the first
    /// when `None`), in sequence order. The run is not looked up again: a
    /// caller walking a run's items page by page found it once.
    pub async fn item_page(
        &self,
        run_id: Uuid,
        after_seq: Option<i32>,
        limit: u32,
    ) -> Result<Vec<SyncItem>, ServiceError> {
        let filter = ItemFilter {
            after_seq,
            limit: Some(limit),
            ..ItemFilter::default()
        };
        Ok(self.store.run_items(run_id, &filter).await?)
    }

    /// Some of a run's items, in sequence order.
    pub async fn run_items(
        &self,
        run_id: Uuid,
        filter: &ItemFilter,
    ) -> Result<Vec<SyncItem>, ServiceError> {
        self.get_run(run_id).await?;
        Ok(self.store.run_items(run_id, filter).await?)
    }

    async fn get_run(&self, run_id: Uuid) -> Result<SyncRun, ServiceError> {
        self.store
            .get_run(run_id)
            .await?
            .ok_or(ServiceError::SyncRunNotFound)
    }

    /// The runs with their progress, counted in one query.
    async fn with_counts(&self, runs: Vec<SyncRun>) -> Result<Vec<RunState>, ServiceError> {
        let ids: Vec<Uuid> = runs.iter().map(|run| run.run_id).collect();
        let mut counts = self.store.item_counts(&ids).await?;
        Ok(runs
            .into_iter()
            .map(|run| RunState {
                counts: counts.remove(&run.run_id).unwrap_or_default(),
                run,
            })
            .collect())
    }

    /// Runs, newest first (without their items).
    pub async fn runs(
        &self,
        connection: Option<&ConnectionKey>,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<RunState>, ServiceError> {
        let connection_id = match connection {
            Some(key) => Some(self.connections.get(key).await?.id),
            None => None,
        };
        let runs = self.store.list_runs(connection_id, before, limit).await?;
        self.with_counts(runs).await
    }
}

/// Where the app drops `externalId`, accounts can only be found by what it
/// keeps: user name and email are matched on too, whatever the rules' order.
fn matching_what_the_app_keeps(mut rules: Rules, app: &AppProfile) -> Rules {
    if app.keeps_external_id == Some(false) {
        for key in [MatchKey::UserName, MatchKey::Email] {
            if !rules.match_order.contains(&key) {
                rules.match_order.push(key);
            }
        }
    }
    rules
}

/// What a plan was asked, as kept with it. The people are kept apart (see
/// `SyncStore::insert_plan`); plans kept before that have them here.
#[derive(Serialize, Deserialize)]
struct SavedRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    people: Option<People>,
    deprovision: Deprovision,
    adopt: bool,
}

/// `value` as JSON text, for the store. (Plans have only string keys, so
/// this does not fail; if it ever did, nothing half-written would be kept.)
fn to_raw(value: &impl Serialize) -> Result<Box<RawValue>, ServiceError> {
    serde_json::value::to_raw_value(value).map_err(|e| {
        StoreError::Corrupt(format!("a plan could not be written as JSON: {e}")).into()
    })
}

/// `deprovision` and `adopt` as asked, or their defaults.
fn options(request: &SyncRequest) -> (Deprovision, bool) {
    (
        request.deprovision.unwrap_or(Deprovision::Deactivate),
        request.adopt.unwrap_or(false),
    )
}

fn required_people(request: &SyncRequest) -> Result<&People, ServiceError> {
    request.people.as_ref().ok_or_else(|| {
        ServiceError::Invalid(
            crate::domain::FieldError::new("people", "is required to plan").into(),
        )
    })
}

/// Refuses more deprovisions than the rules allow (more than `percent` of the
/// managed accounts, or more than `count`).
fn check_deprovision_limit(plan: &Plan, rules: &Rules) -> Result<(), ServiceError> {
    let deprovisions = plan
        .items
        .iter()
        .filter(|i| i.action == Action::Deactivate)
        .count();
    let limit = rules.deprovision_limit;
    // "More than percent% of the managed accounts", compared exactly.
    let over_share = deprovisions * 100 > plan.managed * limit.percent as usize;
    if over_share || deprovisions > limit.count as usize {
        return Err(ServiceError::DeprovisionThreshold(format!(
            "the plan deprovisions {}; the limit is {}% of the {} managed ({}) and at most {}; \
             review the plan and apply with `force: true` if it is right",
            accounts(deprovisions),
            limit.percent,
            accounts(plan.managed),
            plan.managed * limit.percent as usize / 100,
            limit.count
        )));
    }
    Ok(())
}

fn accounts(n: usize) -> String {
    if n == 1 {
        "1 account".into()
    } else {
        format!("{n} accounts")
    }
}

/// A digest of what was asked: the people (as sent), `deprovision` and `adopt`.
fn input_hash(people: &People, deprovision: Deprovision, adopt: bool) -> String {
    let mut hasher = Sha256::new();
    hasher.update(deprovision.as_str());
    hasher.update([u8::from(adopt)]);
    for text in people.texts() {
        hasher.update(text);
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}
