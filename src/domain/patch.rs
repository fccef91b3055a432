//! Tri-state fields for merge-patch bodies: absent (keep), `null` (remove or
//! reset), or a value (set).

use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Patch<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }

    /// `None` for absent; `Some(None)` for null; `Some(Some(v))` for a value.
    pub fn into_option(self) -> Option<Option<T>> {
        match self {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(v) => Some(Some(v)),
        }
    }
}

/// Used with `#[serde(default)]`: a missing field never reaches this, so
/// anything deserialized is either `null` or a value.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Patch::Value(value),
            None => Patch::Null,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        field: Patch<String>,
    }

    #[test]
    fn absent_null_and_value_are_told_apart() {
        let parse = |s: &str| serde_json::from_str::<Body>(s).unwrap().field;
        assert_eq!(parse("{}"), Patch::Absent);
        assert_eq!(parse(r#"{"field":null}"#), Patch::Null);
        assert_eq!(parse(r#"{"field":"x"}"#), Patch::Value("x".into()));
    }
}
