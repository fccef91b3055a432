//! Sync's vocabulary, shared from the store up to the API: what a plan does
//! about a person, the changes a run applies and their states, and how a run
//! is doing. The store spells these as text in one codec (`store::codec`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::UserFields;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Deactivate,
    Reactivate,
    Unchanged,
    Conflict,
    /// A group a role names, made because `groups.create_missing` is on.
    CreateGroup,
    /// Members added to a managed group (a batch).
    AddMembers,
    /// Members removed from a managed group (a batch).
    RemoveMembers,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::Create,
        Action::Update,
        Action::Deactivate,
        Action::Reactivate,
        Action::Unchanged,
        Action::Conflict,
        Action::CreateGroup,
        Action::AddMembers,
        Action::RemoveMembers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Deactivate => "deactivate",
            Action::Reactivate => "reactivate",
            Action::Unchanged => "unchanged",
            Action::Conflict => "conflict",
            Action::CreateGroup => "create_group",
            Action::AddMembers => "add_members",
            Action::RemoveMembers => "remove_members",
        }
    }

    /// Whether applying the plan does something for this item.
    pub fn is_change(self) -> bool {
        !matches!(self, Action::Unchanged | Action::Conflict)
    }
}

/// One changed field: what the app has, and what it will have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    pub field: String,
    /// What the app has (`null` when unset): any JSON value.
    pub before: Value,
    /// What it will have: any JSON value.
    pub after: Value,
}

/// What a run needs to apply an update or reactivation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdatePayload {
    pub desired: UserFields,
    pub changes: Vec<Change>,
    pub active: Option<bool>,
}

/// A group a run works on: its id where the app has it already, and its name
/// (a group made by the same run is found by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupTarget {
    pub id: Option<String>,
    pub display_name: String,
}

/// An account a membership change is about: its id where it exists, else the
/// person's key (an account the same run creates is found through its link).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct MemberRef {
    pub user_id: Option<String>,
    pub external_id: Option<String>,
    pub user_name: Option<String>,
}

/// What a run needs to change one batch of a group's members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersPayload {
    pub group: GroupTarget,
    pub members: Vec<MemberRef>,
}

/// A change a run applies, carrying what applying it needs. It serializes as
/// that payload alone (`null` for a deactivation): the action is kept beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ItemChange {
    /// The new account.
    Create(UserFields),
    Update(UpdatePayload),
    Reactivate(UpdatePayload),
    Deactivate,
    CreateGroup(GroupTarget),
    AddMembers(MembersPayload),
    RemoveMembers(MembersPayload),
}

impl ItemChange {
    pub fn action(&self) -> Action {
        match self {
            ItemChange::Create(_) => Action::Create,
            ItemChange::Update(_) => Action::Update,
            ItemChange::Reactivate(_) => Action::Reactivate,
            ItemChange::Deactivate => Action::Deactivate,
            ItemChange::CreateGroup(_) => Action::CreateGroup,
            ItemChange::AddMembers(_) => Action::AddMembers,
            ItemChange::RemoveMembers(_) => Action::RemoveMembers,
        }
    }

    /// When it may run: memberships after every account and group change of
    /// their run (they may need an account or a group the run creates).
    pub fn phase(&self) -> i32 {
        match self {
            ItemChange::AddMembers(_) | ItemChange::RemoveMembers(_) => 1,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Pending,
    Running,
    Done,
    Failed,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 4] = [
        ItemStatus::Pending,
        ItemStatus::Running,
        ItemStatus::Done,
        ItemStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Pending => "pending",
            ItemStatus::Running => "running",
            ItemStatus::Done => "done",
            ItemStatus::Failed => "failed",
        }
    }
}

/// How a run is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Waiting for an instance to take its items.
    Queued,
    Running,
    /// Every item done.
    Succeeded,
    /// Finished; some items failed (see their `error_code`).
    CompletedWithErrors,
}

/// A run's items counted by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemCounts {
    pub pending: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

impl ItemCounts {
    pub fn add(&mut self, status: ItemStatus, n: i64) {
        *match status {
            ItemStatus::Pending => &mut self.pending,
            ItemStatus::Running => &mut self.running,
            ItemStatus::Done => &mut self.done,
            ItemStatus::Failed => &mut self.failed,
        } += n;
    }

    pub fn total(&self) -> i64 {
        self.pending + self.running + self.done + self.failed
    }

    /// The run's status, from these counts and whether it is finished.
    pub fn run_status(&self, finished: bool) -> RunStatus {
        if finished {
            if self.failed > 0 {
                RunStatus::CompletedWithErrors
            } else {
                RunStatus::Succeeded
            }
        } else if self.running + self.done + self.failed > 0 {
            RunStatus::Running
        } else {
            RunStatus::Queued
        }
    }
}

/// A sync run: a plan being applied.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncRun {
    pub run_id: Uuid,
    pub connection_id: Uuid,
    pub plan_id: Option<Uuid>,
    /// The plan's totals.
    pub totals: Value,
    pub api_key_id: Option<String>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One change of a sync run, claimable by any instance.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncItem {
    pub run_id: Uuid,
    pub seq: i32,
    pub change: ItemChange,
    pub external_id: Option<String>,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub status: ItemStatus,
    /// Claims so far (a claim after a crash makes 2).
    pub attempts: i32,
    pub error_code: Option<String>,
    pub error_detail: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Which of a run's items to read, in sequence order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFilter {
    /// Only items in this status.
    pub status: Option<ItemStatus>,
    /// Only items of this action.
    pub action: Option<Action>,
    /// Only items after this sequence number.
    pub after_seq: Option<i32>,
    /// At most this many (all when `None`).
    pub limit: Option<u32>,
}

/// An account provisio manages in a connection's app, as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedAccount {
    /// The app's id for the account.
    pub user_id: String,
    /// The person it is linked to, if any.
    pub external_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_serializes_as_its_payload_alone() {
        let fields = UserFields {
            user_name: "ada".into(),
            ..UserFields::default()
        };
        let create = serde_json::to_value(ItemChange::Create(fields.clone())).unwrap();
        assert_eq!(create, serde_json::to_value(&fields).unwrap());
        assert_eq!(
            serde_json::to_value(ItemChange::Deactivate).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn a_run_is_running_once_any_item_was_taken() {
        let mut counts = ItemCounts::default();
        counts.add(ItemStatus::Pending, 2);
        assert_eq!(counts.run_status(false), RunStatus::Queued);
        counts.add(ItemStatus::Failed, 1);
        assert_eq!(counts.run_status(false), RunStatus::Running);
        assert_eq!(counts.run_status(true), RunStatus::CompletedWithErrors);
        assert_eq!(counts.total(), 3);
    }
}
