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

/// Per connection (id, revision): whether its ServiceProviderConfig offers PATCH,
/// and until when that answer holds. Each slot is read by one caller at a time,
/// so a burst of writes to a new connection reads the configuration once.
pub(super) type PatchCache = Arc<Mutex<HashMap<(Uuid, i64), PatchSlot>>>;
type PatchSlot = Arc<tokio::sync::Mutex<Option<(Instant, bool)>>>;

/// How often a GET-merge-PUT is redone when the app reports a concurrent change (412).
const MERGE_ATTEMPTS: usize = 3;

/// How long a ServiceProviderConfig answer is trusted.
const CONFIG_TTL: Duration = Duration::from_secs(600);

/// How long writes use GET-merge-PUT, without asking again, after the
/// ServiceProviderConfig could not be read.
const CONFIG_RETRY: Duration = Duration::from_secs(30);

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
    /// app that does not say it supports it gets GET-merge-PUT. An unreadable
    /// configuration means PUT, which always works, for `CONFIG_RETRY`.
    async fn patch_support(&self, target: &Target) -> PatchSupport {
        let support = target.profile.patch_support();
        if support != PatchSupport::AsAdvertised {
            return support;
        }
        let as_support = |patch| {
            if patch {
                PatchSupport::Full
            } else {
                PatchSupport::None
            }
        };
        let key = (target.connection.id, target.connection.revision);
        let Some(slot) = self.patch_slot(key) else {
            return PatchSupport::None;
        };
        let mut held = slot.lock().await;
        if let Some((until, patch)) = *held
            && Instant::now() < until
        {
            return as_support(patch);
        }
        let (trust, patch) = match self.client.service_provider_config(&target.endpoint).await {
            Ok(config) => (CONFIG_TTL, config.patch.supported.unwrap_or(false)),
            Err(error) => {
                tracing::warn!(error = %error, "could not read ServiceProviderConfig; updating with GET-merge-PUT");
                (CONFIG_RETRY, false)
            }
        };
        *held = Some((Instant::now() + trust, patch));
        as_support(patch)
    }

    /// The cache slot of one connection revision, dropping slots that have
    /// expired and that no one is reading.
    fn patch_slot(&self, key: (Uuid, i64)) -> Option<PatchSlot> {
        let mut cache = self.patch_advertised.lock().ok()?;
        let now = Instant::now();
        cache.retain(|k, slot| {
            *k == key
                || Arc::strong_count(slot) > 1
                || matches!(slot.try_lock().as_deref(), Ok(Some((until, _))) if now < *until)
        });
        Some(Arc::clone(cache.entry(key).or_default()))
    }
}
