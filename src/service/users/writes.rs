//! How changes travel to an app: SCIM PATCH, or GET-merge-PUT with If-Match,
//! as the profile and the app's ServiceProviderConfig say.

use serde_json::{Map, Value};

use super::{UserService, to_user};
use crate::{
    domain::User,
    providers::PatchSupport,
    scim::{PatchOp, PatchOperation, apply_operations, id_of},
    service::{ServiceError, app::Op},
};

/// How often a GET-merge-PUT is redone when the app reports a concurrent change (412).
const MERGE_ATTEMPTS: usize = 3;

impl UserService {
    /// Writes to one user are serialised within this process, so two requests
    /// cannot interleave a GET-merge-PUT (across processes, If-Match guards).
    pub(super) async fn apply(
        &self,
        op: &Op,
        id: &str,
        operations: Vec<PatchOperation>,
    ) -> Result<User, ServiceError> {
        let _guard = self.apps.lock(op, id).await;
        let (by_patch, by_put): (Vec<_>, Vec<_>) = match self.apps.patch_support(op).await {
            PatchSupport::Full => (operations, Vec::new()),
            PatchSupport::ActiveOnly => {
                operations.into_iter().partition(|op| op.path() == "active")
            }
            PatchSupport::None | PatchSupport::AsAdvertised => (Vec::new(), operations),
        };
        let mut resource = None;
        if !by_put.is_empty() {
            resource = Some(self.merge_put(op, id, &by_put).await?);
        }
        if !by_patch.is_empty() {
            let attributes = op.app.profile.user_attributes();
            resource = Some(
                self.apps
                    .scim(op)
                    .patch_user(id, &PatchOp::new(by_patch), &attributes)
                    .await?,
            );
        }
        match resource {
            Some(resource) => to_user(&op.app, &resource),
            None => self.read(op, id).await,
        }
    }

    /// GET the resource, apply the operations locally, PUT it back: everything
    /// provisio does not model (groups, addresses, app extensions) survives.
    ///
    /// The PUT carries `If-Match` with the version read (where the app gives
    /// one), so a change made meanwhile (a deactivation, say) is not silently
    /// overwritten: the app answers 412 and the merge is redone on fresh data.
    async fn merge_put(
        &self,
        op: &Op,
        id: &str,
        operations: &[PatchOperation],
    ) -> Result<Map<String, Value>, ServiceError> {
        let scim = self.apps.scim(op);
        let mut attempt = 1;
        loop {
            let mut resource = scim.get_user(id).await?;
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
            match scim.replace_user(id, &resource, version.as_deref()).await {
                Err(e) if e.status == Some(412) && attempt < MERGE_ATTEMPTS => attempt += 1,
                result => return Ok(result?),
            }
        }
    }
}
