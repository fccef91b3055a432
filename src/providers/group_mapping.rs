//! The unified group and a SCIM 2.0 Group resource (RFC 7643 §4.2).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::{
    domain::{Group, GroupPatch, Patch},
    scim::{GROUP_SCHEMA, PatchOperation, id_of, member_ids},
};

/// The SCIM resource for a new group with these member entries.
pub fn group_resource(
    display_name: &str,
    external_id: Option<&str>,
    members: Vec<Value>,
) -> Map<String, Value> {
    let mut resource = Map::new();
    resource.insert("schemas".into(), Value::Array(vec![GROUP_SCHEMA.into()]));
    resource.insert("displayName".into(), display_name.into());
    if let Some(external_id) = external_id {
        resource.insert("externalId".into(), external_id.into());
    }
    if !members.is_empty() {
        resource.insert("members".into(), Value::Array(members));
    }
    resource
}

/// The unified group in a SCIM resource; `Err` names what is missing. The
/// member count is given where the resource carries its members.
pub fn read_group(resource: &Map<String, Value>) -> Result<Group, String> {
    let text = |key: &str| resource.get(key).and_then(Value::as_str).map(str::to_owned);
    let meta = resource.get("meta").and_then(Value::as_object);
    let time = |key: &str| {
        meta.and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    Ok(Group {
        id: id_of(resource).ok_or("the group has no id")?,
        display_name: text("displayName").ok_or("the group has no displayName")?,
        external_id: text("externalId"),
        member_count: resource
            .get("members")
            .map(|_| member_ids(resource).len() as u64),
        created_at: time("created"),
        updated_at: time("lastModified"),
    })
}

/// The PATCH operations of a merge patch of a group's name and external id.
pub fn group_operations(patch: &GroupPatch) -> Vec<PatchOperation> {
    let mut operations = Vec::new();
    if let Patch::Value(name) = &patch.display_name {
        operations.push(PatchOperation::Replace {
            path: "displayName".into(),
            value: name.clone().into(),
        });
    }
    match &patch.external_id {
        Patch::Value(id) => operations.push(PatchOperation::Replace {
            path: "externalId".into(),
            value: id.clone().into(),
        }),
        Patch::Null => operations.push(PatchOperation::Remove {
            path: "externalId".into(),
        }),
        Patch::Absent => {}
    }
    operations
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_group_is_read_with_its_member_count_only_where_members_came_along() {
        let with = json!({"id": "g1", "displayName": "Eng", "members": [{"value": "u1"}, {"value": "u2"}]});
        let group = read_group(with.as_object().unwrap()).unwrap();
        assert_eq!(
            (group.display_name.as_str(), group.member_count),
            ("Eng", Some(2))
        );
        let without = json!({"id": "g1", "displayName": "Eng"});
        assert_eq!(
            read_group(without.as_object().unwrap())
                .unwrap()
                .member_count,
            None
        );
        assert!(read_group(json!({"id": "g1"}).as_object().unwrap()).is_err());
    }
}
