//! A plan turned into a run's items: one per account change, then the group
//! changes — a group to create, and memberships in batches of the
//! connection's batch size (applied after every account change of the run).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{memberships::GroupChange, plan::Plan};
use crate::domain::{GroupTarget, ItemChange, ItemStatus, MemberRef, MembersPayload, SyncItem};

/// The items that apply `plan`.
pub(super) fn run_items(
    plan: &Plan,
    run_id: Uuid,
    batch: usize,
    now: DateTime<Utc>,
) -> Vec<SyncItem> {
    let pending = |change: ItemChange| SyncItem {
        run_id,
        seq: 0,
        change,
        external_id: None,
        user_id: None,
        user_name: None,
        status: ItemStatus::Pending,
        attempts: 0,
        error_code: None,
        error_detail: None,
        updated_at: now,
    };
    let mut items: Vec<SyncItem> = plan
        .items
        .iter()
        .filter_map(|item| {
            Some(SyncItem {
                external_id: item.external_id.clone(),
                user_id: item.user_id.clone(),
                user_name: item.user_name.clone(),
                ..pending(item.change.as_deref()?.clone())
            })
        })
        .collect();
    for group in plan.group_changes.iter().filter(|g| g.conflict.is_none()) {
        items.extend(group_changes(group, batch).into_iter().map(pending));
    }
    for (seq, item) in items.iter_mut().enumerate() {
        item.seq = i32::try_from(seq).unwrap_or(i32::MAX);
    }
    items
}

/// One group's changes: its creation, then its member batches.
fn group_changes(change: &GroupChange, batch: usize) -> Vec<ItemChange> {
    let target = GroupTarget {
        id: change.group_id.clone(),
        display_name: change.group.clone(),
    };
    let mut items = Vec::new();
    if change.create {
        items.push(ItemChange::CreateGroup(target.clone()));
    }
    let payloads = |members: &[MemberRef]| -> Vec<MembersPayload> {
        members
            .chunks(batch.max(1))
            .map(|chunk| MembersPayload {
                group: target.clone(),
                members: chunk.to_vec(),
            })
            .collect()
    };
    items.extend(
        payloads(&change.remove)
            .into_iter()
            .map(ItemChange::RemoveMembers),
    );
    items.extend(
        payloads(&change.add)
            .into_iter()
            .map(ItemChange::AddMembers),
    );
    items
}
