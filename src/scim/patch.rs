//! SCIM PATCH (RFC 7644 §3.5.2): the operations provisio sends, and a local
//! applier used to turn the same operations into a GET-merge-PUT for apps
//! that cannot PATCH.

use serde::Serialize;
use serde_json::{Map, Value};

use super::types::PATCH_OP;

/// A `PatchOp` request body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchOp {
    pub schemas: [&'static str; 1],
    #[serde(rename = "Operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchOp {
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        Self {
            schemas: [PATCH_OP],
            operations,
        }
    }

    /// The extension schemas (URNs) the operations write into.
    pub fn extensions(&self) -> impl Iterator<Item = &str> {
        self.operations
            .iter()
            .filter_map(|operation| split_path(operation.path()).0)
    }
}

/// One operation. Paths are `attr`, `attr.sub`, or either prefixed by an
/// extension URN (`urn:…:User:attr.sub`); values replace whole attributes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum PatchOperation {
    /// Adds to a multi-valued attribute (group members).
    Add {
        path: String,
        value: Value,
    },
    Replace {
        path: String,
        value: Value,
    },
    Remove {
        path: String,
    },
}

impl PatchOperation {
    pub fn path(&self) -> &str {
        match self {
            PatchOperation::Add { path, .. }
            | PatchOperation::Replace { path, .. }
            | PatchOperation::Remove { path } => path,
        }
    }
}

/// Applies `operations` to a resource, as the server would.
pub fn apply_operations(resource: &mut Map<String, Value>, operations: &[PatchOperation]) {
    for operation in operations {
        let (urn, attribute) = split_path(operation.path());
        let mut segments: Vec<&str> = urn.into_iter().collect();
        segments.extend(attribute.split('.'));
        match operation {
            PatchOperation::Add { value, .. } => {
                add_at(resource, &segments, value.clone());
            }
            PatchOperation::Replace { value, .. } => {
                if let Some(urn) = urn {
                    add_schema(resource, urn);
                }
                set_at(resource, &segments, value.clone());
            }
            PatchOperation::Remove { .. } => remove_at(resource, &segments),
        }
    }
}

/// Appends `value`'s items to the array at `segments` (creating it), or sets
/// `value` where the attribute is not multi-valued.
fn add_at(map: &mut Map<String, Value>, segments: &[&str], value: Value) {
    if let ([leaf], Value::Array(items)) = (segments, &value)
        && let Some(Value::Array(existing)) = map.get_mut(*leaf)
    {
        existing.extend(items.iter().cloned());
        return;
    }
    set_at(map, segments, value);
}

/// `urn:a:b:User:attr.sub` → (`Some("urn:a:b:User")`, `attr.sub`); `attr` → (`None`, `attr`).
fn split_path(path: &str) -> (Option<&str>, &str) {
    if path.to_ascii_lowercase().starts_with("urn:")
        && let Some(i) = path.rfind(':')
    {
        return (Some(&path[..i]), &path[i + 1..]);
    }
    (None, path)
}

/// Sets `segments` (a key path) to `value`, creating (or replacing non-object) parents.
fn set_at(map: &mut Map<String, Value>, segments: &[&str], value: Value) {
    match segments {
        [] => {}
        [leaf] => {
            map.insert((*leaf).to_owned(), value);
        }
        [parent, rest @ ..] => {
            let entry = map
                .entry((*parent).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                set_at(inner, rest, value);
            }
        }
    }
}

/// Removes the value at `segments`, if present.
fn remove_at(map: &mut Map<String, Value>, segments: &[&str]) {
    match segments {
        [] => {}
        [leaf] => {
            map.remove(*leaf);
        }
        [parent, rest @ ..] => {
            if let Some(Value::Object(inner)) = map.get_mut(*parent) {
                remove_at(inner, rest);
            }
        }
    }
}

fn add_schema(resource: &mut Map<String, Value>, urn: &str) {
    let schemas = resource
        .entry("schemas")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = schemas
        && !list
            .iter()
            .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
    {
        list.push(Value::String(urn.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::types::ENTERPRISE_USER;

    #[test]
    fn operations_serialize_as_rfc_7644_patch_ops() {
        let body = PatchOp::new(vec![
            PatchOperation::Replace {
                path: "active".into(),
                value: json!(false),
            },
            PatchOperation::Remove {
                path: "title".into(),
            },
        ]);
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "replace", "path": "active", "value": false},
                {"op": "remove", "path": "title"}
            ]})
        );
    }

    #[test]
    fn applying_sets_and_removes_nested_and_extension_attributes() {
        let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a",
            "title": "x", "name": {"givenName": "A", "familyName": "B"}, "addresses": [{"locality": "kept"}]})
        .as_object()
        .cloned()
        .unwrap();
        apply_operations(
            &mut user,
            &[
                PatchOperation::Replace {
                    path: "name.givenName".into(),
                    value: json!("Ann"),
                },
                PatchOperation::Remove {
                    path: "title".into(),
                },
                PatchOperation::Replace {
                    path: format!("{ENTERPRISE_USER}:department"),
                    value: json!("Ops"),
                },
                PatchOperation::Replace {
                    path: format!("{ENTERPRISE_USER}:manager.value"),
                    value: json!("m1"),
                },
            ],
        );
        assert_eq!(
            Value::Object(user),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER], "userName": "a",
                "name": {"givenName": "Ann", "familyName": "B"}, "addresses": [{"locality": "kept"}],
                ENTERPRISE_USER: {"department": "Ops", "manager": {"value": "m1"}}})
        );
    }
}
