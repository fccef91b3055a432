//! How changes travel to an app: SCIM PATCH, or GET-merge-PUT with If-Match,
//! as the profile and the app's ServiceProviderConfig say.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Target, Users, to_user};
use crate::{
    domain::User,
    providers::PatchSupport,
    scim::{PatchOp, PatchOperation, apply_operations, id_of},
    service::ServiceError,
};

/// Per connection (id, revision): when its ServiceProviderConfig was read and whether it offers PATCH.
pub(super) type PatchCache = Arc<Mutex<HashMap<(Uuid, i64), (Instant, bool)>>>;

/// How often a GET-merge-PUT is redone when the app reports a concurrent change (412).
const MERGE_ATTEMPTS: usize = 3;

/// How long a ServiceProviderConfig answer is trusted.
const CONFIG_TTL: Duration = Duration::from_secs(600);

impl Users {
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
    pub(super) async fn apply(
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
