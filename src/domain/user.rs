//! The unified user: one shape for a person's account in any app. Providers
//! map it to and from their SCIM dialect.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{
    ToSchema,
    openapi::{
        KnownFormat, Object, ObjectBuilder, RefOr, Schema, SchemaFormat,
        schema::{SchemaType, Type},
    },
};

use super::{FieldErrors, GroupRef, Patch, json};

/// SCIM limits nothing, but an attribute longer than this is a mistake, not a name.
const MAX_VALUE_LEN: usize = 1024;
/// Longest `user_name` accepted.
const MAX_USER_NAME_LEN: usize = 256;

/// An account as the app holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// The app's id for the account (opaque).
    pub id: String,
    #[serde(flatten)]
    pub fields: UserFields,
    /// The groups the app says the user is in, where it reports them on users
    /// (many apps do not: `GET …/groups/{id}/members` is the reliable view).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupRef>,
    /// When the app created the account, if it says.
    pub created_at: Option<DateTime<Utc>>,
    /// When the app last changed the account, if it says.
    pub updated_at: Option<DateTime<Utc>>,
}

/// Everything a caller can set on an account.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserFields {
    /// The sign-in name, unique in the app (often the work email).
    #[schema(example = "ada.lovelace@example.com", min_length = 1, max_length = 256)]
    pub user_name: String,
    /// The HR system's id for the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "E-1042")]
    pub external_id: Option<String>,
    /// Whether the account may sign in. Defaults to `true` on create; an app
    /// that does not say is reported as active.
    #[serde(default = "active_by_default")]
    pub active: bool,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "json::optional_object"
    )]
    pub name: Option<PersonName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "en-GB")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Europe/London")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::objects"
    )]
    pub emails: Vec<MultiValued>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::objects"
    )]
    pub phone_numbers: Vec<MultiValued>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The app's id of the person's manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<String>,
    /// Provider attributes by schema URN, passed through both ways, e.g.
    /// `{"urn:8x8:scim:schemas:extension:8x8user:2.0:User": {"site": "London"}}`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[schema(value_type = HashMap<String, HashMap<String, serde_json::Value>>)]
    pub extensions: Map<String, Value>,
}

/// `User`'s schema is `UserFields`' properties plus `id` and the timestamps, as
/// one object: an `allOf` with `UserFields` would inherit its
/// `additionalProperties: false` and forbid the very fields it adds.
impl utoipa::PartialSchema for User {
    fn schema() -> RefOr<Schema> {
        let mut object = match <UserFields as utoipa::PartialSchema>::schema() {
            RefOr::T(Schema::Object(object)) => object,
            _ => Object::new(),
        };
        object.additional_properties = None;
        object.description = Some("An account as the app holds it.".into());
        let timestamp = |description: &str| {
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                .description(Some(description))
                .build()
        };
        object.properties.insert(
            "id".into(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("The app's id for the account (opaque)."))
                .build()
                .into(),
        );
        object.properties.insert(
            "created_at".into(),
            timestamp("When the app created the account, if it says.").into(),
        );
        object.properties.insert(
            "updated_at".into(),
            timestamp("When the app last changed the account, if it says.").into(),
        );
        object.required.push("id".into());
        object.required.push("active".into());
        RefOr::T(Schema::Object(object))
    }
}

impl ToSchema for User {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <UserFields as ToSchema>::schemas(schemas);
    }
}

fn active_by_default() -> bool {
    true
}

/// A person's name (RFC 7643 §4.1.1 `name`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
}

/// An email address or phone number.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MultiValued {
    #[schema(example = "ada.lovelace@example.com", min_length = 1)]
    pub value: String,
    /// `work`, `home`, `mobile`, `other`, …
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "work")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary: bool,
}

/// Changes to an account (JSON merge patch): a present field is set, `null`
/// removes it, an absent field is kept. `name` and `extensions` merge one level down.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub user_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub external_id: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub active: Patch<bool>,
    #[serde(default, deserialize_with = "json::patch_object")]
    #[schema(value_type = Option<NamePatch>)]
    pub name: Patch<NamePatch>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub display_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub nick_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub user_type: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub locale: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub timezone: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub preferred_language: Patch<String>,
    /// Replaces the whole list.
    #[serde(default, deserialize_with = "json::patch_objects")]
    #[schema(value_type = Option<Vec<MultiValued>>)]
    pub emails: Patch<Vec<MultiValued>>,
    /// Replaces the whole list.
    #[serde(default, deserialize_with = "json::patch_objects")]
    #[schema(value_type = Option<Vec<MultiValued>>)]
    pub phone_numbers: Patch<Vec<MultiValued>>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub employee_number: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub cost_center: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub organization: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub division: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub department: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub manager_id: Patch<String>,
    /// `{<schema URN>: {<attribute>: value or null}}`: sets or removes single attributes.
    #[serde(default)]
    #[schema(value_type = Option<HashMap<String, HashMap<String, serde_json::Value>>>)]
    pub extensions: Patch<Map<String, Value>>,
}

/// Changes to `name`, field by field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamePatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub given_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub family_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub middle_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub formatted: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub honorific_prefix: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub honorific_suffix: Patch<String>,
}

/// Declares a list of optional text fields once, as the same accessor on a
/// value type and on its merge patch, so the two lists cannot drift apart.
macro_rules! text_fields {
    (#[doc = $doc:literal] fn $method:ident $fields:tt for $($owner:ty => $value:ty),+) => {
        $(text_fields!(@one $doc, $method, $owner, $value, $fields);)+
    };
    (@one $doc:literal, $method:ident, $owner:ty, $value:ty, [$($field:ident),+ $(,)?]) => {
        impl $owner {
            #[doc = $doc]
            pub fn $method(&self) -> [(&'static str, &$value); [$(stringify!($field)),+].len()] {
                [$((stringify!($field), &self.$field)),+]
            }
        }
    };
}

text_fields! {
    /// The single-valued text attributes, by field name.
    fn texts [
        external_id,
        display_name,
        nick_name,
        title,
        user_type,
        locale,
        timezone,
        preferred_language,
        employee_number,
        cost_center,
        organization,
        division,
        department,
        manager_id,
    ]
    for UserFields => Option<String>, UserPatch => Patch<String>
}

text_fields! {
    /// The parts of a name, by field name.
    fn parts [
        given_name,
        family_name,
        middle_name,
        formatted,
        honorific_prefix,
        honorific_suffix,
    ]
    for PersonName => Option<String>, NamePatch => Patch<String>
}

impl UserFields {
    /// Checks what serde cannot: lengths, email shape, primary flags, extension keys.
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check_user_name(&self.user_name, &mut errors);
        for (field, value) in self.texts() {
            if let Some(value) = value {
                check_text(field, value, &mut errors);
            }
        }
        if let Some(name) = &self.name {
            for (part, value) in name.parts() {
                if let Some(value) = value {
                    check_text(&format!("name.{part}"), value, &mut errors);
                }
            }
        }
        check_multi_valued("emails", &self.emails, true, &mut errors);
        check_multi_valued("phone_numbers", &self.phone_numbers, false, &mut errors);
        check_extensions(&self.extensions, false, &mut errors);
        errors
    }
}

impl UserPatch {
    /// Checks the values being set, and refuses removing what cannot be removed.
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        match &self.user_name {
            Patch::Null => errors.push("user_name", "cannot be removed"),
            Patch::Value(v) => check_user_name(v, &mut errors),
            Patch::Absent => {}
        }
        if matches!(self.active, Patch::Null) {
            errors.push("active", "cannot be removed; set true or false");
        }
        for (field, patch) in self.texts() {
            if let Patch::Value(v) = patch {
                check_text(field, v, &mut errors);
            }
        }
        if let Patch::Value(name) = &self.name {
            for (part, patch) in name.parts() {
                if let Patch::Value(v) = patch {
                    check_text(&format!("name.{part}"), v, &mut errors);
                }
            }
        }
        if let Patch::Value(emails) = &self.emails {
            check_multi_valued("emails", emails, true, &mut errors);
        }
        if let Patch::Value(phones) = &self.phone_numbers {
            check_multi_valued("phone_numbers", phones, false, &mut errors);
        }
        match &self.extensions {
            Patch::Null => errors.push(
                "extensions",
                "cannot be removed as a whole; set attributes to null one by one",
            ),
            Patch::Value(extensions) => check_extensions(extensions, true, &mut errors),
            Patch::Absent => {}
        }
        errors
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.user_name.is_absent()
            && self.active.is_absent()
            && self.name.is_absent()
            && self.emails.is_absent()
            && self.phone_numbers.is_absent()
            && self.extensions.is_absent()
            && self.texts().iter().all(|(_, p)| p.is_absent())
    }
}

fn check_user_name(value: &str, errors: &mut FieldErrors) {
    if value.trim().is_empty() {
        errors.push("user_name", "must not be empty");
    } else if value.trim() != value {
        errors.push("user_name", "must not start or end with whitespace");
    } else if value.chars().count() > MAX_USER_NAME_LEN {
        errors.push(
            "user_name",
            format!("must be at most {MAX_USER_NAME_LEN} characters"),
        );
    } else if value.chars().any(char::is_control) {
        errors.push("user_name", "must not contain control characters");
    }
}

fn check_text(field: &str, value: &str, errors: &mut FieldErrors) {
    if value.chars().count() > MAX_VALUE_LEN {
        errors.push(field, format!("must be at most {MAX_VALUE_LEN} characters"));
    } else if value.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(field, "must not contain control characters");
    }
}

fn check_multi_valued(field: &str, values: &[MultiValued], email: bool, errors: &mut FieldErrors) {
    for (i, item) in values.iter().enumerate() {
        let at = format!("{field}[{i}].value");
        if item.value.trim().is_empty() {
            errors.push(at, "must not be empty");
        } else if email && !looks_like_email(&item.value) {
            errors.push(at, "is not an email address");
        } else {
            check_text(&at, &item.value, errors);
        }
    }
    if values.iter().filter(|v| v.primary).count() > 1 {
        errors.push(field, "at most one entry may be primary");
    }
}

fn looks_like_email(value: &str) -> bool {
    match value.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !value.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn check_extensions(extensions: &Map<String, Value>, patch: bool, errors: &mut FieldErrors) {
    for (urn, value) in extensions {
        let field = format!("extensions.{urn}");
        if !urn.to_ascii_lowercase().starts_with("urn:") {
            errors.push(field, "keys must be schema URNs (urn:…)");
        } else if is_core_schema(urn) {
            errors.push(
                field,
                "core and enterprise attributes have their own fields",
            );
        } else if !value.is_object() {
            let hint = if patch {
                "; to remove attributes set them to null one by one"
            } else {
                ""
            };
            errors.push(field, format!("must be an object of attributes{hint}"));
        }
    }
}

/// The core User and enterprise extension URNs, which the unified fields cover.
pub fn is_core_schema(urn: &str) -> bool {
    urn.eq_ignore_ascii_case("urn:ietf:params:scim:schemas:core:2.0:User")
        || urn.eq_ignore_ascii_case("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(value: Value) -> UserFields {
        serde_json::from_value(value).unwrap()
    }

    fn named(errors: FieldErrors) -> Vec<String> {
        errors.into_vec().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_new_user_is_active_unless_told_otherwise() {
        assert!(fields(json!({"user_name": "a"})).active);
        assert!(!fields(json!({"user_name": "a", "active": false})).active);
    }

    #[test]
    fn validation_names_every_faulty_field() {
        let user = fields(json!({
            "user_name": " ",
            "emails": [{"value": "not-an-email"}, {"value": "a@example.com", "primary": true}, {"value": "b@example.com", "primary": true}],
            "extensions": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {}, "custom": {}}
        }));
        assert_eq!(
            named(user.validate()),
            [
                "user_name",
                "emails[0].value",
                "emails",
                "extensions.custom",
                "extensions.urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ]
        );
    }

    #[test]
    fn a_patch_cannot_remove_the_user_name_or_active() {
        let patch: UserPatch =
            serde_json::from_value(json!({"user_name": null, "active": null, "title": null}))
                .unwrap();
        assert_eq!(named(patch.validate()), ["user_name", "active"]);
        assert!(!patch.is_empty());
        assert!(UserPatch::default().is_empty());
    }
}
