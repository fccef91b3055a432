//! How typed values are spelled in the database, in one place: the text of
//! each stored enum, and a run item's action with its JSON payload. Reading is
//! strict: a spelling nothing writes is [`StoreError::Corrupt`].

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{IdempotencyState, StoreError};
use crate::domain::{Action, ItemChange, ItemStatus, Outcome, Scope};

/// An enum kept as text.
pub(crate) trait Text: Copy + 'static {
    /// Every value, to read text back.
    const ALL: &'static [Self];
    /// What it is, for the error when the text is none of them.
    const WHAT: &'static str;
    fn text(self) -> &'static str;

    fn from_text(text: &str) -> Result<Self, StoreError> {
        Self::ALL
            .iter()
            .copied()
            .find(|value| value.text() == text)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown {} `{text}`", Self::WHAT)))
    }
}

macro_rules! text_as_str {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl Text for $ty {
            const ALL: &'static [Self] = &<$ty>::ALL;
            const WHAT: &'static str = $what;
            fn text(self) -> &'static str {
                self.as_str()
            }
        }
    )*};
}

text_as_str! {
    Action => "sync item action",
    ItemStatus => "sync item status",
    Outcome => "operation outcome",
    IdempotencyState => "idempotency key state",
    Scope => "API key scope",
}

/// A run item's change as its `action` column and `payload` document.
pub(crate) fn change_parts(change: &ItemChange) -> (&'static str, Value) {
    let payload = serde_json::to_value(change).unwrap_or(Value::Null);
    (change.action().text(), payload)
}

/// A run item's change, read back from its `action` and `payload`.
pub(crate) fn change_from_parts(action: &str, payload: Value) -> Result<ItemChange, StoreError> {
    Ok(match Action::from_text(action)? {
        Action::Create => ItemChange::Create(payload_of(payload)?),
        Action::Update => ItemChange::Update(payload_of(payload)?),
        Action::Reactivate => ItemChange::Reactivate(payload_of(payload)?),
        Action::Deactivate => ItemChange::Deactivate,
        Action::CreateGroup => ItemChange::CreateGroup(payload_of(payload)?),
        Action::AddMembers => ItemChange::AddMembers(payload_of(payload)?),
        Action::RemoveMembers => ItemChange::RemoveMembers(payload_of(payload)?),
        other @ (Action::Unchanged | Action::Conflict) => {
            return Err(StoreError::Corrupt(format!(
                "a sync item cannot be `{}`",
                other.as_str()
            )));
        }
    })
}

fn payload_of<T: DeserializeOwned>(payload: Value) -> Result<T, StoreError> {
    serde_json::from_value(payload)
        .map_err(|e| StoreError::Corrupt(format!("a sync item's payload cannot be read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_enum_reads_back_its_own_text() {
        for status in ItemStatus::ALL {
            assert_eq!(ItemStatus::from_text(status.text()).unwrap(), status);
        }
        for state in IdempotencyState::ALL {
            assert_eq!(IdempotencyState::from_text(state.text()).unwrap(), state);
        }
        assert!(matches!(
            Scope::from_text("admin"),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn a_deactivation_is_stored_with_a_null_payload() {
        let (action, payload) = change_parts(&ItemChange::Deactivate);
        assert_eq!((action, &payload), ("deactivate", &Value::Null));
        assert_eq!(
            change_from_parts(action, payload).unwrap(),
            ItemChange::Deactivate
        );
        assert!(change_from_parts("conflict", Value::Null).is_err());
    }
}
