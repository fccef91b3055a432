//! SCIM message types. Resources are kept as JSON objects so that attributes
//! provisio does not model survive a read-modify-write; typed views read them.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
#[cfg(test)]
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A page of resources. `startIndex`, `itemsPerPage` and even `totalResults`
/// are optional here: servers omit them, and callers must not trust them blindly.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total_results: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub start_index: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub items_per_page: Option<u64>,
    #[serde(default, rename = "Resources", alias = "resources")]
    pub resources: Vec<Map<String, Value>>,
    /// How many resources the server sent, before any local filtering.
    #[serde(skip)]
    pub received: usize,
    /// The ids of everything the server sent, before any local filtering.
    #[serde(skip)]
    pub ids: Vec<String>,
    /// A filter was asked for but not applied by the app (filtered here instead):
    /// matches may be on other pages.
    #[serde(skip)]
    pub filter_ignored: bool,
}

/// The SCIM error message (RFC 7644 §3.12). `status` arrives as a string or a number.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimError {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub status: Option<u64>,
    pub scim_type: Option<String>,
    pub detail: Option<String>,
}

/// What provisio reads from `/ServiceProviderConfig`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    #[serde(default)]
    pub patch: Supported,
    #[serde(default)]
    pub filter: Supported,
    #[serde(default)]
    pub etag: Supported,
    #[serde(default)]
    pub authentication_schemes: Vec<AuthenticationScheme>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Supported {
    #[serde(default, deserialize_with = "lenient_bool")]
    pub supported: Option<bool>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub max_results: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthenticationScheme {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// The `id` of a resource, tolerating servers that send it as a number.
pub fn id_of(resource: &Map<String, Value>) -> Option<String> {
    match resource.get("id")? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Numbers that some servers send as strings (`"status": "400"`).
fn lenient_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Booleans that some servers send as strings (`"True"`).
pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(value) => bool_of(&value),
        None => None,
    })
}

/// A SCIM boolean, tolerating `"true"`/`"False"` strings.
pub fn bool_of(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_list_response_tolerates_missing_and_stringly_fields() {
        let list: ListResponse =
            serde_json::from_value(json!({"totalResults": "3", "Resources": [{"id": 7}]})).unwrap();
        assert_eq!(list.total_results, Some(3));
        assert_eq!(list.items_per_page, None);
        assert_eq!(id_of(&list.resources[0]).as_deref(), Some("7"));
        let empty: ListResponse = serde_json::from_value(json!({"totalResults": 0})).unwrap();
        assert!(empty.resources.is_empty());
    }

    #[test]
    fn an_error_status_may_be_a_string() {
        let error: ScimError = serde_json::from_value(
            json!({"schemas": [ERROR_SCHEMA], "status": "409", "scimType": "uniqueness"}),
        )
        .unwrap();
        assert_eq!(error.status, Some(409));
        assert_eq!(error.scim_type.as_deref(), Some("uniqueness"));
    }
}
