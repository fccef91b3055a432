//! The standard mapping between the unified user and a SCIM 2.0 User resource
//! (RFC 7643 §4.1 and the enterprise extension §4.3). Profiles start from it
//! and adjust what their app does differently.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::{
    domain::{
        GroupRef, MultiValued, NamePatch, Patch, PersonName, User, UserFields, UserPatch,
        is_core_schema,
    },
    scim::{ENTERPRISE_USER, PatchOperation, USER_SCHEMA, id_of},
};

/// The points where apps' SCIM dialects differ within the standard shape.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    /// The key inside `manager` holding the manager's id: `value` (RFC 7643) or
    /// `managerId` (Workplace).
    pub manager_key: &'static str,
}

impl Dialect {
    pub const STANDARD: Dialect = Dialect {
        manager_key: "value",
    };
}

/// Unified name part → SCIM sub-attribute of `name`.
const NAME_PARTS: [(&str, &str); 6] = [
    ("given_name", "givenName"),
    ("family_name", "familyName"),
    ("middle_name", "middleName"),
    ("formatted", "formatted"),
    ("honorific_prefix", "honorificPrefix"),
    ("honorific_suffix", "honorificSuffix"),
];

/// Unified text field → SCIM attribute (core unless marked enterprise).
const TEXT_ATTRIBUTES: [(&str, &str, bool); 13] = [
    ("external_id", "externalId", false),
    ("display_name", "displayName", false),
    ("nick_name", "nickName", false),
    ("title", "title", false),
    ("user_type", "userType", false),
    ("locale", "locale", false),
    ("timezone", "timezone", false),
    ("preferred_language", "preferredLanguage", false),
    ("employee_number", "employeeNumber", true),
    ("cost_center", "costCenter", true),
    ("organization", "organization", true),
    ("division", "division", true),
    ("department", "department", true),
];

/// The top-level attributes [`from_scim`] reads (`id` always comes back),
/// with the app's own `extensions`: what to ask for where an app answers with
/// only the attributes named (`attributes`), so that the user comes back whole.
pub fn read_attributes(extensions: &[&'static str]) -> Vec<&'static str> {
    let core_texts = TEXT_ATTRIBUTES
        .iter()
        .filter(|(_, _, is_enterprise)| !is_enterprise)
        .map(|(_, attribute, _)| *attribute);
    let structured = [
        "userName",
        "active",
        "name",
        "emails",
        "phoneNumbers",
        "groups",
        "meta",
    ];
    structured
        .into_iter()
        .chain(core_texts)
        .chain([ENTERPRISE_USER])
        .chain(extensions.iter().copied())
        .collect()
}

/// The SCIM resource for a new user.
pub fn to_scim(user: &UserFields, dialect: Dialect) -> Map<String, Value> {
    let mut resource = Map::new();
    let mut schemas = vec![Value::from(USER_SCHEMA)];
    resource.insert("userName".into(), user.user_name.clone().into());
    resource.insert("active".into(), user.active.into());
    if let Some(name) = &user.name {
        let name = name_to_scim(name);
        if !name.is_empty() {
            resource.insert("name".into(), Value::Object(name));
        }
    }
    let mut enterprise = Map::new();
    for (field, value) in user.texts() {
        if let (Some(value), Some((_, attribute, is_enterprise))) = (value, text_attribute(field)) {
            let target = if is_enterprise {
                &mut enterprise
            } else {
                &mut resource
            };
            target.insert(attribute.into(), value.clone().into());
        }
    }
    if let Some(manager) = &user.manager_id {
        enterprise.insert("manager".into(), json!({ dialect.manager_key: manager }));
    }
    if !user.emails.is_empty() {
        resource.insert("emails".into(), multi_to_scim(&user.emails));
    }
    if !user.phone_numbers.is_empty() {
        resource.insert("phoneNumbers".into(), multi_to_scim(&user.phone_numbers));
    }
    if !enterprise.is_empty() {
        schemas.push(ENTERPRISE_USER.into());
        resource.insert(ENTERPRISE_USER.into(), Value::Object(enterprise));
    }
    for (urn, attributes) in &user.extensions {
        schemas.push(urn.clone().into());
        resource.insert(urn.clone(), attributes.clone());
    }
    resource.insert("schemas".into(), Value::Array(schemas));
    resource
}

/// The unified user in a SCIM resource; `Err` names what is missing.
pub fn from_scim(resource: &Map<String, Value>) -> Result<User, String> {
    let id = id_of(resource).ok_or("the user has no id")?;
    let user_name = text(resource, "userName").ok_or("the user has no userName")?;
    let enterprise = resource.get(ENTERPRISE_USER).and_then(Value::as_object);
    let core = |attribute: &str| text(resource, attribute);
    let ent = |attribute: &str| enterprise.and_then(|e| text(e, attribute));
    let manager = enterprise
        .and_then(|e| e.get("manager"))
        .and_then(|m| match m {
            Value::Object(m) => text(m, "value").or_else(|| text(m, "managerId")),
            Value::String(s) => Some(s.clone()),
            _ => None,
        });
    let extensions = resource
        .iter()
        .filter(|(key, value)| {
            key.to_ascii_lowercase().starts_with("urn:")
                && !is_core_schema(key)
                && value.is_object()
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let meta = resource.get("meta").and_then(Value::as_object);
    Ok(User {
        id,
        fields: UserFields {
            user_name,
            external_id: core("externalId"),
            active: resource
                .get("active")
                .and_then(crate::scim::bool_of)
                .unwrap_or(true),
            name: resource
                .get("name")
                .and_then(Value::as_object)
                .map(name_from_scim)
                .filter(|n| n != &PersonName::default()),
            display_name: core("displayName"),
            nick_name: core("nickName"),
            title: core("title"),
            user_type: core("userType"),
            locale: core("locale"),
            timezone: core("timezone"),
            preferred_language: core("preferredLanguage"),
            emails: multi_from_scim(resource.get("emails")),
            phone_numbers: multi_from_scim(resource.get("phoneNumbers")),
            employee_number: ent("employeeNumber"),
            cost_center: ent("costCenter"),
            organization: ent("organization"),
            division: ent("division"),
            department: ent("department"),
            manager_id: manager,
            extensions,
        },
        groups: groups_from_scim(resource.get("groups")),
        created_at: meta.and_then(|m| time(m, "created")),
        updated_at: meta.and_then(|m| time(m, "lastModified")),
    })
}

/// `groups` as the app reports them on a user (read-only in SCIM).
fn groups_from_scim(value: Option<&Value>) -> Vec<GroupRef> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| {
            Some(GroupRef {
                id: text(g.as_object()?, "value")?,
                display_name: g.get("display").and_then(Value::as_str).map(str::to_owned),
            })
        })
        .collect()
}

/// The PATCH operations a merge patch stands for: a value replaces, `null` removes.
pub fn operations(patch: &UserPatch, dialect: Dialect) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    if let Patch::Value(user_name) = &patch.user_name {
        ops.push(replace("userName", user_name.clone().into()));
    }
    if let Patch::Value(active) = &patch.active {
        ops.push(replace("active", (*active).into()));
    }
    match &patch.name {
        Patch::Null => ops.push(remove("name")),
        Patch::Value(name) => name_operations(name, &mut ops),
        Patch::Absent => {}
    }
    for (field, value) in patch.texts() {
        if let Some(path) = text_path(field) {
            push_text(&mut ops, path, value);
        }
    }
    match &patch.manager_id {
        Patch::Value(id) => ops.push(replace(
            &format!("{ENTERPRISE_USER}:manager"),
            json!({ dialect.manager_key: id }),
        )),
        Patch::Null => ops.push(remove(&format!("{ENTERPRISE_USER}:manager"))),
        Patch::Absent => {}
    }
    for (field, attribute) in [
        (&patch.emails, "emails"),
        (&patch.phone_numbers, "phoneNumbers"),
    ] {
        match field {
            Patch::Value(values) => ops.push(replace(attribute, multi_to_scim(values))),
            Patch::Null => ops.push(remove(attribute)),
            Patch::Absent => {}
        }
    }
    if let Patch::Value(extensions) = &patch.extensions {
        for (urn, attributes) in extensions {
            for (attribute, value) in attributes.as_object().into_iter().flatten() {
                let path = format!("{urn}:{attribute}");
                ops.push(if value.is_null() {
                    remove(&path)
                } else {
                    replace(&path, value.clone())
                });
            }
        }
    }
    ops
}

fn name_operations(name: &NamePatch, ops: &mut Vec<PatchOperation>) {
    for (part, value) in name.parts() {
        if let Some(attribute) = name_attribute(part) {
            push_text(ops, format!("name.{attribute}"), value);
        }
    }
}

fn name_attribute(part: &str) -> Option<&'static str> {
    NAME_PARTS.iter().find(|(p, _)| *p == part).map(|(_, a)| *a)
}

/// The mapping row of a unified text field (`manager_id` has its own).
fn text_attribute(field: &str) -> Option<(&'static str, &'static str, bool)> {
    TEXT_ATTRIBUTES.iter().find(|t| t.0 == field).copied()
}

/// The SCIM PATCH path of a unified text field.
fn text_path(field: &str) -> Option<String> {
    let (_, attribute, is_enterprise) = text_attribute(field)?;
    Some(if is_enterprise {
        format!("{ENTERPRISE_USER}:{attribute}")
    } else {
        attribute.to_owned()
    })
}

fn push_text(ops: &mut Vec<PatchOperation>, path: String, value: &Patch<String>) {
    match value {
        Patch::Value(v) => ops.push(PatchOperation::Replace {
            path,
            value: v.clone().into(),
        }),
        Patch::Null => ops.push(PatchOperation::Remove { path }),
        Patch::Absent => {}
    }
}

pub fn replace(path: &str, value: Value) -> PatchOperation {
    PatchOperation::Replace {
        path: path.to_owned(),
        value,
    }
}

pub fn remove(path: &str) -> PatchOperation {
    PatchOperation::Remove {
        path: path.to_owned(),
    }
}

fn name_to_scim(name: &PersonName) -> Map<String, Value> {
    name.parts()
        .into_iter()
        .filter_map(|(part, value)| {
            Some((
                name_attribute(part)?.to_owned(),
                Value::from(value.clone()?),
            ))
        })
        .collect()
}

fn name_from_scim(name: &Map<String, Value>) -> PersonName {
    PersonName {
        given_name: text(name, "givenName"),
        family_name: text(name, "familyName"),
        middle_name: text(name, "middleName"),
        formatted: text(name, "formatted"),
        honorific_prefix: text(name, "honorificPrefix"),
        honorific_suffix: text(name, "honorificSuffix"),
    }
}

fn multi_to_scim(values: &[MultiValued]) -> Value {
    Value::Array(
        values
            .iter()
            .map(|v| {
                let mut item = Map::new();
                item.insert("value".into(), v.value.clone().into());
                if let Some(kind) = &v.kind {
                    item.insert("type".into(), kind.clone().into());
                }
                if v.primary {
                    item.insert("primary".into(), true.into());
                }
                Value::Object(item)
            })
            .collect(),
    )
}

fn multi_from_scim(values: Option<&Value>) -> Vec<MultiValued> {
    values
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| {
            let item = item.as_object()?;
            Some(MultiValued {
                value: text(item, "value")?,
                kind: text(item, "type"),
                primary: item
                    .get("primary")
                    .and_then(crate::scim::bool_of)
                    .unwrap_or(false),
            })
        })
        .collect()
}

/// A string attribute, tolerating numbers (some apps send ids and numbers unquoted).
fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn time(map: &Map<String, Value>, key: &str) -> Option<DateTime<Utc>> {
    let raw = map.get(key)?.as_str()?;
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests;
