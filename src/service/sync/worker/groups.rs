//! Applying a run's group items: creating a missing managed group, and
//! batches of memberships. They run after every account and group change of
//! their run (their phase), so a member the run created is found through its
//! managed link, and a group it created by its name.

use uuid::Uuid;

use super::Worker;
use crate::{
    domain::{Caller, ConnectionKey, GroupTarget, MembersPayload, NewGroup},
    service::{ServiceError, groups::MembershipBatch},
};

impl Worker {
    /// Creates a group a role names; one made by an earlier attempt is kept.
    pub(super) async fn create_group(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        group: &GroupTarget,
    ) -> Result<(), ServiceError> {
        let new = NewGroup {
            display_name: group.display_name.clone(),
            external_id: None,
            members: Vec::new(),
        };
        match self.groups.create(key, caller, new).await {
            Ok(_) | Err(ServiceError::GroupExists(_)) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Adds (`add`) or removes a batch of members. A resumed attempt reads
    /// the group first, so each change lands once.
    pub(super) async fn members(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        payload: &MembersPayload,
        add: bool,
        connection_id: Uuid,
    ) -> Result<(), ServiceError> {
        let group_id = match &payload.group.id {
            Some(id) => id.clone(),
            None => self
                .groups
                .id_of_named(key, caller, &payload.group.display_name)
                .await?
                .ok_or_else(|| {
                    ServiceError::Unsupported(format!(
                        "the group `{}` the run was to create does not exist",
                        payload.group.display_name
                    ))
                })?,
        };
        let (ids, missing) = self.member_ids(payload, connection_id).await?;
        let batch = if add {
            MembershipBatch {
                add: ids,
                remove: Vec::new(),
            }
        } else {
            MembershipBatch {
                add: Vec::new(),
                remove: ids,
            }
        };
        self.groups
            .sync_batch(key, caller, &group_id, batch, caller.resumed)
            .await?;
        if missing.is_empty() {
            return Ok(());
        }
        Err(ServiceError::Unsupported(format!(
            "no account for {}: its create did not succeed, so it was left out",
            missing.join(", ")
        )))
    }

    /// The account ids of a batch's members: given, or found through the
    /// managed link of the person's key (an account the run created). Those
    /// with neither are returned apart.
    async fn member_ids(
        &self,
        payload: &MembersPayload,
        connection_id: Uuid,
    ) -> Result<(Vec<String>, Vec<String>), ServiceError> {
        let (mut ids, mut missing) = (Vec::new(), Vec::new());
        for member in &payload.members {
            if let Some(id) = &member.user_id {
                ids.push(id.clone());
                continue;
            }
            let key = member.external_id.as_deref().unwrap_or_default();
            match self.store.managed_user_keyed(connection_id, key).await? {
                Some(link) => ids.push(link.user_id),
                None => missing.push(format!("external_id {key}")),
            }
        }
        Ok((ids, missing))
    }
}
