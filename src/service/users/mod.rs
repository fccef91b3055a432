//! Users in an app, through the connection's provider profile: the dispatch
//! from provisio's uniform operations to each app's SCIM dialect. Every write
//! is recorded in the operation log.

mod check;
mod limits;
mod locks;
mod writes;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use serde_json::{Map, Value};

use super::{Connections, OperationEntry, OperationLog, ServiceError};
use crate::{
    domain::{Caller, Connection, ConnectionKey, FieldErrors, User, UserFields, UserPatch},
    providers::{self, Provider},
    scim::{
        CallStats, Endpoint, Filter, PatchOperation, ProviderError, ProviderErrorKind, ScimClient,
    },
    store::{DynStore, ManagedUserRow},
};

use limits::Limiters;
use locks::UserLocks;
use writes::PatchCache;

/// A connection ready to call on behalf of one request: its profile, its
/// endpoint (with the connection's shared rate budget and the request's time
/// budget), and who is asking.
#[derive(Clone)]
pub struct Target {
    pub connection: Connection,
    pub profile: &'static dyn Provider,
    pub endpoint: Endpoint,
    pub caller: Caller,
    /// Set by a sync run, so its changes can be found in the operation log.
    pub run_id: Option<uuid::Uuid>,
}

impl Target {
    /// A copy with fresh call statistics, for one operation's log entry.
    fn for_operation(&self) -> Target {
        let mut target = self.clone();
        target.endpoint.stats = Arc::new(CallStats::default());
        target
    }
}

/// One page of users.
pub struct UserPage {
    pub items: Vec<User>,
    /// The 1-based index of the next page, when there is one.
    pub next_start: Option<u64>,
    /// A fingerprint of this page's ids, to notice a server repeating a page.
    pub fingerprint: u64,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    pub start: u64,
    pub count: u64,
    /// The previous page's fingerprint: an identical page means the listing ended.
    pub previous: Option<u64>,
}

/// The outcome of one connection check.
pub struct Check {
    pub name: &'static str,
    pub outcome: Result<String, ProviderError>,
}

#[derive(Clone)]
pub struct Users {
    /// For the managed-account links (`managed_user`).
    store: DynStore,
    connections: Connections,
    client: ScimClient,
    log: OperationLog,
    /// How long one API request may take; retries stop short of it.
    request_budget: Duration,
    limiters: Limiters,
    patch_advertised: PatchCache,
    locks: UserLocks,
}

/// What calls to the app may not eat into: time left to answer the caller
/// (a tenth of the request deadline when that is shorter).
const ANSWER_MARGIN: Duration = Duration::from_secs(1);

impl Users {
    pub fn new(
        store: DynStore,
        connections: Connections,
        client: ScimClient,
        log: OperationLog,
        request_budget: Duration,
    ) -> Self {
        Self {
            store,
            connections,
            client,
            log,
            request_budget,
            limiters: Limiters::default(),
            patch_advertised: Arc::default(),
            locks: UserLocks::default(),
        }
    }

    /// Opens the connection's credentials and shapes its endpoint.
    pub async fn target(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
    ) -> Result<Target, ServiceError> {
        let (connection, credentials) = self.connections.get_with_credentials(key).await?;
        let profile = providers::provider(connection.provider);
        let mut endpoint = providers::endpoint(&connection, &credentials);
        endpoint.limiter = self.limiters.for_connection(&connection);
        endpoint.deadline = Some(
            Instant::now()
                + self
                    .request_budget
                    .saturating_sub(ANSWER_MARGIN.min(self.request_budget / 10)),
        );
        Ok(Target {
            connection,
            profile,
            endpoint,
            caller: caller.clone(),
            run_id: None,
        })
    }

    /// The connections these users live behind.
    pub fn connections(&self) -> &Connections {
        &self.connections
    }

    /// The SCIM client every call goes through.
    pub fn client(&self) -> &ScimClient {
        &self.client
    }

    /// Provisions a user (hire). Every field is checked before the app is called.
    pub async fn create(&self, target: &Target, fields: UserFields) -> Result<User, ServiceError> {
        let target = target.for_operation();
        self.detached(move |users| async move { users.create_logged(&target, fields).await })
            .await
    }

    /// Applies a merge patch: SCIM PATCH or GET-merge-PUT, as the profile says.
    pub async fn update(
        &self,
        target: &Target,
        id: &str,
        patch: &UserPatch,
    ) -> Result<User, ServiceError> {
        let (target, id, patch) = (target.for_operation(), id.to_owned(), patch.clone());
        self.detached(move |users| async move { users.update_logged(&target, &id, &patch).await })
            .await
    }

    /// Deactivates (leaver) or reactivates (rehire) the provider's way.
    pub async fn set_active(
        &self,
        target: &Target,
        id: &str,
        active: bool,
    ) -> Result<User, ServiceError> {
        let (target, id) = (target.for_operation(), id.to_owned());
        self.detached(
            move |users| async move { users.set_active_logged(&target, &id, active).await },
        )
        .await
    }

    /// Hard-deletes, where the provider has a real delete.
    pub async fn delete(&self, target: &Target, id: &str) -> Result<(), ServiceError> {
        let (target, id) = (target.for_operation(), id.to_owned());
        self.detached(move |users| async move { users.delete_logged(&target, &id).await })
            .await
    }

    /// Runs a write to its end even if the caller goes away (a disconnect, the
    /// request deadline, shutdown): the app may be changing, so the call must
    /// finish and be recorded in the operation log either way.
    async fn detached<T, F>(&self, write: impl FnOnce(Users) -> F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: std::future::Future<Output = Result<T, ServiceError>> + Send + 'static,
    {
        tokio::spawn(write(self.clone()))
            .await
            .unwrap_or_else(|e| Err(ServiceError::Aborted(e.to_string())))
    }

    async fn create_logged(
        &self,
        target: &Target,
        fields: UserFields,
    ) -> Result<User, ServiceError> {
        let started = Instant::now();
        let user_name = fields.user_name.clone();
        let result = self.create_unlogged(target, fields).await;
        let user = result.as_ref().ok();
        if let Some(user) = user {
            self.manage(target, user).await;
        }
        self.record(
            target,
            "create_user",
            user.map(|u| u.id.clone()),
            Some(user_name),
            &result,
            started,
        )
        .await;
        result
    }

    /// Links an account provisio created as managed: a sync may update and
    /// deprovision it. A failure is logged, not answered: the account exists.
    async fn manage(&self, target: &Target, user: &User) {
        let now = crate::store::now();
        let row = ManagedUserRow {
            connection_id: target.connection.id,
            provider_user_id: user.id.clone(),
            external_id: user.fields.external_id.clone(),
            user_name: user.fields.user_name.clone(),
            applied_hash: None,
            created_at: now,
            updated_at: now,
        };
        if let Err(error) = self.store.upsert_managed_users(&[row]).await {
            tracing::error!(%error, user_id = %user.id, "could not record the new account as managed by provisio");
        }
    }

    async fn create_unlogged(
        &self,
        target: &Target,
        fields: UserFields,
    ) -> Result<User, ServiceError> {
        let mut errors = fields.validate();
        errors.extend(
            target
                .profile
                .validate_new_user(&fields, &target.connection),
        );
        into_result(errors)?;
        let resource = target.profile.user_resource(&fields, &target.connection);
        let created = self
            .client
            .create_user(&target.endpoint, &resource, target.caller.resumed)
            .await
            .map_err(|e| explain_missing_endpoint(e, &target.endpoint))?;
        to_user(target, &created)
    }

    pub async fn get(&self, target: &Target, id: &str) -> Result<User, ServiceError> {
        let resource = self.client.get_user(&target.endpoint, id).await?;
        to_user(target, &resource)
    }

    pub async fn list(&self, target: &Target, query: &UserQuery) -> Result<UserPage, ServiceError> {
        let filter = match (&query.user_name, &query.external_id) {
            (Some(user_name), _) => Some(Filter::UserNameEq(user_name.clone())),
            (None, Some(external_id)) => Some(Filter::ExternalIdEq(external_id.clone())),
            (None, None) => None,
        };
        let list = self
            .client
            .list_users(&target.endpoint, filter.as_ref(), query.start, query.count)
            .await
            .map_err(|e| explain_missing_endpoint(e, &target.endpoint))?;
        // Judged on everything the server sent, before local filtering.
        let fingerprint = fingerprint(&list.ids);
        let mut resources = list.resources;
        // The client re-checked the filter it sent; the second one is checked here.
        if let (Some(_), Some(external_id)) = (&query.user_name, &query.external_id) {
            resources.retain(|r| Filter::ExternalIdEq(external_id.clone()).matches(r));
        }
        resources.truncate(query.count as usize);
        if query.previous == Some(fingerprint) && list.received > 0 {
            return Ok(UserPage {
                items: Vec::new(),
                next_start: None,
                fingerprint,
            });
        }
        let received = list.received.min(query.count as usize) as u64;
        let next = query.start.checked_add(received);
        let more = received > 0
            && list
                .total_results
                .is_none_or(|total| next.is_some_and(|n| n <= total));
        let items = resources
            .iter()
            .filter_map(|r| match target.profile.read_user(r) {
                Ok(user) => Some(user),
                Err(reason) => {
                    tracing::warn!(
                        reason,
                        "skipping a user the app returned without the attributes provisio needs"
                    );
                    None
                }
            })
            .collect();
        Ok(UserPage {
            items,
            next_start: next.filter(|_| more),
            fingerprint,
        })
    }

    /// Applies a merge patch: SCIM PATCH or GET-merge-PUT, as the profile says.
    async fn update_logged(
        &self,
        target: &Target,
        id: &str,
        patch: &UserPatch,
    ) -> Result<User, ServiceError> {
        let started = Instant::now();
        let result = self.update_unlogged(target, id, patch).await;
        self.record_user(target, "update_user", id, &result, started)
            .await;
        result
    }

    async fn update_unlogged(
        &self,
        target: &Target,
        id: &str,
        patch: &UserPatch,
    ) -> Result<User, ServiceError> {
        let mut errors = patch.validate();
        errors.extend(target.profile.validate_patch(patch));
        into_result(errors)?;
        if patch.is_empty() {
            return self.get(target, id).await;
        }
        let operations = target.profile.patch_operations(patch);
        self.apply(target, id, operations).await
    }

    /// Deactivates (leaver) or reactivates (rehire) the provider's way.
    async fn set_active_logged(
        &self,
        target: &Target,
        id: &str,
        active: bool,
    ) -> Result<User, ServiceError> {
        let started = Instant::now();
        let operation = if active {
            "reactivate_user"
        } else {
            "deactivate_user"
        };
        let result = self.set_active_unlogged(target, id, active).await;
        self.record_user(target, operation, id, &result, started)
            .await;
        result
    }

    async fn set_active_unlogged(
        &self,
        target: &Target,
        id: &str,
        active: bool,
    ) -> Result<User, ServiceError> {
        let operations = vec![PatchOperation::Replace {
            path: "active".into(),
            value: active.into(),
        }];
        self.apply(target, id, operations).await
    }

    /// Hard-deletes, where the provider has a real delete.
    async fn delete_logged(&self, target: &Target, id: &str) -> Result<(), ServiceError> {
        if let Some(reason) = target.profile.delete_refusal() {
            return Err(ServiceError::Unsupported(reason.to_owned()));
        }
        let started = Instant::now();
        let result = self
            .client
            .delete_user(&target.endpoint, id)
            .await
            .map_err(ServiceError::from);
        self.record(
            target,
            "delete_user",
            Some(id.to_owned()),
            None,
            &result,
            started,
        )
        .await;
        result
    }

    async fn record_user(
        &self,
        target: &Target,
        operation: &'static str,
        id: &str,
        result: &Result<User, ServiceError>,
        started: Instant,
    ) {
        let user_name = result.as_ref().ok().map(|u| u.fields.user_name.clone());
        self.record(
            target,
            operation,
            Some(id.to_owned()),
            user_name,
            result,
            started,
        )
        .await;
    }

    /// Logs a write that reached (or tried to reach) the app; refusals made
    /// before any call (invalid input, unsupported operations) are not calls.
    async fn record<T>(
        &self,
        target: &Target,
        operation: &'static str,
        user_id: Option<String>,
        user_name: Option<String>,
        result: &Result<T, ServiceError>,
        started: Instant,
    ) {
        let error = match result {
            Ok(_) => None,
            Err(e @ ServiceError::Provider(_)) => Some(e.code()),
            Err(_) => return,
        };
        self.log
            .record(OperationEntry {
                connection: &target.connection,
                operation,
                user_id,
                user_name,
                error,
                provider_status: target.endpoint.stats.last_status(),
                attempts: target.endpoint.stats.attempts(),
                duration: started.elapsed(),
                caller: &target.caller,
                run_id: target.run_id,
            })
            .await;
    }
}

/// A 404 on the collection itself means the base URL is wrong, not that a user is missing.
fn explain_missing_endpoint(error: ProviderError, endpoint: &Endpoint) -> ProviderError {
    if error.kind != ProviderErrorKind::NotFound {
        return error;
    }
    ProviderError {
        kind: ProviderErrorKind::Rejected,
        detail: Some(format!(
            "there is no SCIM Users endpoint under {}; check the connection's instance_url",
            endpoint.base
        )),
        ..error
    }
}

fn into_result(errors: FieldErrors) -> Result<(), ServiceError> {
    errors.into_result(()).map_err(ServiceError::Invalid)
}

fn to_user(target: &Target, resource: &Map<String, Value>) -> Result<User, ServiceError> {
    target.profile.read_user(resource).map_err(|reason| {
        ServiceError::Provider(ProviderError::new(
            ProviderErrorKind::InvalidResponse,
            reason,
        ))
    })
}

/// FNV-1a over the page's ids: cheap, stable, and only compared with itself.
fn fingerprint(ids: &[String]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for byte in id.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}
