//! The two filters provisio sends (`userName eq`, `externalId eq`), quoted and
//! escaped as RFC 7644 §3.4.2.2 requires (the value is a JSON string literal),
//! and re-checked locally because some servers ignore filters.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    UserNameEq(String),
    ExternalIdEq(String),
    /// A group's name (`displayName` is not case-exact, RFC 7643 §4.2).
    DisplayNameEq(String),
}

impl Filter {
    /// The `filter` query value.
    pub fn to_query(&self) -> String {
        let (attribute, value) = match self {
            Filter::UserNameEq(v) => ("userName", v),
            Filter::ExternalIdEq(v) => ("externalId", v),
            Filter::DisplayNameEq(v) => ("displayName", v),
        };
        // A JSON string literal escapes `"`, `\` and control characters exactly as SCIM wants.
        let literal = serde_json::to_string(value).unwrap_or_else(|_| "\"\"".to_owned());
        format!("{attribute} eq {literal}")
    }

    /// Whether `resource` really matches: `userName` is case-insensitive
    /// (RFC 7643 §4.1.1, caseExact false), `externalId` is exact.
    pub fn matches(&self, resource: &Map<String, Value>) -> bool {
        match self {
            Filter::UserNameEq(v) => same_ignoring_case(resource.get("userName"), v),
            Filter::DisplayNameEq(v) => same_ignoring_case(resource.get("displayName"), v),
            Filter::ExternalIdEq(v) => {
                resource.get("externalId").and_then(Value::as_str) == Some(v.as_str())
            }
        }
    }
}

fn same_ignoring_case(value: Option<&Value>, wanted: &str) -> bool {
    value
        .and_then(Value::as_str)
        .is_some_and(|v| v.to_lowercase() == wanted.to_lowercase())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_are_quoted_and_escaped() {
        assert_eq!(
            Filter::UserNameEq("bjensen".into()).to_query(),
            r#"userName eq "bjensen""#
        );
        assert_eq!(
            Filter::ExternalIdEq(r#"o"brien\x"#.into()).to_query(),
            r#"externalId eq "o\"brien\\x""#
        );
    }

    #[test]
    fn user_names_match_ignoring_case_and_external_ids_exactly() {
        let resource = json!({"userName": "BJensen", "externalId": "E-1"});
        let resource = resource.as_object().unwrap();
        assert!(Filter::UserNameEq("bjensen".into()).matches(resource));
        assert!(Filter::ExternalIdEq("E-1".into()).matches(resource));
        assert!(!Filter::ExternalIdEq("e-1".into()).matches(resource));
        assert!(!Filter::UserNameEq("other".into()).matches(resource));
    }
}
