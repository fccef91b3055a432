//! `PATCH /Users/{id}`, and the user as the app holds it afterwards, in as few
//! calls as the app allows. An app that answers a PATCH with the resource costs
//! one call. One seen answering 204 is asked for the resource in the same call
//! with `attributes` (RFC 7644 §3.5.2: it MUST then answer 200 with it); only
//! where it does not honour that (204 anyway, or a 400 for the parameter) is
//! the user read back with a GET, never guessed from what was sent.
//!
//! The first PATCH to an app goes without `attributes`: an app that answers
//! with the whole resource anyway would otherwise cut it down to what provisio
//! names, leaving out extensions provisio does not know of. The PATCHes sent
//! meanwhile wait for its answer, so a burst of them reads back one user.

use reqwest::Method;
use serde_json::{Map, Value};

use super::{
    client::Session,
    error::ProviderError,
    patch::PatchOp,
    transport::{Call, parse_resource},
    types::{USER_SCHEMA, id_of},
};

/// The `scimType`s of a 400 about the operations themselves: the same PATCH
/// without `attributes` would be refused the same way.
const REFUSALS_OF_THE_CHANGE: [&str; 4] = ["uniqueness", "mutability", "invalidValue", "noTarget"];

impl Session<'_> {
    /// `PATCH /Users/{id}`, answering the user as the app holds it after the
    /// change. `attributes` names what the caller reads of a user (core
    /// attributes and extension URNs); the extensions the patch writes are
    /// added. Empty, the app is never asked with `attributes`.
    pub async fn patch_user(
        &self,
        id: &str,
        patch: &PatchOp,
        attributes: &[&str],
    ) -> Result<Map<String, Value>, ProviderError> {
        let _finding_out = self
            .endpoint
            .habits
            .find_out_once(|p| p.patch_returns_resource.is_none())
            .await;
        let habits = self.endpoint.habits.get();
        let ask = habits.patch_returns_resource == Some(false)
            && habits.patch_honours_attributes != Some(false)
            && !attributes.is_empty();
        if !ask {
            return self.patch_then_read(id, patch).await;
        }
        match self
            .patch_asking(id, patch, &asked_for(attributes, patch))
            .await
        {
            Err(error) if refuses_attributes(&error) => {
                // A 400 refuses the whole PATCH (RFC 7644 §3.5.2: all
                // operations or none), so this sends the change once, not twice.
                let user = self.patch_then_read(id, patch).await?;
                tracing::warn!(%error, "the app refuses `attributes` on PATCH; changed users are read back");
                self.endpoint
                    .habits
                    .learn(|p| p.patch_honours_attributes = Some(false))
                    .await;
                Ok(user)
            }
            result => result,
        }
    }

    /// The PATCH as it is; where the answer has no body, the user is read back.
    async fn patch_then_read(
        &self,
        id: &str,
        patch: &PatchOp,
    ) -> Result<Map<String, Value>, ProviderError> {
        let resource = self.send_patch(id, patch, &[]).await?;
        self.endpoint
            .habits
            .learn(|p| p.patch_returns_resource = Some(resource.is_some()))
            .await;
        match resource {
            Some(resource) => Ok(resource),
            None => self.get_user(id).await,
        }
    }

    /// The PATCH asking for `asked` in its answer; the user is read back only
    /// where the app answered 204 anyway, or left out an extension it holds.
    async fn patch_asking(
        &self,
        id: &str,
        patch: &PatchOp,
        asked: &[&str],
    ) -> Result<Map<String, Value>, ProviderError> {
        let query = [("attributes", asked.join(","))];
        let resource = self.send_patch(id, patch, &query).await?;
        self.endpoint
            .habits
            .learn(|p| p.patch_honours_attributes = Some(resource.is_some()))
            .await;
        match resource {
            Some(resource) if holds_every_extension(&resource, asked) => Ok(resource),
            _ => self.get_user(id).await,
        }
    }

    /// The resource a PATCH answered with; `None` for a 204 (or no `id`).
    async fn send_patch(
        &self,
        id: &str,
        patch: &PatchOp,
        query: &[(&str, String)],
    ) -> Result<Option<Map<String, Value>>, ProviderError> {
        let segments = ["Users", id];
        let call = Call::new(Method::PATCH, &segments)
            .query(query)
            .json(patch)?;
        Ok(parse_resource(&self.send(&call).await?)?.filter(|r| id_of(r).is_some()))
    }
}

/// `attributes`, and the extensions `patch` writes into (so that what was
/// written comes back, whatever extension it was).
fn asked_for<'a>(attributes: &[&'a str], patch: &'a PatchOp) -> Vec<&'a str> {
    let mut asked = attributes.to_vec();
    for urn in patch.extensions() {
        if !asked.iter().any(|a| a.eq_ignore_ascii_case(urn)) {
            asked.push(urn);
        }
    }
    asked
}

/// Whether an answer cut down to `asked` still holds the whole user: an
/// extension its `schemas` names that was neither asked for nor answered
/// was left out.
fn holds_every_extension(resource: &Map<String, Value>, asked: &[&str]) -> bool {
    let asked_for = |urn: &str| asked.iter().any(|a| a.eq_ignore_ascii_case(urn));
    resource
        .get("schemas")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .all(|urn| {
            urn.eq_ignore_ascii_case(USER_SCHEMA) || resource.contains_key(urn) || asked_for(urn)
        })
}

/// Whether a 400 may be the app refusing `attributes` rather than the change.
fn refuses_attributes(error: &ProviderError) -> bool {
    error.status == Some(400)
        && !error
            .scim_type
            .as_deref()
            .is_some_and(|t| REFUSALS_OF_THE_CHANGE.contains(&t))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::{ENTERPRISE_USER, PatchOperation};

    #[test]
    fn the_extensions_a_patch_writes_are_asked_for_once() {
        let patch = PatchOp::new(vec![
            PatchOperation::Replace {
                path: "urn:example:ext:2.0:User:badge".into(),
                value: json!("42"),
            },
            PatchOperation::Remove {
                path: format!("{ENTERPRISE_USER}:manager"),
            },
            PatchOperation::Remove {
                path: "title".into(),
            },
        ]);
        assert_eq!(
            asked_for(&["userName", ENTERPRISE_USER], &patch),
            ["userName", ENTERPRISE_USER, "urn:example:ext:2.0:User"]
        );
    }

    #[test]
    fn an_answer_missing_an_extension_its_schemas_name_is_not_the_whole_user() {
        let answer = |schemas: Value| -> Map<String, Value> {
            serde_json::from_value(json!({"id": "1", "schemas": schemas, ENTERPRISE_USER: {}}))
                .unwrap()
        };
        let asked = ["userName"];
        let whole = answer(json!([USER_SCHEMA, ENTERPRISE_USER]));
        assert!(holds_every_extension(&whole, &asked));
        let cut = answer(json!([USER_SCHEMA, "urn:example:ext:2.0:User"]));
        assert!(!holds_every_extension(&cut, &asked));
        assert!(holds_every_extension(&cut, &["urn:example:ext:2.0:User"]));
    }
}
