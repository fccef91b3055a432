//! What the app holds of the managed groups, read for a plan: every group
//! (without members) to find the ones the roles name, by id or display name
//! (ignoring case), then each of those with its members.

use std::{collections::HashMap, sync::Arc};

use super::{
    SyncService,
    accounts::{Accounts, Caseless},
    memberships::{FoundGroup, GroupState, ManagedGroup},
};
use crate::{
    domain::{Caller, Group, Rules, managed_groups},
    scim::member_ids,
    service::{ServiceError, app::AppConnection},
};

impl SyncService {
    /// The managed groups as the app holds them; empty when no role names one.
    pub(super) async fn group_state(
        &self,
        app: &Arc<AppConnection>,
        caller: &Caller,
        rules: &Rules,
        accounts: &Accounts,
    ) -> Result<GroupState, ServiceError> {
        let references = managed_groups(&rules.roles);
        if references.is_empty() {
            return Ok(GroupState::default());
        }
        let op = self.groups.open_checked(app.clone(), caller).await?;
        let all = self.groups.all(&op).await?;
        // Some apps answer members by user name rather than id.
        let by_name: HashMap<Caseless, &str> = accounts
            .iter()
            .map(|a| (Caseless(&a.user_name), &*a.id))
            .collect();
        let ids: std::collections::HashSet<&str> = accounts.iter().map(|a| &*a.id).collect();
        let mut groups = Vec::with_capacity(references.len());
        for reference in references {
            let found = match named(&all, &reference) {
                None => None,
                Some(group) => {
                    let resource = self.groups.read(&op, &group.id).await?;
                    let members = member_ids(&resource)
                        .into_iter()
                        .map(|m| match by_name.get(&Caseless(&m)) {
                            Some(id) if !ids.contains(m.as_str()) => (*id).to_owned(),
                            _ => m,
                        })
                        .collect();
                    Some(FoundGroup {
                        id: group.id.clone(),
                        display_name: group.display_name.clone(),
                        members,
                    })
                }
            };
            groups.push(ManagedGroup { reference, found });
        }
        Ok(GroupState { groups })
    }
}

/// The group a role names: by id, else by display name ignoring case.
fn named<'a>(groups: &'a [Group], reference: &str) -> Option<&'a Group> {
    groups.iter().find(|g| g.id == reference).or_else(|| {
        groups
            .iter()
            .find(|g| g.display_name.eq_ignore_ascii_case(reference))
    })
}
