//! Groups in an app, for every app that has SCIM Groups: list, read, create,
//! rename, delete, and (in `members`) who is in them. An app without Groups
//! is refused with `unsupported_operation` before it is called.

mod members;

use std::ops::ControlFlow;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    ServiceError,
    app::{AppConnection, Apps, Describe, Op, Subject},
};
use crate::{
    domain::{Caller, ConnectionKey, Group, GroupPatch, NewGroup},
    providers::{
        GroupSupport,
        group_mapping::{group_operations, group_resource, read_group},
    },
    scim::{Collection, Filter, ProviderError, apply_operations, id_of, version_of},
};

pub use members::{MemberPage, MembershipBatch};

/// One page of groups.
pub struct GroupPage {
    pub items: Vec<Group>,
    /// The 1-based index of the next page, when there is one.
    pub next_start: Option<u64>,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct GroupQuery {
    /// Only the group of this name (matched ignoring case).
    pub display_name: Option<String>,
    pub start: u64,
    pub count: u64,
}

/// A group made, and the connection it lives behind.
pub struct CreatedGroup {
    pub connection_id: Uuid,
    pub group: Group,
}

impl Describe for Group {
    fn describe(&self, subject: &mut Subject) {
        subject.group_id.get_or_insert_with(|| self.id.clone());
    }
}

#[derive(Clone)]
pub struct GroupService {
    apps: Apps,
}

impl GroupService {
    pub fn new(apps: Apps) -> Self {
        Self { apps }
    }

    /// Opens the connection for a group operation, refusing apps without Groups.
    async fn start(&self, key: &ConnectionKey, caller: &Caller) -> Result<Op, ServiceError> {
        let op = self.apps.start(key, caller).await?;
        self.require_groups(&op).await?;
        Ok(op)
    }

    /// Whether the app has Groups: its provider file, the app profile, or
    /// (once, then remembered in the profile) its `/ResourceTypes`.
    pub(crate) async fn require_groups(&self, op: &Op) -> Result<(), ServiceError> {
        let has = match op.app.profile.groups() {
            GroupSupport::Yes => true,
            GroupSupport::No => false,
            GroupSupport::AsAdvertised => self.advertises_groups(op).await?,
        };
        let has = op.app.endpoint.habits.get().groups.unwrap_or(has);
        if has {
            return Ok(());
        }
        let app = op.app.profile.descriptor().display_name;
        Err(ServiceError::Unsupported(format!(
            "this {app} app has no SCIM Groups (its /ResourceTypes and the connection's app_profile say so)"
        )))
    }

    async fn advertises_groups(&self, op: &Op) -> Result<bool, ServiceError> {
        let habits = &op.app.endpoint.habits;
        if let Some(known) = habits.get().groups {
            return Ok(known);
        }
        let scim = self.apps.scim(op);
        let has = match scim.resource_types().await {
            Ok(types) if !types.is_empty() => types.iter().any(|t| t == "Group"),
            _ => scim.has_groups_endpoint().await?,
        };
        habits.learn(|p| p.groups = Some(has)).await;
        Ok(has)
    }

    pub async fn list(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        query: &GroupQuery,
    ) -> Result<GroupPage, ServiceError> {
        let op = self.start(key, caller).await?;
        let filter = query.display_name.clone().map(Filter::DisplayNameEq);
        let scim = self.apps.scim(&op);
        let list = scim
            .list(
                Collection::Groups,
                filter.as_ref(),
                query.start,
                query.count,
            )
            .await
            .map_err(ServiceError::GroupProvider)?;
        if let Some(filter) = filter.filter(|_| list.filter_ignored) {
            // The app did not filter: the group may be on any page.
            let found = scim
                .find_groups(&filter)
                .await
                .map_err(ServiceError::GroupProvider)?;
            return Ok(GroupPage {
                items: readable(found),
                next_start: None,
            });
        }
        let received = list.received.min(query.count as usize) as u64;
        let next = query.start.checked_add(received);
        let more = received > 0
            && list
                .total_results
                .is_none_or(|total| next.is_some_and(|n| n <= total));
        let mut resources = list.resources;
        resources.truncate(query.count as usize);
        Ok(GroupPage {
            items: readable(resources),
            next_start: next.filter(|_| more),
        })
    }

    /// Every group of the app (without members), page by page.
    pub(crate) async fn all(&self, op: &Op) -> Result<Vec<Group>, ServiceError> {
        let mut groups = Vec::new();
        self.apps
            .scim(op)
            .walk(Collection::Groups, None, 100, |page| {
                groups.extend(readable(page));
                ControlFlow::Continue(())
            })
            .await
            .map_err(ServiceError::GroupProvider)?;
        Ok(groups)
    }

    /// One group, with its member count where the app gives members.
    pub async fn get(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
    ) -> Result<Group, ServiceError> {
        let op = self.start(key, caller).await?;
        let resource = self.resource(&op, id, true).await?;
        to_group(&resource)
    }

    /// One group's resource with its members (the sync's read).
    pub(crate) async fn read(&self, op: &Op, id: &str) -> Result<Map<String, Value>, ServiceError> {
        self.resource(op, id, true).await
    }

    async fn resource(
        &self,
        op: &Op,
        id: &str,
        members: bool,
    ) -> Result<Map<String, Value>, ServiceError> {
        self.apps
            .scim(op)
            .get_group(id, members)
            .await
            .map_err(ServiceError::GroupProvider)
    }

    pub async fn create(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        new: NewGroup,
    ) -> Result<CreatedGroup, ServiceError> {
        let op = self.start(key, caller).await?;
        new.validate()
            .into_result(())
            .map_err(ServiceError::Invalid)?;
        self.refuse_taken_name(&op, &new.display_name, None).await?;
        let connection_id = op.app.connection.id;
        let (apps, subject) = (self.apps.clone(), Subject::group(None));
        let group = self
            .apps
            .logged(op, "group_create", subject, move |op| async move {
                let scim = apps.scim(&op);
                let members = new.members.iter().map(|id| scim.member_value(id)).collect();
                let resource =
                    group_resource(&new.display_name, new.external_id.as_deref(), members);
                let created = scim
                    .create_group(&resource)
                    .await
                    .map_err(ServiceError::GroupProvider)?;
                to_group(&created)
            })
            .await?;
        Ok(CreatedGroup {
            connection_id,
            group,
        })
    }

    /// Roles name groups, so two groups of one name would make them ambiguous:
    /// a name taken (ignoring case) is refused before anything is created.
    async fn refuse_taken_name(
        &self,
        op: &Op,
        name: &str,
        except: Option<&str>,
    ) -> Result<(), ServiceError> {
        let same_name = Filter::DisplayNameEq(name.to_owned());
        let existing = self.apps.scim(op).find_groups(&same_name).await;
        let existing = existing.map_err(ServiceError::GroupProvider)?;
        let other = existing.iter().find(|g| id_of(g).as_deref() != except);
        match other {
            None => Ok(()),
            Some(group) => Err(ServiceError::GroupExists(format!(
                "the app already has a group named `{name}` (id {}); group names are compared ignoring case",
                id_of(group).unwrap_or_default()
            ))),
        }
    }

    /// The id of the group of this name (ignoring case), if the app has one.
    pub(crate) async fn id_of_named(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        name: &str,
    ) -> Result<Option<String>, ServiceError> {
        let op = self.start(key, caller).await?;
        let found = self
            .apps
            .scim(&op)
            .find_groups(&Filter::DisplayNameEq(name.to_owned()))
            .await
            .map_err(ServiceError::GroupProvider)?;
        Ok(found.first().and_then(id_of))
    }

    /// Renames a group or changes its external id: PATCH, or (for apps
    /// without it) GET-merge-PUT that keeps every member.
    pub async fn update(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
        patch: &GroupPatch,
    ) -> Result<Group, ServiceError> {
        let op = self.start(key, caller).await?;
        patch
            .validate()
            .into_result(())
            .map_err(ServiceError::Invalid)?;
        if let crate::domain::Patch::Value(name) = &patch.display_name {
            self.refuse_taken_name(&op, name, Some(id)).await?;
        }
        let (groups, id, operations) = (self.clone(), id.to_owned(), group_operations(patch));
        self.apps
            .logged(
                op,
                "group_update",
                Subject::group(Some(&id)),
                move |op| async move { groups.apply(&op, &id, operations).await },
            )
            .await
    }

    async fn apply(
        &self,
        op: &Op,
        id: &str,
        operations: Vec<crate::scim::PatchOperation>,
    ) -> Result<Group, ServiceError> {
        let _guard = self.apps.lock(op, &format!("group:{id}")).await;
        let scim = self.apps.scim(op);
        if !operations.is_empty() && self.patches(op).await {
            let answer = scim.patch_group(id, operations).await;
            if let Some(group) = answer.map_err(ServiceError::GroupProvider)? {
                return to_group(&group);
            }
        } else if !operations.is_empty() {
            let mut group = self.resource(op, id, true).await?;
            let version = version_of(&group);
            apply_operations(&mut group, &operations);
            group.remove("meta");
            let answer = scim.replace_group(id, &group, version.as_deref()).await;
            if let Some(group) = answer.map_err(ServiceError::GroupProvider)? {
                return to_group(&group);
            }
        }
        to_group(&self.resource(op, id, false).await?)
    }

    /// Whether changes to this app's groups may be sent as PATCH.
    async fn patches(&self, op: &Op) -> bool {
        use crate::providers::PatchSupport;
        match self.apps.patch_support(op).await {
            PatchSupport::Full | PatchSupport::ActiveOnly => {
                op.app.endpoint.habits.get().patch != Some(false)
            }
            PatchSupport::None | PatchSupport::AsAdvertised => false,
        }
    }

    pub async fn delete(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
    ) -> Result<(), ServiceError> {
        let op = self.start(key, caller).await?;
        let (apps, id) = (self.apps.clone(), id.to_owned());
        self.apps
            .logged(
                op,
                "group_delete",
                Subject::group(Some(&id)),
                move |op| async move {
                    apps.scim(&op)
                        .delete_group(&id)
                        .await
                        .map_err(ServiceError::GroupProvider)
                },
            )
            .await
    }

    /// Opens a connection's app for group work (the sync's).
    pub(crate) async fn open_checked(
        &self,
        app: std::sync::Arc<AppConnection>,
        caller: &Caller,
    ) -> Result<Op, ServiceError> {
        let op = self.apps.begin(app, caller);
        self.require_groups(&op).await?;
        Ok(op)
    }
}

fn to_group(resource: &Map<String, Value>) -> Result<Group, ServiceError> {
    read_group(resource).map_err(|reason| {
        ServiceError::GroupProvider(ProviderError::new(
            crate::scim::ProviderErrorKind::InvalidResponse,
            reason,
        ))
    })
}

/// The groups in a page of resources, skipping (with a warning) unreadable ones.
fn readable(resources: Vec<Map<String, Value>>) -> Vec<Group> {
    let total = resources.len();
    let groups: Vec<Group> = resources
        .iter()
        .filter(|r| id_of(r).is_some())
        .filter_map(|r| read_group(r).ok())
        .collect();
    if groups.len() < total {
        tracing::warn!(
            skipped = total - groups.len(),
            "skipped groups the app returned without an id or displayName"
        );
    }
    groups
}
