//! Groups in an app (teams, licences, channels, permission sets): what a
//! person may do there usually comes from the groups they are in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{FieldErrors, Patch};

/// Longest display name accepted.
const MAX_DISPLAY_NAME_LEN: usize = 256;
/// Longest id or external id accepted.
const MAX_ID_LEN: usize = 256;
/// The most members one request may add or remove.
pub const MAX_MEMBERSHIP_CHANGES: usize = 1000;

/// A group as the app holds it. Listings never carry members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Group {
    /// The app's id for the group (opaque).
    pub id: String,
    #[schema(example = "Engineering")]
    pub display_name: String,
    pub external_id: Option<String>,
    /// How many members it has, where the app said (single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// A member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Member {
    /// The member's user id in the app.
    pub user_id: String,
    /// What the app shows for the member (often the user name), if anything.
    pub display: Option<String>,
}

/// A group a user is in, as the app reports it on the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupRef {
    pub id: String,
    pub display_name: Option<String>,
}

/// A new group.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    #[schema(example = "Engineering", min_length = 1, max_length = 256)]
    pub display_name: String,
    #[serde(default)]
    pub external_id: Option<String>,
    /// User ids to make members at once.
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub members: Vec<String>,
}

impl NewGroup {
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check_display_name("display_name", &self.display_name, &mut errors);
        if let Some(external_id) = &self.external_id {
            check_id("external_id", external_id, &mut errors);
        }
        check_ids("members", &self.members, &mut errors);
        errors
    }
}

/// Changes to a group (JSON merge patch): absent keeps, `null` removes
/// (`external_id` only), a value sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub display_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub external_id: Patch<String>,
}

impl GroupPatch {
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        match &self.display_name {
            Patch::Null => errors.push("display_name", "cannot be removed"),
            Patch::Value(name) => check_display_name("display_name", name, &mut errors),
            Patch::Absent => {}
        }
        if let Patch::Value(external_id) = &self.external_id {
            check_id("external_id", external_id, &mut errors);
        }
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.display_name.is_absent() && self.external_id.is_absent()
    }
}

/// Members to add and to remove, by user id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipChange {
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub add: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub remove: Vec<String>,
}

impl MembershipChange {
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check_ids("add", &self.add, &mut errors);
        check_ids("remove", &self.remove, &mut errors);
        if self.add.len() + self.remove.len() > MAX_MEMBERSHIP_CHANGES {
            errors.push(
                "add",
                format!("with remove, at most {MAX_MEMBERSHIP_CHANGES} ids per request"),
            );
        }
        if let Some(both) = self.add.iter().find(|id| self.remove.contains(id)) {
            errors.push("remove", format!("names `{both}`, which `add` names too"));
        }
        errors
    }
}

/// What a membership change did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct MembershipResult {
    /// Members added.
    pub added: usize,
    /// Members removed.
    pub removed: usize,
    /// Ids that were already as asked (already a member, or not one).
    pub unchanged: usize,
}

fn check_display_name(field: &str, name: &str, errors: &mut FieldErrors) {
    if name.trim().is_empty() {
        errors.push(field, "must not be empty");
    } else if name.chars().count() > MAX_DISPLAY_NAME_LEN {
        errors.push(
            field,
            format!("must be at most {MAX_DISPLAY_NAME_LEN} characters"),
        );
    } else if name.chars().any(char::is_control) {
        errors.push(field, "must not contain control characters");
    }
}

fn check_id(field: &str, id: &str, errors: &mut FieldErrors) {
    if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        errors.push(
            field,
            format!("must be 1 to {MAX_ID_LEN} characters without control characters"),
        );
    } else if matches!(id, "." | "..") {
        errors.push(field, "cannot be `.` or `..`");
    }
}

fn check_ids(field: &str, ids: &[String], errors: &mut FieldErrors) {
    if ids.len() > MAX_MEMBERSHIP_CHANGES {
        errors.push(
            field,
            format!("must name at most {MAX_MEMBERSHIP_CHANGES} ids"),
        );
        return;
    }
    for (i, id) in ids.iter().enumerate() {
        check_id(&format!("{field}[{i}]"), id, errors);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_changes_are_bounded_and_never_add_and_remove_one_id() {
        let change = MembershipChange {
            add: vec!["u1".into(), "..".into()],
            remove: vec!["u1".into()],
        };
        let fields: Vec<String> = change.validate().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["add[1]", "remove"]);
        let too_many = MembershipChange {
            add: (0..1001).map(|i| i.to_string()).collect(),
            remove: Vec::new(),
        };
        assert!(!too_many.validate().is_empty());
    }

    #[test]
    fn a_group_needs_a_display_name() {
        let group = NewGroup {
            display_name: " ".into(),
            external_id: None,
            members: Vec::new(),
        };
        assert_eq!(
            group.validate().iter().next().unwrap().field,
            "display_name"
        );
    }
}
