//! Users in an app, through the connection's provider profile: the dispatch
//! from provisio's uniform operations to each app's SCIM dialect. Every write
//! is recorded in the operation log.

mod listing;
mod probe;
mod writes;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    ServiceError,
    app::{AppConnection, Apps, Op, Subject},
};
use crate::{
    domain::{Caller, ConnectionKey, FieldErrors, User, UserFields, UserPatch},
    scim::{Endpoint, PatchOperation, ProviderError, ProviderErrorKind},
    store::{DynStore, ManagedUserRow},
};

pub use listing::{UserPage, UserQuery};

pub use probe::{Check, ProbeReport};

/// A user provisioned, and the connection it lives behind.
pub struct Provisioned {
    pub connection_id: Uuid,
    pub user: User,
}

#[derive(Clone)]
pub struct UserService {
    apps: Apps,
    /// For the managed-account links (`managed_user`).
    store: DynStore,
}

impl UserService {
    pub fn new(apps: Apps, store: DynStore) -> Self {
        Self { apps, store }
    }

    /// Provisions a user (hire). Every field is checked before the app is called.
    pub async fn create(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        fields: UserFields,
    ) -> Result<Provisioned, ServiceError> {
        let op = self.apps.start(key, caller).await?;
        let app = op.app.clone();
        let mut errors = fields.validate();
        errors.extend(app.profile.validate_new_user(&fields, &app.connection));
        into_result(errors)?;
        let users = self.clone();
        let subject = Subject::user_name(&fields.user_name);
        let user = self
            .apps
            .logged(op, "create_user", subject, move |op| async move {
                users.create_in(&op, fields).await
            })
            .await?;
        Ok(Provisioned {
            connection_id: app.connection.id,
            user,
        })
    }

    async fn create_in(&self, op: &Op, fields: UserFields) -> Result<User, ServiceError> {
        let app = &op.app;
        let resource = app.profile.user_resource(&fields, &app.connection);
        let created = self
            .apps
            .scim(op)
            .create_user(&resource, op.caller.resumed)
            .await
            .map_err(|e| explain_missing_endpoint(e, &app.endpoint))?;
        let user = to_user(app, &created)?;
        self.manage(app, &user, fields.external_id).await;
        Ok(user)
    }

    /// Links an account provisio created as managed: a sync may update and
    /// deprovision it. The link keeps the external id the caller gave (the
    /// person's key), whatever the app kept of it. A link the database
    /// refuses is written later, not answered: the account exists.
    async fn manage(&self, app: &AppConnection, user: &User, external_id: Option<String>) {
        let now = crate::store::now();
        let row = ManagedUserRow {
            connection_id: app.connection.id,
            provider_user_id: user.id.clone(),
            external_id,
            user_name: user.fields.user_name.clone(),
            applied_hash: None,
            created_at: now,
            updated_at: now,
        };
        self.apps.log().link_managed(row).await;
    }

    /// Unlinks a deleted account, so it no longer counts among the managed
    /// (the deprovision limit's denominator), now or, if the database refuses,
    /// later: the account is gone either way.
    async fn forget(&self, app: &AppConnection, id: &str) {
        self.apps.log().unlink_managed(app.connection.id, id).await;
    }

    pub async fn get(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
    ) -> Result<User, ServiceError> {
        let op = self.apps.start(key, caller).await?;
        self.read(&op, id).await
    }

    async fn read(&self, op: &Op, id: &str) -> Result<User, ServiceError> {
        let resource = self.apps.scim(op).get_user(id).await?;
        to_user(&op.app, &resource)
    }

    /// Walks every account in the app, page by page, handing each to `visit`.
    pub async fn accounts(
        &self,
        app: &std::sync::Arc<AppConnection>,
        caller: &Caller,
        mut visit: impl FnMut(User),
    ) -> Result<(), ServiceError> {
        let op = self.apps.begin(app.clone(), caller);
        self.apps
            .scim(&op)
            .walk_users(None, self.walk_page_size(&op), |page| {
                readable(app, page).into_iter().for_each(&mut visit);
                std::ops::ControlFlow::Continue(())
            })
            .await?;
        Ok(())
    }

    /// Applies a merge patch: SCIM PATCH or GET-merge-PUT, as the profile says.
    pub async fn update(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
        patch: &UserPatch,
    ) -> Result<User, ServiceError> {
        let op = self.apps.start(key, caller).await?;
        let mut errors = patch.validate();
        errors.extend(op.app.profile.validate_patch(patch));
        into_result(errors)?;
        let (empty, operations) = (patch.is_empty(), op.app.profile.patch_operations(patch));
        let (users, id) = (self.clone(), id.to_owned());
        self.apps
            .logged(
                op,
                "update_user",
                Subject::user(&id),
                move |op| async move {
                    if empty {
                        users.read(&op, &id).await
                    } else {
                        users.apply(&op, &id, operations).await
                    }
                },
            )
            .await
    }

    /// Deactivates (leaver) or reactivates (rehire) the provider's way.
    pub async fn set_active(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
        active: bool,
    ) -> Result<User, ServiceError> {
        let op = self.apps.start(key, caller).await?;
        let operation = if active {
            "reactivate_user"
        } else {
            "deactivate_user"
        };
        let operations = vec![PatchOperation::Replace {
            path: "active".into(),
            value: active.into(),
        }];
        let (users, id) = (self.clone(), id.to_owned());
        self.apps
            .logged(op, operation, Subject::user(&id), move |op| async move {
                users.apply(&op, &id, operations).await
            })
            .await
    }

    /// Hard-deletes, where the provider has a real delete.
    pub async fn delete(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
    ) -> Result<(), ServiceError> {
        let op = self.apps.start(key, caller).await?;
        if let Some(reason) = op.app.profile.delete_refusal() {
            return Err(ServiceError::Unsupported(reason.to_owned()));
        }
        let (users, id) = (self.clone(), id.to_owned());
        self.apps
            .logged(
                op,
                "delete_user",
                Subject::user(&id),
                move |op| async move {
                    users.apps.scim(&op).delete_user(&id).await?;
                    users.forget(&op.app, &id).await;
                    Ok(())
                },
            )
            .await
    }
}

/// The unified users in a page of resources, skipping (with a warning) those
/// the app returned without the attributes provisio needs.
fn readable(app: &AppConnection, resources: Vec<Map<String, Value>>) -> Vec<User> {
    let mut unreadable = 0usize;
    let users = resources
        .iter()
        .filter_map(|r| app.profile.read_user(r).map_err(|_| unreadable += 1).ok())
        .collect();
    if unreadable > 0 {
        tracing::warn!(
            unreadable,
            "skipped users the app returned without the attributes provisio needs (an id and a userName)"
        );
    }
    users
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

fn to_user(app: &AppConnection, resource: &Map<String, Value>) -> Result<User, ServiceError> {
    app.profile.read_user(resource).map_err(|reason| {
        ServiceError::Provider(ProviderError::new(
            ProviderErrorKind::InvalidResponse,
            reason,
        ))
    })
}
