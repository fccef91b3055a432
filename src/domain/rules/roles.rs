//! Roles: which people, by their HR attributes, are in which groups of the
//! app. The groups named in roles are the connection's *managed groups*:
//! provisio adds to and removes from those only.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{Condition, FieldErrors, parse_condition, push_unknown_fields};

/// Longest role name accepted.
const MAX_ROLE_NAME_LEN: usize = 128;
/// A group reference (its display name or id) longer than this is a mistake.
const MAX_GROUP_REF_LEN: usize = 256;
/// More roles, or groups in one role, than this is a mistake.
const MAX_ROLES: usize = 500;
const MAX_GROUPS_PER_ROLE: usize = 100;

/// One role: who has it (`when`; everyone eligible when absent) and the
/// groups (display names or ids) it gives.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Role {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub when: Option<Condition>,
    pub groups: Vec<String>,
}

/// How sync treats the managed groups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupOptions {
    /// Make a group a role names that the app lacks (otherwise the plan warns
    /// and its memberships are conflicts).
    pub create_missing: bool,
    /// What happens to a leaver's managed memberships.
    pub on_deprovision: OnDeprovision,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDeprovision {
    /// Leave them (a reactivated account is back where it was).
    #[default]
    Keep,
    /// Remove the account from every managed group.
    Remove,
}

const ROLE_FIELDS: [&str; 3] = ["name", "when", "groups"];
const GROUP_OPTION_FIELDS: [&str; 2] = ["create_missing", "on_deprovision"];

/// Parses `roles`, naming each fault by its path (`roles[1].groups[0]`).
pub(super) fn parse_roles(value: &Value, errors: &mut FieldErrors) -> Vec<Role> {
    let Some(list) = value.as_array() else {
        errors.push("roles", "must be an array of {name, when?, groups}");
        return Vec::new();
    };
    if list.len() > MAX_ROLES {
        errors.push("roles", format!("must hold at most {MAX_ROLES} roles"));
        return Vec::new();
    }
    let roles: Vec<Role> = list
        .iter()
        .enumerate()
        .filter_map(|(i, role)| parse_role(role, &format!("roles[{i}]"), errors))
        .collect();
    for (i, role) in roles.iter().enumerate() {
        if roles[..i].iter().any(|other| other.name == role.name) {
            errors.push(
                format!("roles[{i}].name"),
                format!("repeats the role `{}`", role.name),
            );
        }
    }
    roles
}

fn parse_role(value: &Value, path: &str, errors: &mut FieldErrors) -> Option<Role> {
    let Some(object) = value.as_object() else {
        errors.push(path, "must be an object {name, when?, groups}");
        return None;
    };
    push_unknown_fields(object, &ROLE_FIELDS, path, errors);
    let name = match object.get("name").and_then(Value::as_str).map(str::trim) {
        Some(name) if !name.is_empty() && name.chars().count() <= MAX_ROLE_NAME_LEN => {
            Some(name.to_owned())
        }
        _ => {
            let max = MAX_ROLE_NAME_LEN;
            errors.push(
                format!("{path}.name"),
                format!("is required: 1 to {max} characters"),
            );
            None
        }
    };
    let when = object
        .get("when")
        .filter(|v| !v.is_null())
        .map(|condition| parse_condition(condition, &format!("{path}.when"), errors, 0));
    let groups = parse_group_refs(object.get("groups"), &format!("{path}.groups"), errors);
    // Every part is checked before any is given up on, so all faults are named.
    let when = match when {
        Some(parsed) => Some(parsed?),
        None => None,
    };
    Some(Role {
        name: name?,
        when,
        groups: groups?,
    })
}

fn parse_group_refs(
    value: Option<&Value>,
    path: &str,
    errors: &mut FieldErrors,
) -> Option<Vec<String>> {
    let Some(list) = value.and_then(Value::as_array).filter(|l| !l.is_empty()) else {
        errors.push(
            path,
            "is required: the display names (or ids) of the groups the role gives",
        );
        return None;
    };
    if list.len() > MAX_GROUPS_PER_ROLE {
        errors.push(
            path,
            format!("must name at most {MAX_GROUPS_PER_ROLE} groups"),
        );
        return None;
    }
    let mut groups: Vec<String> = Vec::new();
    for (i, group) in list.iter().enumerate() {
        match group.as_str().map(str::trim) {
            Some(name) if !name.is_empty() && name.len() <= MAX_GROUP_REF_LEN => {
                if groups.iter().any(|g| g.eq_ignore_ascii_case(name)) {
                    errors.push(format!("{path}[{i}]"), "repeats a group of this role");
                } else {
                    groups.push(name.to_owned());
                }
            }
            _ => errors.push(
                format!("{path}[{i}]"),
                format!(
                    "must be a group's display name or id (1 to {MAX_GROUP_REF_LEN} characters)"
                ),
            ),
        }
    }
    Some(groups)
}

/// Parses `groups` ({create_missing, on_deprovision}).
pub(super) fn parse_group_options(value: &Value, errors: &mut FieldErrors) -> GroupOptions {
    let mut options = GroupOptions::default();
    let Some(object) = value.as_object() else {
        errors.push(
            "groups",
            "must be an object {create_missing?, on_deprovision?}",
        );
        return options;
    };
    push_unknown_fields(object, &GROUP_OPTION_FIELDS, "groups", errors);
    match object.get("create_missing") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(create)) => options.create_missing = *create,
        Some(_) => errors.push("groups.create_missing", "must be true or false"),
    }
    match object.get("on_deprovision").map(|v| (v, v.as_str())) {
        None => {}
        Some((_, Some("keep"))) => options.on_deprovision = OnDeprovision::Keep,
        Some((_, Some("remove"))) => options.on_deprovision = OnDeprovision::Remove,
        Some(_) => errors.push("groups.on_deprovision", "must be `keep` or `remove`"),
    }
    options
}

impl Role {
    /// Whether `person` (as JSON) has this role.
    pub fn applies_to(&self, person: &Value) -> bool {
        self.when.as_ref().is_none_or(|when| when.matches(person))
    }
}

/// The groups `roles` name, each once (ignoring case), in first-named order.
pub fn managed_groups(roles: &[Role]) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for group in roles.iter().flat_map(|r| &r.groups) {
        if !all.iter().any(|g| g.eq_ignore_ascii_case(group)) {
            all.push(group.clone());
        }
    }
    all
}
