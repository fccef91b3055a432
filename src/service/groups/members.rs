//! Who is in a group, and changing it the way apps accept: `add` on
//! `members` with many values, `remove` with `members[value eq "…"]` paths,
//! batched (`member_batch_size`, 100 by default); where the app has no PATCH,
//! GET-merge-PUT of the group, which keeps every member nobody asked to change.
//! Adding a member twice or removing a non-member is not an error.

use serde_json::Value;

use super::{GroupService, to_group};
use crate::{
    domain::{Caller, ConnectionKey, Member, MembershipChange, MembershipResult},
    providers,
    scim::{add_members, member_id, member_ids, remove_members, version_of},
    service::{
        ServiceError,
        app::{Op, Subject},
    },
};

/// One page of a group's members.
pub struct MemberPage {
    pub items: Vec<Member>,
    /// The 1-based index of the next page, when there is one.
    pub next_start: Option<u64>,
}

/// Members to add and remove in one group, by user id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipBatch {
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

impl GroupService {
    /// A page of the group's members (the app sends them all; they are paged here).
    pub async fn members(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
        start: u64,
        count: u64,
    ) -> Result<MemberPage, ServiceError> {
        let op = self.start(key, caller).await?;
        let group = self.resource(&op, id, true).await?;
        to_group(&group)?;
        let all: Vec<Member> = group
            .get("members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| {
                Some(Member {
                    user_id: member_id(m)?,
                    display: m.get("display").and_then(Value::as_str).map(str::to_owned),
                })
            })
            .collect();
        let from = usize::try_from(start.saturating_sub(1)).unwrap_or(usize::MAX);
        let page: Vec<Member> = all
            .iter()
            .skip(from)
            .take(count as usize)
            .cloned()
            .collect();
        let next = from + page.len();
        Ok(MemberPage {
            next_start: (next < all.len()).then_some(next as u64 + 1),
            items: page,
        })
    }

    /// Adds and removes members: the group's members are read first, so only
    /// real changes are sent and the answer says what changed.
    pub async fn change_members(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
        change: &MembershipChange,
    ) -> Result<MembershipResult, ServiceError> {
        let op = self.start(key, caller).await?;
        change
            .validate()
            .into_result(())
            .map_err(ServiceError::Invalid)?;
        let batch = MembershipBatch {
            add: dedup(&change.add),
            remove: dedup(&change.remove),
        };
        let asked = batch.add.len() + batch.remove.len();
        let result = self.apply_batch(&op, id, batch, true).await?;
        Ok(MembershipResult {
            unchanged: asked - result.added - result.removed,
            ..result
        })
    }

    /// A sync run's batch: `read_first` when an earlier attempt may have
    /// applied part of it (the group's members are read, and only what is
    /// still missing or still there is sent).
    pub(crate) async fn sync_batch(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        id: &str,
        batch: MembershipBatch,
        read_first: bool,
    ) -> Result<MembershipResult, ServiceError> {
        let op = self.start(key, caller).await?;
        self.apply_batch(&op, id, batch, read_first).await
    }

    /// Applies `batch` to group `id` in calls of the connection's batch size,
    /// each logged (`members_add`, `members_remove`). With `read_first` the
    /// group's members are read and only what differs is sent (a resumed sync
    /// batch, or an API call that answers what changed).
    pub(crate) async fn apply_batch(
        &self,
        op: &Op,
        id: &str,
        mut batch: MembershipBatch,
        read_first: bool,
    ) -> Result<MembershipResult, ServiceError> {
        let _guard = self.apps.lock(op, &format!("group:{id}")).await;
        if read_first {
            let current = member_ids(&self.resource(op, id, true).await?);
            batch.add.retain(|m| !current.contains(m));
            batch.remove.retain(|m| current.contains(m));
        }
        let size = providers::member_batch_size(&op.app.connection, op.app.profile);
        let patches = self.patches(op).await;
        for chunk in batch.add.chunks(size) {
            self.write(op, id, chunk, &[], patches).await?;
        }
        for chunk in batch.remove.chunks(size) {
            self.write(op, id, &[], chunk, patches).await?;
        }
        Ok(MembershipResult {
            added: batch.add.len(),
            removed: batch.remove.len(),
            unchanged: 0,
        })
    }

    /// One call's worth of membership change, logged as its own operation.
    async fn write(
        &self,
        op: &Op,
        id: &str,
        add: &[String],
        remove: &[String],
        patches: bool,
    ) -> Result<(), ServiceError> {
        let (operation, count) = if add.is_empty() {
            ("members_remove", remove.len())
        } else {
            ("members_add", add.len())
        };
        let (groups, id, add, remove) =
            (self.clone(), id.to_owned(), add.to_vec(), remove.to_vec());
        self.apps
            .logged(
                self.apps.fork(op),
                operation,
                Subject::members(&id, count),
                move |op| async move {
                    if patches {
                        groups.patch_members(&op, &id, &add, &remove).await
                    } else {
                        groups.put_members(&op, &id, &add, &remove).await
                    }
                },
            )
            .await
    }

    async fn patch_members(
        &self,
        op: &Op,
        id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<(), ServiceError> {
        let scim = self.apps.scim(op);
        let mut operations = remove_members(remove);
        if !add.is_empty() {
            operations.push(add_members(
                add.iter().map(|m| scim.member_value(m)).collect(),
            ));
        }
        scim.patch_group(id, operations)
            .await
            .map(|_| ())
            .map_err(ServiceError::GroupProvider)
    }

    /// GET the group, change its member list, PUT it back with `If-Match`:
    /// every member nobody asked to change stays.
    async fn put_members(
        &self,
        op: &Op,
        id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<(), ServiceError> {
        let scim = self.apps.scim(op);
        let mut group = self.resource(op, id, true).await?;
        let version = version_of(&group);
        let mut members: Vec<Value> = group
            .get("members")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        members.retain(|m| {
            m.get("value")
                .and_then(Value::as_str)
                .is_none_or(|v| !remove.iter().any(|r| r == v))
        });
        let present = member_ids(&group);
        for user in add.iter().filter(|u| !present.contains(u)) {
            members.push(scim.member_value(user));
        }
        group.insert("members".into(), Value::Array(members));
        group.remove("meta");
        scim.replace_group(id, &group, version.as_deref())
            .await
            .map(|_| ())
            .map_err(ServiceError::GroupProvider)
    }
}

/// `ids` without repeats, in order.
fn dedup(ids: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.iter().filter(|id| seen.insert(*id)).cloned().collect()
}
