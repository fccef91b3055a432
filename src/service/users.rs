//! Users in an app, through the connection's provider profile: the dispatch
//! from provisio's uniform operations to each app's SCIM dialect.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Connections, ServiceError};
use crate::{
    domain::{Connection, ConnectionKey, FieldErrors, User, UserFields, UserPatch},
    providers::{self, PatchSupport, Provider},
    scim::{
        Endpoint, Filter, PatchOp, PatchOperation, ProviderError, ProviderErrorKind, ScimClient,
        apply_operations, id_of,
    },
};

/// Per connection (id, revision): when its ServiceProviderConfig was read and whether it offers PATCH.
type PatchCache = Arc<Mutex<HashMap<(Uuid, i64), (Instant, bool)>>>;

/// How often a GET-merge-PUT is redone when the app reports a concurrent change (412).
const MERGE_ATTEMPTS: usize = 3;

/// How long a ServiceProviderConfig answer is trusted.
const CONFIG_TTL: Duration = Duration::from_secs(600);

/// A connection ready to call: its profile and endpoint.
pub struct Target {
    pub connection: Connection,
    pub profile: &'static dyn Provider,
    pub endpoint: Endpoint,
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
    connections: Connections,
    client: ScimClient,
    patch_advertised: PatchCache,
    locks: UserLocks,
}

impl Users {
    pub fn new(connections: Connections, client: ScimClient) -> Self {
        Self {
            connections,
            client,
            patch_advertised: Arc::default(),
            locks: UserLocks::default(),
        }
    }

    /// Opens the connection's credentials and shapes its endpoint.
    pub async fn target(&self, key: &ConnectionKey) -> Result<Target, ServiceError> {
        let (connection, credentials) = self.connections.get_with_credentials(key).await?;
        let profile = providers::provider(connection.provider);
        let endpoint = providers::endpoint(&connection, &credentials);
        Ok(Target {
            connection,
            profile,
            endpoint,
        })
    }

    /// Provisions a user (hire). Every field is checked before the app is called.
    pub async fn create(&self, target: &Target, fields: UserFields) -> Result<User, ServiceError> {
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
            .create_user(&target.endpoint, &resource)
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
    pub async fn update(
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
    pub async fn set_active(
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
    pub async fn delete(&self, target: &Target, id: &str) -> Result<(), ServiceError> {
        if let Some(reason) = target.profile.delete_refusal() {
            return Err(ServiceError::Unsupported(reason.to_owned()));
        }
        self.client.delete_user(&target.endpoint, id).await?;
        Ok(())
    }

    /// Reaches the app, checks authentication, lists one user and reads the
    /// ServiceProviderConfig where the app has one. Stops at the first failure
    /// that makes later checks meaningless.
    pub async fn test(&self, target: &Target) -> Vec<Check> {
        let mut checks = Vec::new();
        let listed = self.client.list_users(&target.endpoint, None, 1, 1).await;
        match &listed {
            Err(e) if e.status.is_none() => {
                checks.push(Check {
                    name: "reach",
                    outcome: Err(e.clone()),
                });
                return checks;
            }
            _ => checks.push(Check {
                name: "reach",
                outcome: Ok(format!("{} answered", target.endpoint.base)),
            }),
        }
        match listed {
            Err(e) if e.kind == ProviderErrorKind::Unauthorized => {
                checks.push(Check {
                    name: "authenticate",
                    outcome: Err(e),
                });
                return checks;
            }
            Err(e) => {
                checks.push(Check {
                    name: "authenticate",
                    outcome: Ok("the credentials were accepted".into()),
                });
                checks.push(Check {
                    name: "list_users",
                    outcome: Err(explain_missing_endpoint(e, &target.endpoint)),
                });
            }
            Ok(list) => {
                checks.push(Check {
                    name: "authenticate",
                    outcome: Ok("the credentials were accepted".into()),
                });
                let total = list
                    .total_results
                    .map_or_else(|| "an unknown number of".to_owned(), |t| t.to_string());
                checks.push(Check {
                    name: "list_users",
                    outcome: Ok(format!("the app holds {total} users")),
                });
            }
        }
        if target.profile.has_service_provider_config() {
            let outcome = self
                .client
                .service_provider_config(&target.endpoint)
                .await
                .map(|config| {
                    let yes_no = |b: Option<bool>| if b.unwrap_or(false) { "yes" } else { "no" };
                    format!(
                        "PATCH supported: {}; filtering supported: {}",
                        yes_no(config.patch.supported),
                        yes_no(config.filter.supported)
                    )
                });
            checks.push(Check {
                name: "service_provider_config",
                outcome,
            });
        }
        checks
    }

    async fn apply_locked(
        &self,
        target: &Target,
        id: &str,
        operations: Vec<PatchOperation>,
    ) -> Result<User, ServiceError> {
        let (by_patch, by_put): (Vec<_>, Vec<_>) = match self.patch_support(target).await {
            PatchSupport::Full => (operations, Vec::new()),
            PatchSupport::ActiveOnly => {
                operations.into_iter().partition(|op| op.path() == "active")
            }
            PatchSupport::None | PatchSupport::AsAdvertised => (Vec::new(), operations),
        };
        let mut resource = None;
        if !by_put.is_empty() {
            resource = Some(self.merge_put(target, id, &by_put).await?);
        }
        if !by_patch.is_empty() {
            resource = Some(
                self.client
                    .patch_user(&target.endpoint, id, &PatchOp::new(by_patch))
                    .await?,
            );
        }
        match resource {
            Some(resource) => to_user(target, &resource),
            None => self.get(target, id).await,
        }
    }

    /// Writes to one user are serialised within this process, so two requests
    /// cannot interleave a GET-merge-PUT (across processes, If-Match guards).
    async fn apply(
        &self,
        target: &Target,
        id: &str,
        operations: Vec<PatchOperation>,
    ) -> Result<User, ServiceError> {
        let _guard = self.locks.lock((target.connection.id, id.to_owned())).await;
        self.apply_locked(target, id, operations).await
    }

    /// GET the resource, apply the operations locally, PUT it back: everything
    /// provisio does not model (groups, addresses, app extensions) survives.
    ///
    /// The PUT carries `If-Match` with the version read (where the app gives
    /// one), so a change made meanwhile (a deactivation, say) is not silently
    /// overwritten: the app answers 412 and the merge is redone on fresh data.
    async fn merge_put(
        &self,
        target: &Target,
        id: &str,
        operations: &[PatchOperation],
    ) -> Result<Map<String, Value>, ServiceError> {
        let mut attempt = 1;
        loop {
            let mut resource = self.client.get_user(&target.endpoint, id).await?;
            let version = resource
                .get("meta")
                .and_then(|m| m.get("version"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            apply_operations(&mut resource, operations);
            resource.remove("meta");
            if id_of(&resource).is_none() {
                resource.insert("id".into(), id.into());
            }
            match self
                .client
                .replace_user(&target.endpoint, id, &resource, version.as_deref())
                .await
            {
                Err(e) if e.status == Some(412) && attempt < MERGE_ATTEMPTS => attempt += 1,
                result => return Ok(result?),
            }
        }
    }

    /// The profile's patch support, resolving `AsAdvertised` from the app's
    /// (cached) ServiceProviderConfig. PATCH is optional in RFC 7644, so an
    /// app that does not say it supports it gets GET-merge-PUT; an unreadable
    /// configuration is not cached, and this call uses PUT, which always works.
    async fn patch_support(&self, target: &Target) -> PatchSupport {
        let support = target.profile.patch_support();
        if support != PatchSupport::AsAdvertised {
            return support;
        }
        let key = (target.connection.id, target.connection.revision);
        if let Some(patch) = self.cached_patch_support(key) {
            return if patch {
                PatchSupport::Full
            } else {
                PatchSupport::None
            };
        }
        let patch = match self.client.service_provider_config(&target.endpoint).await {
            Ok(config) => config.patch.supported.unwrap_or(false),
            Err(error) => {
                tracing::warn!(error = %error, "could not read ServiceProviderConfig; updating with GET-merge-PUT");
                return PatchSupport::None;
            }
        };
        if let Ok(mut cache) = self.patch_advertised.lock() {
            cache.retain(|_, (at, _)| at.elapsed() < CONFIG_TTL);
            cache.insert(key, (Instant::now(), patch));
        }
        if patch {
            PatchSupport::Full
        } else {
            PatchSupport::None
        }
    }

    fn cached_patch_support(&self, key: (Uuid, i64)) -> Option<bool> {
        let cache = self.patch_advertised.lock().ok()?;
        cache
            .get(&key)
            .filter(|(at, _)| at.elapsed() < CONFIG_TTL)
            .map(|(_, patch)| *patch)
    }
}

/// One async mutex per (connection, user), created on demand and dropped when unused.
#[derive(Clone, Default)]
struct UserLocks(Arc<Mutex<HashMap<UserKey, Arc<tokio::sync::Mutex<()>>>>>);

/// A user in one connection.
type UserKey = (Uuid, String);

struct UserGuard {
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    locks: UserLocks,
    key: (Uuid, String),
}

impl UserLocks {
    async fn lock(&self, key: (Uuid, String)) -> UserGuard {
        let mutex = match self.0.lock() {
            Ok(mut map) => map.entry(key.clone()).or_default().clone(),
            // A poisoned map only means another request panicked: lock nothing rather than fail.
            Err(_) => Arc::default(),
        };
        UserGuard {
            guard: Some(mutex.lock_owned().await),
            locks: self.clone(),
            key,
        }
    }
}

impl Drop for UserGuard {
    fn drop(&mut self) {
        self.guard.take();
        if let Ok(mut map) = self.locks.0.lock()
            && map
                .get(&self.key)
                .is_some_and(|m| Arc::strong_count(m) == 1)
        {
            map.remove(&self.key);
        }
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
