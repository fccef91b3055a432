//! A person as an HR system sends them to a sync: the unified user fields,
//! keyed by `external_id`, plus free HR `attributes` (department,
//! employment_status, job_title, location, …) that rules and mappings read.

use serde::{Deserialize, Deserializer, de::Error};
use serde_json::{Map, Value};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        ObjectBuilder, RefOr, Schema,
        schema::{AdditionalProperties, Type},
    },
};

use super::UserFields;

#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub fields: UserFields,
    pub attributes: Map<String, Value>,
}

impl Person {
    /// The key: `external_id` (validated present by the sync request).
    pub fn key(&self) -> &str {
        self.fields.external_id.as_deref().unwrap_or_default()
    }

    /// The person as one JSON object, for rule and template paths
    /// (`department`, `name.given_name`, `attributes.employment_status`).
    pub fn as_json(&self) -> Value {
        let mut value = serde_json::to_value(&self.fields).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.insert("attributes".into(), Value::Object(self.attributes.clone()));
        }
        value
    }
}

/// `attributes` is split off; everything else must be a valid [`UserFields`]
/// (unknown fields are refused as they are for `/users`).
impl<'de> Deserialize<'de> for Person {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut map = match Value::deserialize(deserializer)? {
            Value::Object(map) => map,
            _ => return Err(D::Error::custom("invalid type: expected a JSON object")),
        };
        let attributes = match map.remove("attributes") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(attributes)) => attributes,
            Some(_) => return Err(D::Error::custom("`attributes` must be an object")),
        };
        let fields = UserFields::deserialize(Value::Object(map)).map_err(D::Error::custom)?;
        Ok(Person { fields, attributes })
    }
}

impl PartialSchema for Person {
    fn schema() -> RefOr<Schema> {
        let mut schema = match <UserFields as PartialSchema>::schema() {
            RefOr::T(Schema::Object(object)) => object,
            _ => utoipa::openapi::Object::new(),
        };
        schema.description = Some("A person who should have an account: the user fields, keyed by `external_id`, plus free HR `attributes`.".into());
        schema.properties.insert(
            "attributes".into(),
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some("Free HR fields (`department`, `employment_status`, `job_title`, `location`, …) for rules and mappings."))
                .additional_properties(Some(AdditionalProperties::FreeForm(true)))
                .build()
                .into(),
        );
        // The key: unlike a user's, it may be neither null nor empty.
        schema.properties.insert(
            "external_id".into(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .description(Some(
                    "The HR system's id for the person: the key, unique in the request.",
                ))
                .examples([serde_json::json!("E-1042")])
                .build()
                .into(),
        );
        schema.required.push("external_id".into());
        RefOr::T(Schema::Object(schema))
    }
}

impl ToSchema for Person {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <UserFields as ToSchema>::schemas(schemas);
    }
}

/// The value at a dotted `path` in a JSON object (`attributes.location`).
pub fn value_at<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(root, |value, segment| value.get(segment))
        .filter(|v| !v.is_null())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_person_is_user_fields_plus_attributes() {
        let person: Person = serde_json::from_value(json!({
            "user_name": "ada@example.com", "external_id": "E-1",
            "attributes": {"department": "Engines", "employment_status": "active"}
        }))
        .unwrap();
        assert_eq!(person.key(), "E-1");
        let doc = person.as_json();
        assert_eq!(
            value_at(&doc, "attributes.department"),
            Some(&json!("Engines"))
        );
        assert_eq!(value_at(&doc, "user_name"), Some(&json!("ada@example.com")));
        assert_eq!(value_at(&doc, "attributes.missing"), None);
        assert!(
            serde_json::from_value::<Person>(json!({"user_name": "a", "colour": "red"})).is_err()
        );
    }
}
