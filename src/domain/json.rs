//! Parsing helpers for request bodies. serde reads a struct from a JSON array
//! too (by position), so `["x", null]` would pass as `{"given_name": "x"}`;
//! nested structs are read through these helpers, which accept objects only.

use serde::{
    Deserialize, Deserializer,
    de::{DeserializeOwned, Error, Unexpected},
};
use serde_json::Value;

use super::Patch;

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("a number"),
        Value::String(_) => Unexpected::Other("a string"),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

fn object<E: Error, T: DeserializeOwned>(value: Value) -> Result<T, E> {
    if !value.is_object() {
        return Err(E::invalid_type(unexpected(&value), &"a JSON object"));
    }
    T::deserialize(value).map_err(E::custom)
}

/// `Option<T>` from an object or `null`.
pub fn optional_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        value => object(value).map(Some),
    }
}

/// `T` from an object.
pub fn required_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<T, D::Error> {
    object(Value::deserialize(d)?)
}

/// `Vec<T>` from an array of objects.
pub fn objects<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    match Value::deserialize(d)? {
        Value::Array(items) => items.into_iter().map(object).collect(),
        other => Err(D::Error::invalid_type(
            unexpected(&other),
            &"an array of objects",
        )),
    }
}

/// `Patch<T>` (with `#[serde(default)]`) from an object or `null`.
pub fn patch_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Patch<T>, D::Error> {
    Ok(match optional_object(d)? {
        Some(value) => Patch::Value(value),
        None => Patch::Null,
    })
}

/// `Patch<Vec<T>>` (with `#[serde(default)]`) from an array of objects or `null`.
pub fn patch_objects<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Patch<Vec<T>>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Patch::Null),
        value => objects(value).map(Patch::Value).map_err(D::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        a: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    struct Outer {
        #[serde(default, deserialize_with = "optional_object")]
        one: Option<Inner>,
        #[serde(default, deserialize_with = "objects")]
        many: Vec<Inner>,
    }

    #[test]
    fn structs_are_read_from_objects_only() {
        let ok: Outer =
            serde_json::from_value(serde_json::json!({"one": {"a": "x"}, "many": [{"a": null}]}))
                .unwrap();
        assert_eq!(
            ok.one,
            Some(Inner {
                a: Some("x".into())
            })
        );
        assert_eq!(ok.many, [Inner { a: None }]);
        assert!(serde_json::from_value::<Outer>(serde_json::json!({"one": ["x"]})).is_err());
        assert!(serde_json::from_value::<Outer>(serde_json::json!({"many": [["x"]]})).is_err());
        assert!(
            serde_json::from_value::<Outer>(serde_json::json!({"one": null}))
                .unwrap()
                .one
                .is_none()
        );
    }
}
