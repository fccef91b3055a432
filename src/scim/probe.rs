//! The calls of the connection test's probe, as sent: no adaptation to what
//! the app is known to do (that is what the probe finds out), no retries.

use reqwest::{
    Method,
    header::{ETAG, HeaderMap, LOCATION},
};
use serde_json::{Map, Value};

use super::{
    client::Session,
    error::ProviderError,
    filter::Filter,
    patch::PatchOp,
    transport::{Call, invalid, not_scim, parse_resource},
    types::{ListResponse, id_of},
};

/// A resource as a write answered it, with what its headers said.
#[derive(Debug, Clone)]
pub struct Written {
    /// `None` when the answer had no body (a 204).
    pub resource: Option<Map<String, Value>>,
    pub status: u16,
    pub location: Option<String>,
    /// The `ETag` header, or `meta.version`.
    pub version: Option<String>,
}

impl Written {
    fn new(status: u16, headers: &HeaderMap, resource: Option<Map<String, Value>>) -> Self {
        let header = |name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            version: header(ETAG).or_else(|| resource.as_ref().and_then(version_of)),
            location: header(LOCATION),
            status,
            resource,
        }
    }
}

/// A resource's `meta.version`.
pub fn version_of(resource: &Map<String, Value>) -> Option<String> {
    resource
        .get("meta")?
        .get("version")?
        .as_str()
        .map(str::to_owned)
}

impl Session<'_> {
    /// `GET /Users` with exactly these parameters; `count: None` leaves it out.
    pub async fn probe_list(
        &self,
        filter: Option<&Filter>,
        start_index: u64,
        count: Option<u64>,
    ) -> Result<ListResponse, ProviderError> {
        let mut query = vec![("startIndex", start_index.to_string())];
        if let Some(count) = count {
            query.push(("count", count.to_string()));
        }
        if let Some(filter) = filter {
            query.push(("filter", filter.to_query()));
        }
        let answer = self
            .send_once(&Call::new(Method::GET, &["Users"]).query(&query))
            .await?;
        let mut list: ListResponse = serde_json::from_slice(&answer.body)
            .map_err(|_| not_scim(&answer, "a SCIM ListResponse"))?;
        list.received = list.resources.len();
        list.ids = list.resources.iter().filter_map(id_of).collect();
        Ok(list)
    }

    /// The names of the app's resource types (`/ResourceTypes`).
    pub async fn resource_types(&self) -> Result<Vec<String>, ProviderError> {
        let answer = self
            .send_once(&Call::new(Method::GET, &["ResourceTypes"]))
            .await?;
        let value: Value = serde_json::from_slice(&answer.body)
            .map_err(|_| not_scim(&answer, "a list of resource types"))?;
        let types = value
            .get("Resources")
            .or_else(|| value.get("resources"))
            .unwrap_or(&value);
        Ok(types
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("name").and_then(Value::as_str))
            .map(str::to_owned)
            .collect())
    }

    /// Whether `GET /Groups` answers at all.
    pub async fn has_groups_endpoint(&self) -> Result<bool, ProviderError> {
        let query = [("count", "1".to_owned())];
        match self
            .send_once(&Call::new(Method::GET, &["Groups"]).query(&query))
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if matches!(e.status, Some(404 | 405 | 501)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `POST /Users` once, keeping what the answer's headers said.
    pub async fn probe_create(&self, user: &Map<String, Value>) -> Result<Written, ProviderError> {
        let answer = self
            .send_once(&Call::new(Method::POST, &["Users"]).json(user)?)
            .await?;
        let resource = parse_resource(&answer)?
            .filter(|r| id_of(r).is_some())
            .ok_or_else(|| invalid("the app created the user but did not return it"))?;
        Ok(Written::new(
            answer.status.as_u16(),
            &answer.headers,
            Some(resource),
        ))
    }

    /// `PATCH /Users/{id}` once, keeping how the app answered (a body or
    /// not); with `attributes` unless they are empty.
    pub async fn probe_patch(
        &self,
        id: &str,
        patch: &PatchOp,
        attributes: &[&str],
    ) -> Result<Written, ProviderError> {
        let query = [("attributes", attributes.join(","))];
        let query = if attributes.is_empty() {
            &[][..]
        } else {
            &query[..]
        };
        let segments = ["Users", id];
        let call = Call::new(Method::PATCH, &segments)
            .query(query)
            .json(patch)?;
        let answer = self.send_once(&call).await?;
        let resource = parse_resource(&answer)?.filter(|r| id_of(r).is_some());
        Ok(Written::new(
            answer.status.as_u16(),
            &answer.headers,
            resource,
        ))
    }
}
