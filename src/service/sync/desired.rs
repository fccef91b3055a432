//! What a person's account should look like: their unified fields with the
//! connection's mapping applied, and the field-by-field difference to the
//! account the app holds.

use std::fmt;

use serde_json::{Map, Value, json};

use crate::domain::{Change, MultiValued, Person, Rules, UserFields, UserPatch};

/// One field of the unified user, as a diff or a mapping names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FieldPath {
    /// A top-level text field (`title`, `user_name`, …).
    Text(String),
    /// `name.<part>`.
    Name(String),
    Emails,
    PhoneNumbers,
    /// `extensions.<urn>.<attribute>`.
    Extension(String, String),
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldPath::Text(field) => f.write_str(field),
            FieldPath::Name(part) => write!(f, "name.{part}"),
            FieldPath::Emails => f.write_str("emails"),
            FieldPath::PhoneNumbers => f.write_str("phone_numbers"),
            FieldPath::Extension(urn, attribute) => write!(f, "extensions.{urn}.{attribute}"),
        }
    }
}

/// The account a person should have. `Err` says why it cannot be worked out.
pub fn desired_user(person: &Person, rules: &Rules) -> Result<UserFields, String> {
    let mut user = serde_json::to_value(&person.fields).unwrap_or(Value::Null);
    let source = person.as_json();
    for (target, rule) in rules.mapping_rules() {
        let value = rule.apply(&source).map_err(|path| {
            format!("the mapping of `{target}` needs `{path}`, which the person does not have")
        })?;
        set_target(&mut user, &target, value);
    }
    if let Value::Object(map) = &mut user {
        map.insert("active".into(), Value::Bool(true));
    }
    let fields: UserFields =
        serde_json::from_value(user).map_err(|e| format!("the mapped user is not valid: {e}"))?;
    let errors = fields.validate();
    if !errors.is_empty() {
        let reasons: Vec<String> = errors
            .iter()
            .map(|e| format!("`{}` {}", e.field, e.message))
            .collect();
        return Err(reasons.join("; "));
    }
    Ok(fields)
}

fn set_target(user: &mut Value, target: &str, value: Value) {
    let Value::Object(map) = user else { return };
    if let Some(part) = target.strip_prefix("name.") {
        let name = map.entry("name").or_insert_with(|| json!({}));
        if let Value::Object(name) = name {
            name.insert(part.to_owned(), value);
        }
    } else if target == "email" {
        map.insert(
            "emails".into(),
            json!([{"value": value, "type": "work", "primary": true}]),
        );
    } else if target == "phone" {
        map.insert(
            "phone_numbers".into(),
            json!([{"value": value, "type": "work", "primary": true}]),
        );
    } else if let Some((urn, attribute)) = target
        .strip_prefix("extensions.")
        .and_then(|rest| rest.rsplit_once('.'))
    {
        let extensions = map.entry("extensions").or_insert_with(|| json!({}));
        if let Value::Object(extensions) = extensions {
            let extension = extensions
                .entry(urn.to_owned())
                .or_insert_with(|| json!({}));
            if let Value::Object(extension) = extension {
                extension.insert(attribute.to_owned(), value);
            }
        }
    } else {
        map.insert(target.to_owned(), value);
    }
}

/// The fields `desired` sets, with their values.
fn fields_of(user: &UserFields) -> Vec<(FieldPath, Value)> {
    let mut fields = vec![(FieldPath::Text("user_name".into()), json!(user.user_name))];
    for (field, value) in user.texts() {
        if let Some(value) = value {
            fields.push((FieldPath::Text(field.into()), json!(value)));
        }
    }
    if let Some(name) = &user.name {
        for (part, value) in name.parts() {
            if let Some(value) = value {
                fields.push((FieldPath::Name(part.into()), json!(value)));
            }
        }
    }
    if !user.emails.is_empty() {
        fields.push((FieldPath::Emails, json!(user.emails)));
    }
    if !user.phone_numbers.is_empty() {
        fields.push((FieldPath::PhoneNumbers, json!(user.phone_numbers)));
    }
    for (urn, attributes) in &user.extensions {
        for (attribute, value) in attributes.as_object().into_iter().flatten() {
            fields.push((
                FieldPath::Extension(urn.clone(), attribute.clone()),
                value.clone(),
            ));
        }
    }
    fields
}

/// The value `account` has at `path`.
fn current(account: &UserFields, path: &FieldPath) -> Value {
    let found = match path {
        FieldPath::Text(field) if field == "user_name" => Some(json!(account.user_name)),
        FieldPath::Text(field) => account
            .texts()
            .into_iter()
            .find(|(f, _)| f == field)
            .and_then(|(_, v)| v.clone())
            .map(Value::from),
        FieldPath::Name(part) => account
            .name
            .as_ref()
            .and_then(|n| {
                n.parts()
                    .into_iter()
                    .find(|(p, _)| p == part)
                    .and_then(|(_, v)| v.clone())
            })
            .map(Value::from),
        FieldPath::Emails => (!account.emails.is_empty()).then(|| json!(account.emails)),
        FieldPath::PhoneNumbers => {
            (!account.phone_numbers.is_empty()).then(|| json!(account.phone_numbers))
        }
        FieldPath::Extension(urn, attribute) => account
            .extensions
            .get(urn)
            .and_then(|e| e.get(attribute))
            .cloned(),
    };
    found.unwrap_or(Value::Null)
}

/// Whether two values of `path` mean the same: user names ignore case (SCIM
/// makes them case-insensitive), and lists of addresses ignore order and case.
fn same(path: &FieldPath, a: &Value, b: &Value) -> bool {
    match path {
        FieldPath::Text(field) if field == "user_name" => {
            a.as_str().map(str::to_lowercase) == b.as_str().map(str::to_lowercase)
        }
        FieldPath::Emails | FieldPath::PhoneNumbers => normalised_list(a) == normalised_list(b),
        _ => a == b,
    }
}

fn normalised_list(value: &Value) -> Vec<(String, Option<String>)> {
    let items: Vec<MultiValued> = serde_json::from_value(value.clone()).unwrap_or_default();
    let mut items: Vec<(String, Option<String>)> = items
        .into_iter()
        .map(|i| (i.value.to_lowercase(), i.kind.map(|k| k.to_lowercase())))
        .collect();
    items.sort();
    items
}

/// What a new account gets, field by field (everything `before` is `null`).
pub fn creation(desired: &UserFields) -> Vec<Change> {
    fields_of(desired)
        .into_iter()
        .map(|(path, after)| Change {
            field: path.to_string(),
            before: Value::Null,
            after,
        })
        .collect()
}

/// The fields where `account` differs from `desired` (fields `desired` leaves unset are not compared).
pub fn diff(desired: &UserFields, account: &UserFields) -> Vec<Change> {
    fields_of(desired)
        .into_iter()
        .filter_map(|(path, after)| {
            let before = current(account, &path);
            (!same(&path, &before, &after)).then(|| Change {
                field: path.to_string(),
                before,
                after,
            })
        })
        .collect()
}

/// The merge patch that makes the changes (and sets `active` when asked).
pub fn patch_for(changes: &[Change], desired: &UserFields, active: Option<bool>) -> UserPatch {
    let mut patch = Map::new();
    let paths: Vec<(FieldPath, Value)> = fields_of(desired);
    for change in changes {
        let Some((path, value)) = paths.iter().find(|(p, _)| p.to_string() == change.field) else {
            continue;
        };
        match path {
            FieldPath::Text(field) => {
                patch.insert(field.clone(), value.clone());
            }
            FieldPath::Name(part) => {
                let name = patch.entry("name").or_insert_with(|| json!({}));
                if let Value::Object(name) = name {
                    name.insert(part.clone(), value.clone());
                }
            }
            FieldPath::Emails => {
                patch.insert("emails".into(), value.clone());
            }
            FieldPath::PhoneNumbers => {
                patch.insert("phone_numbers".into(), value.clone());
            }
            FieldPath::Extension(urn, attribute) => {
                let extensions = patch.entry("extensions").or_insert_with(|| json!({}));
                if let Value::Object(extensions) = extensions {
                    let extension = extensions.entry(urn.clone()).or_insert_with(|| json!({}));
                    if let Value::Object(extension) = extension {
                        extension.insert(attribute.clone(), value.clone());
                    }
                }
            }
        }
    }
    if let Some(active) = active {
        patch.insert("active".into(), Value::Bool(active));
    }
    serde_json::from_value(Value::Object(patch)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::User;

    fn person(value: Value) -> Person {
        serde_json::from_value(value).unwrap()
    }

    fn account(value: Value) -> User {
        User {
            id: "u1".into(),
            fields: serde_json::from_value(value).unwrap(),
            groups: Vec::new(),
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn the_mapping_is_applied_over_the_persons_own_fields() {
        let rules = Rules::parse(&json!({"mapping": {
            "title": {"from": "attributes.job_title"},
            "email": {"template": "{given_name}.{family_name}@example.com", "transform": "lower"},
            "extensions.urn:8x8:scim:schemas:extension:8x8user:2.0:User.site": {"from": "attributes.location"}
        }}))
        .unwrap();
        let desired = desired_user(
            &person(
                json!({"user_name": "ada", "external_id": "E-1", "title": "ignored",
                "name": {"given_name": "Ada", "family_name": "Lovelace"},
                "attributes": {"job_title": "Analyst", "location": "London"}}),
            ),
            &rules,
        )
        .unwrap();
        assert_eq!(desired.title.as_deref(), Some("Analyst"));
        assert_eq!(desired.emails[0].value, "ada.lovelace@example.com");
        assert!(desired.emails[0].primary);
        assert_eq!(
            desired.extensions["urn:8x8:scim:schemas:extension:8x8user:2.0:User"]["site"],
            "London"
        );
    }

    #[test]
    fn a_mapping_source_the_person_lacks_is_a_reason_not_a_panic() {
        let rules =
            Rules::parse(&json!({"mapping": {"title": {"from": "attributes.job_title"}}})).unwrap();
        let reason = desired_user(
            &person(json!({"user_name": "a", "external_id": "E"})),
            &rules,
        )
        .unwrap_err();
        assert!(reason.contains("attributes.job_title"), "{reason}");
    }

    #[test]
    fn only_fields_the_person_sets_are_compared_and_names_ignore_case() {
        let desired: UserFields =
            serde_json::from_value(json!({"user_name": "Ada@Example.com", "title": "Lead",
            "emails": [{"value": "ADA@example.com", "type": "work"}]}))
            .unwrap();
        let current = account(
            json!({"user_name": "ada@example.com", "title": "Analyst", "department": "kept",
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}]}),
        );
        let changes = diff(&desired, &current.fields);
        assert_eq!(
            changes,
            [Change {
                field: "title".into(),
                before: json!("Analyst"),
                after: json!("Lead")
            }]
        );
        let patch = patch_for(&changes, &desired, Some(true));
        assert_eq!(patch.title, crate::domain::Patch::Value("Lead".into()));
        assert_eq!(patch.active, crate::domain::Patch::Value(true));
        assert!(patch.department.is_absent());
    }
}
