//! Planning group memberships: a person's desired groups are the union of the
//! groups of the roles they match (eligible, not leaving); the managed groups
//! (those the roles name) are brought to that, and only the memberships
//! provisio manages are ever changed. Pure, like the rest of the planner.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::plan::{PlanInput, PlanItem, wanted};
use crate::domain::{Action, Change, MemberRef, OnDeprovision};

/// The managed groups as the app holds them, for one plan.
#[derive(Debug, Clone, Default)]
pub struct GroupState {
    pub groups: Vec<ManagedGroup>,
}

/// A group some role names, and what the app has of it.
#[derive(Debug, Clone)]
pub struct ManagedGroup {
    /// How the roles name it (a display name, or an id).
    pub reference: String,
    pub found: Option<FoundGroup>,
}

#[derive(Debug, Clone)]
pub struct FoundGroup {
    pub id: String,
    pub display_name: String,
    /// Account ids of its members.
    pub members: Vec<String>,
}

impl ManagedGroup {
    /// The name a plan shows.
    pub fn name(&self) -> &str {
        self.found
            .as_ref()
            .map_or(&self.reference, |g| &g.display_name)
    }

    fn is(&self, reference: &str) -> bool {
        self.reference.eq_ignore_ascii_case(reference)
    }
}

/// What applying a plan changes in one managed group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupChange {
    /// The group's name.
    pub group: String,
    /// The app's id for it (`null` when the run creates it, or it is missing).
    pub group_id: Option<String>,
    /// Whether the run creates the group (`groups.create_missing`).
    #[serde(default)]
    pub create: bool,
    pub add: Vec<MemberRef>,
    pub remove: Vec<MemberRef>,
    /// Why these memberships cannot be made (the app has no such group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
}

/// An account in a managed group that provisio does not manage: reported,
/// and removed only with `adopt: true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnmanagedMember {
    pub group: String,
    pub group_id: String,
    pub user_id: String,
    pub user_name: Option<String>,
}

/// The memberships part of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memberships {
    pub changes: Vec<GroupChange>,
    pub unmanaged: Vec<UnmanagedMember>,
    pub warnings: Vec<String>,
}

/// What a plan item means for its account's memberships.
enum Intent {
    /// In exactly these managed groups (indexes into the group state).
    Member(BTreeSet<usize>),
    /// Deprovisioned: out of every managed group, if the rules say so.
    Leaver,
    /// Left alone (a conflict, an account provisio does not touch).
    Untouched,
}

/// Plans the managed groups' memberships for `items` (the first
/// `input.people.len()` are the people's, in order) and adds each account's
/// `groups` change to its item. `managed` are the accounts provisio manages or
/// this plan claims.
pub fn plan(input: &PlanInput<'_>, items: &mut [PlanItem], managed: &HashSet<&str>) -> Memberships {
    let groups = &input.groups.groups;
    if groups.is_empty() {
        return Memberships::default();
    }
    let create_missing = input.rules.groups.create_missing;
    let mut changes: Vec<GroupChange> = groups
        .iter()
        .map(|g| empty_change(g, create_missing))
        .collect();
    let member_of = memberships_by_account(groups);
    let current = |item: &PlanItem| {
        item.user_id
            .as_deref()
            .and_then(|id| member_of.get(id))
            .cloned()
            .unwrap_or_default()
    };
    let mut shown: Vec<(usize, Vec<String>, Vec<String>)> = Vec::new();
    // Item by item, each person parsed once more and dropped: nothing is
    // kept per person unless their memberships change.
    for (i, item) in items.iter().enumerate() {
        let (before, after) = match intent(input, i, item, managed) {
            Intent::Untouched => continue,
            Intent::Member(wanted) => (current(item), wanted),
            Intent::Leaver if input.rules.groups.on_deprovision == OnDeprovision::Remove => {
                (current(item), BTreeSet::new())
            }
            Intent::Leaver => continue,
        };
        if before == after {
            continue;
        }
        let member = member_ref(item);
        for &g in after.difference(&before) {
            changes[g].add.push(member.clone());
        }
        for &g in before.difference(&after) {
            changes[g].remove.push(member.clone());
        }
        shown.push((i, names(groups, &before), names(groups, &after)));
    }
    for (i, before, after) in shown {
        items[i].changes.push(Change {
            field: "groups".into(),
            before: Value::from(before),
            after: Value::from(after),
        });
    }
    let unmanaged = unmanaged_members(input, items, managed, &mut changes);
    let warnings = refuse_missing(input, &mut changes);
    changes.retain(|c| c.create || !c.add.is_empty() || !c.remove.is_empty());
    Memberships {
        changes,
        unmanaged,
        warnings,
    }
}

fn empty_change(group: &ManagedGroup, create_missing: bool) -> GroupChange {
    GroupChange {
        group: group.name().to_owned(),
        group_id: group.found.as_ref().map(|g| g.id.clone()),
        create: group.found.is_none() && create_missing,
        add: Vec::new(),
        remove: Vec::new(),
        conflict: None,
    }
}

fn intent(input: &PlanInput<'_>, i: usize, item: &PlanItem, managed: &HashSet<&str>) -> Intent {
    let Some(person) = input.people.get(i) else {
        // Accounts nobody claims: deprovisioned leavers and adopted orphans.
        return match item.action {
            Action::Deactivate | Action::Unchanged if item.user_id.is_some() => Intent::Leaver,
            _ => Intent::Untouched,
        };
    };
    let account_managed = item
        .user_id
        .as_deref()
        .is_some_and(|id| managed.contains(id));
    match item.action {
        Action::Conflict => Intent::Untouched,
        Action::Deactivate => Intent::Leaver,
        _ if wanted(&person, input.rules).is_ok() => {
            let json = person.as_json();
            let groups = &input.groups.groups;
            let wanted = input
                .rules
                .roles
                .iter()
                .filter(|role| role.applies_to(&json))
                .flat_map(|role| &role.groups)
                .filter_map(|reference| groups.iter().position(|g| g.is(reference)))
                .collect();
            Intent::Member(wanted)
        }
        _ if account_managed => Intent::Leaver,
        _ => Intent::Untouched,
    }
}

/// Account id → the managed groups it is in now, built once: looking each
/// account up in every group's member list would be quadratic in the workforce.
fn memberships_by_account(groups: &[ManagedGroup]) -> HashMap<&str, BTreeSet<usize>> {
    let mut member_of: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    for (g, group) in groups.iter().enumerate() {
        for member in group.found.iter().flat_map(|f| &f.members) {
            member_of.entry(member.as_str()).or_default().insert(g);
        }
    }
    member_of
}

fn names(groups: &[ManagedGroup], set: &BTreeSet<usize>) -> Vec<String> {
    let mut names: Vec<String> = set.iter().map(|&g| groups[g].name().to_owned()).collect();
    names.sort();
    names
}

fn member_ref(item: &PlanItem) -> MemberRef {
    MemberRef {
        user_id: item.user_id.clone(),
        external_id: item.external_id.clone(),
        user_name: item.user_name.clone(),
    }
}

/// Members of managed groups that provisio does not manage: reported, and
/// removed only when adopted.
fn unmanaged_members(
    input: &PlanInput<'_>,
    items: &[PlanItem],
    managed: &HashSet<&str>,
    changes: &mut [GroupChange],
) -> Vec<UnmanagedMember> {
    let in_plan: HashSet<&str> = items.iter().filter_map(|i| i.user_id.as_deref()).collect();
    let names: HashMap<&str, &str> = input
        .accounts
        .iter()
        .map(|a| (&*a.id, &*a.user_name))
        .collect();
    let mut unmanaged = Vec::new();
    for (group, change) in input.groups.groups.iter().zip(changes.iter_mut()) {
        let Some(found) = &group.found else { continue };
        for member in &found.members {
            if managed.contains(member.as_str()) || in_plan.contains(member.as_str()) {
                continue;
            }
            let user_name = names.get(member.as_str()).map(|n| (*n).to_owned());
            if input.adopt {
                change.remove.push(MemberRef {
                    user_id: Some(member.clone()),
                    external_id: None,
                    user_name,
                });
            } else {
                unmanaged.push(UnmanagedMember {
                    group: found.display_name.clone(),
                    group_id: found.id.clone(),
                    user_id: member.clone(),
                    user_name,
                });
            }
        }
    }
    unmanaged
}

/// A group the app lacks cannot be joined unless the run creates it: a
/// warning, and its memberships are conflicts.
fn refuse_missing(input: &PlanInput<'_>, changes: &mut [GroupChange]) -> Vec<String> {
    let mut warnings = Vec::new();
    for (group, change) in input.groups.groups.iter().zip(changes.iter_mut()) {
        if group.found.is_some() || change.create {
            continue;
        }
        let reason = format!(
            "the app has no group `{}` (a role names it); create it, or set groups.create_missing",
            group.reference
        );
        if !change.add.is_empty() {
            change.conflict = Some(reason.clone());
        }
        warnings.push(reason);
    }
    warnings
}
