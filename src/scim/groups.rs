//! SCIM Groups (RFC 7643 §4.2): one group, its members, and membership
//! changes the way apps accept them — `add` on `members` with values,
//! `remove` with `members[value eq "…"]` paths, many per request; a
//! GET-merge-PUT that keeps every member nobody asked to change where an app
//! has no PATCH.

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{
    client::Session,
    error::ProviderError,
    filter::Filter,
    listing::Collection,
    patch::{PatchOp, PatchOperation},
    retry::may_have_landed,
    transport::{Call, invalid, parse_resource},
    types::id_of,
};

pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The member ids of a group resource (`members[].value`).
pub fn member_ids(group: &Map<String, Value>) -> Vec<String> {
    group
        .get("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(member_id)
        .collect()
}

/// One `members[]` entry's id (`value`; some apps send numbers).
pub fn member_id(member: &Value) -> Option<String> {
    match member.get("value")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Session<'_> {
    /// The group `members[]` entry for a user: its id and where it lives.
    pub fn member_value(&self, user_id: &str) -> Value {
        let mut reference = self.endpoint.base.clone();
        if let Ok(mut path) = reference.path_segments_mut() {
            path.pop_if_empty().extend(["Users", user_id]);
        }
        json!({"value": user_id, "$ref": reference.as_str(), "type": "User"})
    }

    /// `GET /Groups/{id}`, with its members or without them.
    pub async fn get_group(
        &self,
        id: &str,
        members: bool,
    ) -> Result<Map<String, Value>, ProviderError> {
        let query = if members {
            Vec::new()
        } else {
            vec![("excludedAttributes", "members".to_owned())]
        };
        let answer = self
            .send(&Call::new(Method::GET, &["Groups", id]).query(&query))
            .await?;
        parse_resource(&answer)?.ok_or_else(|| invalid("the app returned an empty group"))
    }

    /// `POST /Groups`, never making two groups of one: after a failure that
    /// may have landed, the group is looked up by its name first.
    pub async fn create_group(
        &self,
        group: &Map<String, Value>,
    ) -> Result<Map<String, Value>, ProviderError> {
        let call = Call::new(Method::POST, &["Groups"]).json(group)?;
        let error = match self.send_once(&call).await {
            Ok(answer) => match parse_resource(&answer)? {
                Some(created) if id_of(&created).is_some() => return Ok(created),
                _ => return self.find_group_like(group).await?.ok_or_else(|| {
                    invalid("the app accepted the new group but returned neither it nor a way to find it")
                }),
            },
            Err(error) => error,
        };
        if may_have_landed(&error)
            && let Ok(Some(landed)) = self.find_group_like(group).await
        {
            tracing::info!("a group create whose answer was lost had landed; not sending it again");
            return Ok(landed);
        }
        Err(error)
    }

    /// The group of `group`'s display name, if the app has one.
    async fn find_group_like(
        &self,
        group: &Map<String, Value>,
    ) -> Result<Option<Map<String, Value>>, ProviderError> {
        let name = group
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(self
            .find_groups(&Filter::DisplayNameEq(name.to_owned()))
            .await?
            .into_iter()
            .next())
    }

    /// Every group matching `filter` (its name matched ignoring case), without
    /// members. Apps often match `displayName` case-sensitively, although RFC
    /// 7643 says it is not case-exact: a name found nowhere is looked for
    /// again among every group (there are rarely many).
    pub async fn find_groups(
        &self,
        filter: &Filter,
    ) -> Result<Vec<Map<String, Value>>, ProviderError> {
        let found = self.groups_where(Some(filter), |_| true).await?;
        if !found.is_empty() || !matches!(filter, Filter::DisplayNameEq(_)) {
            return Ok(found);
        }
        self.groups_where(None, |g| filter.matches(g)).await
    }

    async fn groups_where(
        &self,
        filter: Option<&Filter>,
        wanted: impl Fn(&Map<String, Value>) -> bool,
    ) -> Result<Vec<Map<String, Value>>, ProviderError> {
        let mut found = Vec::new();
        self.walk(Collection::Groups, filter, 100, |page| {
            found.extend(page.into_iter().filter(|g| wanted(g)));
            std::ops::ControlFlow::Continue(())
        })
        .await?;
        Ok(found)
    }

    /// `PATCH /Groups/{id}`; the answer's group, if it sent one (a 204 is fine:
    /// membership changes need nothing back).
    pub async fn patch_group(
        &self,
        id: &str,
        operations: Vec<PatchOperation>,
    ) -> Result<Option<Map<String, Value>>, ProviderError> {
        let segments = ["Groups", id];
        let call = Call::new(Method::PATCH, &segments).json(&PatchOp::new(operations))?;
        let answer = self.send(&call).await?;
        Ok(parse_resource(&answer)?.filter(|r| id_of(r).is_some()))
    }

    /// `PUT /Groups/{id}` with the whole group (`If-Match` where a version was read).
    pub async fn replace_group(
        &self,
        id: &str,
        group: &Map<String, Value>,
        if_match: Option<&str>,
    ) -> Result<Option<Map<String, Value>>, ProviderError> {
        let segments = ["Groups", id];
        let call = Call::new(Method::PUT, &segments)
            .json(group)?
            .if_match(if_match);
        let answer = self.send(&call).await?;
        Ok(parse_resource(&answer)?.filter(|r| id_of(r).is_some()))
    }

    /// `DELETE /Groups/{id}`.
    pub async fn delete_group(&self, id: &str) -> Result<(), ProviderError> {
        self.send(&Call::new(Method::DELETE, &["Groups", id]))
            .await
            .map(|_| ())
    }
}

/// PATCH operations adding `members` (one operation, many values).
pub fn add_members(values: Vec<Value>) -> PatchOperation {
    PatchOperation::Add {
        path: "members".into(),
        value: Value::Array(values),
    }
}

/// PATCH operations removing each of `ids` (`members[value eq "…"]`).
pub fn remove_members(ids: &[String]) -> Vec<PatchOperation> {
    ids.iter()
        .map(|id| PatchOperation::Remove {
            // A JSON string literal quotes and escapes exactly as SCIM filters want.
            path: format!(
                "members[value eq {}]",
                serde_json::to_string(id).unwrap_or_else(|_| "\"\"".into())
            ),
        })
        .collect()
}
