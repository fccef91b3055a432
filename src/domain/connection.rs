//! A named connection to one app instance.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use url::Url;
use uuid::Uuid;

use super::{ConnectionProfile, CredentialSummary, FieldError, ProviderKind};

/// A connection as provisio knows it. Credentials are only summarised here;
/// the sealed secret stays in the store until a call needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub id: Uuid,
    pub name: ConnectionName,
    pub provider: ProviderKind,
    pub instance_url: InstanceUrl,
    pub settings: ConnectionSettings,
    pub credentials: CredentialSummary,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every write; updates are conditional on it (optimistic locking).
    pub revision: i64,
    /// How the app behaves, as learned and as set by hand.
    pub profile: ConnectionProfile,
}

/// A connection's unique name: 1–64 of `[a-z0-9._-]`, and not shaped like a UUID
/// (paths accept either, so a UUID-shaped name would be ambiguous).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ConnectionName(String);

impl ConnectionName {
    pub const MAX_LEN: usize = 64;

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let fail = |message: &str| Err(FieldError::new("name", message));
        if s.is_empty() || s.len() > Self::MAX_LEN {
            return fail("must be 1 to 64 characters long");
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        {
            return fail("may only contain lowercase letters a-z, digits 0-9, `.`, `_` and `-`");
        }
        if Uuid::try_parse(s).is_ok() {
            return fail("must not be a UUID: paths take a connection's id or its name");
        }
        if s == "." || s == ".." {
            return fail("must not be `.` or `..`: clients normalise them out of paths");
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a path names a connection: by id or by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConnectionKey {
    Id(Uuid),
    Name(ConnectionName),
}

impl ConnectionKey {
    /// `None` when the segment can be neither an id nor a name: no connection has it.
    pub fn parse(segment: &str) -> Option<Self> {
        if let Ok(id) = Uuid::try_parse(segment) {
            return Some(Self::Id(id));
        }
        ConnectionName::parse(segment).ok().map(Self::Name)
    }
}

/// The base URL of an app's SCIM API: absolute `http(s)`, with no credentials,
/// query or fragment (they would leak or be silently dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceUrl(Url);

impl InstanceUrl {
    /// Longer is a paste gone wrong, not a SCIM base URL.
    pub const MAX_LEN: usize = 2048;

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let fail = |message: String| Err(FieldError::new("instance_url", message));
        let url = match Url::parse(s.trim()) {
            Ok(url) => url,
            Err(e) => return fail(format!("is not a valid absolute URL: {e}")),
        };
        Self::from_url(url).or_else(fail)
    }

    pub fn from_url(url: Url) -> Result<Self, String> {
        if url.as_str().len() > Self::MAX_LEN {
            return Err(format!("is longer than {} characters", Self::MAX_LEN));
        }
        if !matches!(url.scheme(), "https" | "http") {
            return Err("must use https (or http)".into());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("must name a host".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not contain credentials; put them in `credentials`".into());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("must not have a query string or fragment".into());
        }
        Ok(Self(url))
    }

    pub fn as_url(&self) -> &Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for InstanceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

/// Provider and connection settings (`customer_id`, `login_type`, …), validated by
/// the provider's profile before they are stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ConnectionSettings(Map<String, Value>);

impl ConnectionSettings {
    pub fn new(map: Map<String, Value>) -> Self {
        Self(map)
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.0.get(key).and_then(Value::as_u64)
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_alphabet() {
        assert!(ConnectionName::parse("acme-workplace.prod_1").is_ok());
        for bad in ["", "Acme", "a b", "ä", ".", "..", &"x".repeat(65)] {
            assert_eq!(
                ConnectionName::parse(bad).unwrap_err().field,
                "name",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_uuid_shaped_name_is_refused_because_paths_would_be_ambiguous() {
        let err = ConnectionName::parse("0190b5a2-7c3e-7d4a-9f00-123456789abc").unwrap_err();
        assert!(err.message.contains("UUID"));
    }

    #[test]
    fn a_path_segment_is_an_id_or_a_name_or_nothing() {
        let id = Uuid::now_v7();
        assert_eq!(
            ConnectionKey::parse(&id.to_string()),
            Some(ConnectionKey::Id(id))
        );
        assert!(matches!(
            ConnectionKey::parse("hr"),
            Some(ConnectionKey::Name(_))
        ));
        assert_eq!(ConnectionKey::parse("NOT A NAME"), None);
    }

    #[test]
    fn instance_urls_refuse_credentials_queries_and_other_schemes() {
        assert!(InstanceUrl::parse("https://scim.example.com/scim/v2").is_ok());
        for bad in [
            "scim.example.com",
            "ftp://example.com",
            "https://user:pw@example.com/",
            "https://example.com/?token=x",
            "https://example.com/#x",
        ] {
            assert!(InstanceUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
