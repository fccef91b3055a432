//! Connections: create, read, change, delete, and re-seal under a new key.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    ServiceError,
    cache::{Cache, Changes},
};
use crate::{
    crypto::{KeyRing, OpenError, SealedCredentials},
    domain::{
        AppProfile, Connection, ConnectionKey, ConnectionName, ConnectionProfile,
        ConnectionSettings, CredentialKind, CredentialSummary, Credentials, FieldError,
        InstanceUrl, ProviderKind,
    },
    netguard::{NetworkPolicy, UrlCheckError},
    providers::{self, ConnectionDraft, ResolvedConnection},
    store::{self, ConnectionRow, DynStore, StoreError},
};

/// The unique constraint on connection names, as the migrations declare it.
const NAME_CONSTRAINT: &str = "connection_name_key";
/// How often an update is re-applied when the row changed underneath it.
const UPDATE_ATTEMPTS: usize = 3;
const ROTATION_BATCH: u32 = 100;
/// Sealed rows tried per key id at start-up.
const KEY_CHECK_SAMPLE: u32 = 3;
/// Connections kept in memory for reads (each is small; more are re-read).
const CACHED_CONNECTIONS: usize = 4096;

/// A connection to create, parsed but not yet validated against its provider.
pub struct NewConnection {
    pub name: ConnectionName,
    pub provider: ProviderKind,
    pub instance_url: Option<String>,
    pub credentials: Credentials,
    pub settings: Map<String, Value>,
}

/// Changes to a connection; `None` leaves a part as it is.
#[derive(Default)]
pub struct ConnectionChanges {
    pub name: Option<ConnectionName>,
    /// `Some(None)` resets the URL to the provider's default.
    pub instance_url: Option<Option<String>>,
    pub credentials: Option<Credentials>,
    /// `Some(Some(patch))` is merged into the current settings (RFC 7396:
    /// `null` removes a key); `Some(None)` removes every setting.
    pub settings: Option<Option<Map<String, Value>>>,
    /// A JSON merge patch of the app profile's overrides (`null` forgets one).
    pub profile_overrides: Option<Map<String, Value>>,
}

pub struct ConnectionPage {
    pub items: Vec<Connection>,
    /// The name to continue after, when more connections follow.
    pub next_after: Option<String>,
}

#[derive(Debug, Default)]
pub struct RotationReport {
    /// Connections re-sealed under the primary key.
    pub resealed: usize,
    /// Connections already sealed with the primary key.
    pub already_current: i64,
    pub failures: Vec<RotationFailure>,
}

#[derive(Debug)]
pub struct RotationFailure {
    pub connection_id: Uuid,
    pub name: String,
    pub reason: String,
}

#[derive(Clone)]
pub struct ConnectionService {
    store: DynStore,
    keys: KeyRing,
    network: Arc<NetworkPolicy>,
    /// Counts the changes to connections; see [`super::cache`].
    changes: Arc<Changes>,
    cache: Arc<Cache<ConnectionKey, Connection>>,
}

impl ConnectionService {
    /// Drops what this instance keeps about connections whenever the store
    /// hears that one changed, here or on another replica (Postgres
    /// `LISTEN/NOTIFY`), or that changes may have been missed. On Postgres a
    /// notification arrives a moment after the write, so kept connections are
    /// still confirmed by revision on every use (see [`super::cache`]); this
    /// frees their opened credentials promptly on every replica.
    pub fn hear_changes(&self) {
        let mut heard = self.store.connection_watch().subscribe();
        let changes = self.changes.clone();
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match heard.recv().await {
                    Ok(_) | Err(RecvError::Lagged(_)) => changes.bump(),
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }

    /// With SQLite this is the only process on the database, so every change
    /// is heard of; on Postgres other instances may change connections too.
    pub fn new(store: DynStore, keys: KeyRing, network: Arc<NetworkPolicy>) -> Self {
        let changes = Changes::new(store.backend() == "sqlite");
        Self {
            cache: Arc::new(Cache::new(changes.clone(), CACHED_CONNECTIONS)),
            changes,
            store,
            keys,
            network,
        }
    }

    /// The count of changes to connections, for whatever else caches them.
    pub fn changes(&self) -> Arc<Changes> {
        self.changes.clone()
    }

    /// The stored revision of a connection, or `None` once it is deleted.
    pub async fn revision(&self, connection_id: Uuid) -> Result<Option<i64>, ServiceError> {
        Ok(self.store.connection_revision(connection_id).await?)
    }

    /// Refuses an instance URL that the network policy forbids. A host that
    /// does not resolve from here is saved: it may only resolve inside the
    /// production network (split-horizon DNS), or not yet; every call checks
    /// its addresses again, and `POST …/test` reports it unreachable.
    async fn check_reachable(&self, url: &InstanceUrl) -> Result<(), ServiceError> {
        match self.network.check_url(url.as_url()).await {
            Ok(()) => Ok(()),
            Err(UrlCheckError::Forbidden(reason)) => {
                Err(ServiceError::InstanceUrlForbidden(reason.to_string()))
            }
            Err(UrlCheckError::Unresolvable(host)) => {
                tracing::warn!(%host, "instance_url's host does not resolve from here; saved, and checked again on every call");
                Ok(())
            }
        }
    }

    pub async fn create(&self, new: NewConnection) -> Result<Connection, ServiceError> {
        let resolved = providers::resolve_connection(
            new.provider,
            ConnectionDraft {
                instance_url: new.instance_url,
                credential_kind: Some(new.credentials.kind()),
                settings: new.settings,
            },
        )?;
        self.check_reachable(&resolved.instance_url).await?;
        let id = Uuid::now_v7();
        let now = store::now();
        let sealed = self.keys.seal_credentials(id, &new.credentials)?;
        let row = ConnectionRow {
            connection_id: id,
            name: new.name.as_str().to_owned(),
            provider: new.provider.as_str().to_owned(),
            instance_url: resolved.instance_url.as_str().to_owned(),
            settings: Value::Object(resolved.settings.into_map()),
            credential_type: new.credentials.kind().as_str().to_owned(),
            credential_sealed: sealed.blob,
            credential_key_id: sealed.key_id,
            credential_hint: new.credentials.summary().hint,
            revision: 1,
            created_at: now,
            updated_at: now,
            app_profile: Value::Object(Map::new()),
            profile_overrides: Value::Object(Map::new()),
        };
        self.store
            .insert_connection(&row)
            .await
            .map_err(name_conflict)?;
        row_to_connection(row)
    }

    /// The connection, from memory while no change to it can have been missed.
    pub async fn get(&self, key: &ConnectionKey) -> Result<Connection, ServiceError> {
        let trusted = self.changes.trusted();
        if trusted && let Some(connection) = self.cache.get(key) {
            return Ok(connection);
        }
        let stamp = self.cache.stamp();
        let connection = row_to_connection(self.get_row(key).await?)?;
        if trusted {
            self.cache.insert(key.clone(), connection.clone(), stamp);
        }
        Ok(connection)
    }

    /// The connection and its opened credentials, for calling the app.
    pub async fn get_with_credentials(
        &self,
        key: &ConnectionKey,
    ) -> Result<(Connection, Credentials), ServiceError> {
        let row = self.get_row(key).await?;
        let credentials = self
            .keys
            .open_credentials(row.connection_id, &sealed_of(&row))?;
        Ok((row_to_connection(row)?, credentials))
    }

    pub async fn list(
        &self,
        after_name: Option<&str>,
        limit: u32,
    ) -> Result<ConnectionPage, ServiceError> {
        let mut rows = self.store.list_connections(after_name, limit + 1).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_after = more.then(|| rows.last().map(|r| r.name.clone())).flatten();
        let items = rows
            .into_iter()
            .map(row_to_connection)
            .collect::<Result<_, _>>()?;
        Ok(ConnectionPage { items, next_after })
    }

    /// Applies `changes`, re-validating the whole connection against its provider.
    /// The write is conditional on the revision read, and re-applied on a race.
    pub async fn update(
        &self,
        key: &ConnectionKey,
        changes: ConnectionChanges,
    ) -> Result<Connection, ServiceError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.get_row(key).await?;
            let updated = self.apply_changes(&current, &changes)?;
            if updated.instance_url != current.instance_url {
                self.check_reachable(
                    &InstanceUrl::parse(&updated.instance_url)
                        .map_err(|e| ServiceError::Invalid(e.into()))?,
                )
                .await?;
            }
            if self
                .store
                .update_connection(&updated, current.revision)
                .await
                .map_err(name_conflict)?
            {
                self.changes.bump();
                if changes.credentials.is_some() {
                    self.erase_old_credentials().await;
                }
                return row_to_connection(updated);
            }
        }
        Err(ServiceError::ConcurrentModification)
    }

    fn apply_changes(
        &self,
        current: &ConnectionRow,
        changes: &ConnectionChanges,
    ) -> Result<ConnectionRow, ServiceError> {
        let provider = parse_provider(&current.provider)?;
        let mut settings = current.settings.as_object().cloned().unwrap_or_default();
        match &changes.settings {
            Some(Some(patch)) => merge_patch(&mut settings, patch),
            Some(None) => settings.clear(),
            None => {}
        }
        let credential_kind = match &changes.credentials {
            Some(credentials) => credentials.kind(),
            None => parse_credential_kind(&current.credential_type)?,
        };
        let instance_url = match &changes.instance_url {
            None => Some(current.instance_url.clone()),
            Some(new) => new.clone(),
        };
        let ResolvedConnection {
            instance_url,
            settings,
        } = providers::resolve_connection(
            provider,
            ConnectionDraft {
                instance_url,
                credential_kind: Some(credential_kind),
                settings,
            },
        )?;
        if changes.credentials.is_none()
            && !same_origin(&current.instance_url, instance_url.as_url())
        {
            return Err(ServiceError::Invalid(
                FieldError::new(
                    "credentials",
                    "must be given again when instance_url moves to another scheme, host or port: \
                     stored credentials are only ever sent where they were given for",
                )
                .into(),
            ));
        }
        let mut row = current.clone();
        if let Some(patch) = &changes.profile_overrides {
            let mut overrides = overrides_of(current);
            overrides.merge_patch(patch, "app_profile")?;
            row.profile_overrides = serde_json::to_value(overrides).unwrap_or_default();
        }
        if let Some(name) = &changes.name {
            row.name = name.as_str().to_owned();
        }
        row.instance_url = instance_url.as_str().to_owned();
        row.settings = Value::Object(settings.into_map());
        if let Some(credentials) = &changes.credentials {
            let sealed = self.keys.seal_credentials(row.connection_id, credentials)?;
            row.credential_type = credentials.kind().as_str().to_owned();
            row.credential_sealed = sealed.blob;
            row.credential_key_id = sealed.key_id;
            row.credential_hint = credentials.summary().hint;
        }
        row.revision = current.revision + 1;
        row.updated_at = store::now();
        Ok(row)
    }

    /// Stores what was learned about a connection's app (not a change of the
    /// connection: its revision stays). A connection deleted meanwhile is no error.
    pub async fn save_learned(
        &self,
        connection_id: Uuid,
        learned: AppProfile,
        probed_at: Option<DateTime<Utc>>,
    ) -> Result<(), ServiceError> {
        let record = serde_json::to_value(LearnedRecord { learned, probed_at }).unwrap_or_default();
        self.store.save_app_profile(connection_id, &record).await?;
        self.changes.bump();
        Ok(())
    }

    /// Forgets a connection and its sealed credentials.
    pub async fn delete(&self, key: &ConnectionKey) -> Result<(), ServiceError> {
        let row = self.get_row(key).await?;
        if self.store.delete_connection(row.connection_id).await? {
            self.changes.bump();
            self.erase_old_credentials().await;
            Ok(())
        } else {
            Err(ServiceError::ConnectionNotFound)
        }
    }

    /// Overwrites on disk what a delete or a new seal left of old credentials
    /// (where the backend can). The change is made either way, so a failure is
    /// only logged: the old blob stays sealed, and the next erase takes it.
    async fn erase_old_credentials(&self) {
        if let Err(error) = self.store.erase_freed().await {
            tracing::warn!(%error, "could not overwrite replaced credentials on disk");
        }
    }

    /// Key ids that seal stored credentials but are missing from the ring,
    /// with how many connections each would leave unreadable.
    pub async fn missing_keys(&self) -> Result<Vec<(String, i64)>, ServiceError> {
        Ok(self
            .store
            .credential_key_usage()
            .await?
            .into_iter()
            .filter(|usage| !self.keys.contains(&usage.key_id))
            .map(|usage| (usage.key_id, usage.connections))
            .collect())
    }

    /// Key ids in the ring whose key opens none of the (up to three) oldest
    /// credentials sealed under that id, with how many connections use the id:
    /// a wrong key under a known id. One row that opens proves the key right
    /// (the seal is authenticated), so a single damaged row does not count.
    pub async fn wrong_keys(&self) -> Result<Vec<(String, i64)>, ServiceError> {
        let mut wrong = Vec::new();
        for usage in self.store.credential_key_usage().await? {
            if !self.keys.contains(&usage.key_id) {
                continue;
            }
            let rows = self
                .store
                .connections_sealed_with(&usage.key_id, KEY_CHECK_SAMPLE)
                .await?;
            let opens = |row: &ConnectionRow| {
                !matches!(
                    self.keys
                        .open_credentials(row.connection_id, &sealed_of(row)),
                    Err(OpenError::Inauthentic)
                )
            };
            if !rows.is_empty() && !rows.iter().any(opens) {
                wrong.push((usage.key_id, usage.connections));
            }
        }
        Ok(wrong)
    }

    /// Re-seals every credential not sealed with the primary key. Afterwards the
    /// other keys can be removed from the ring. Rows that fail to open are
    /// reported and left as they are.
    pub async fn rotate_keys(&self) -> Result<RotationReport, ServiceError> {
        let primary = self.keys.primary_id().to_owned();
        let mut report = RotationReport {
            already_current: self
                .store
                .credential_key_usage()
                .await?
                .into_iter()
                .filter(|u| u.key_id == primary)
                .map(|u| u.connections)
                .sum(),
            ..RotationReport::default()
        };
        let mut after = None;
        loop {
            let batch = self
                .store
                .connections_not_sealed_with(&primary, after, ROTATION_BATCH)
                .await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.connection_id);
            for row in batch {
                match self.reseal(row.clone()).await {
                    Ok(()) => report.resealed += 1,
                    Err(e) => report.failures.push(RotationFailure {
                        connection_id: row.connection_id,
                        name: row.name,
                        reason: e.to_string(),
                    }),
                }
            }
        }
        if report.resealed > 0 {
            self.erase_old_credentials().await;
        }
        Ok(report)
    }

    async fn reseal(&self, mut row: ConnectionRow) -> Result<(), ServiceError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let credentials = self
                .keys
                .open_credentials(row.connection_id, &sealed_of(&row))?;
            let sealed = self
                .keys
                .seal_credentials(row.connection_id, &credentials)?;
            let expected = row.revision;
            let mut updated = row.clone();
            updated.credential_sealed = sealed.blob;
            updated.credential_key_id = sealed.key_id;
            updated.revision = expected + 1;
            if self.store.update_connection(&updated, expected).await? {
                self.changes.bump();
                return Ok(());
            }
            // Changed meanwhile: re-read; a concurrent update may already have re-sealed it.
            match self
                .store
                .get_connection(&ConnectionKey::Id(row.connection_id))
                .await?
            {
                Some(fresh) if fresh.credential_key_id == self.keys.primary_id() => return Ok(()),
                Some(fresh) => row = fresh,
                None => return Ok(()),
            }
        }
        Err(ServiceError::ConcurrentModification)
    }

    async fn get_row(&self, key: &ConnectionKey) -> Result<ConnectionRow, ServiceError> {
        self.store
            .get_connection(key)
            .await?
            .ok_or(ServiceError::ConnectionNotFound)
    }
}

/// Whether two URLs share scheme, host and port.
fn same_origin(current: &str, new: &url::Url) -> bool {
    url::Url::parse(current).is_ok_and(|current| current.origin() == new.origin())
}

fn name_conflict(error: StoreError) -> ServiceError {
    match error {
        StoreError::Conflict { constraint } if constraint == NAME_CONSTRAINT => {
            ServiceError::ConnectionExists
        }
        other => ServiceError::Store(other),
    }
}

fn sealed_of(row: &ConnectionRow) -> SealedCredentials {
    SealedCredentials {
        key_id: row.credential_key_id.clone(),
        blob: row.credential_sealed.clone(),
    }
}

/// RFC 7396 JSON merge patch on an object: `null` removes, objects merge, other values replace.
fn merge_patch(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(inner) => {
                let entry = target
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(existing) = entry {
                    merge_patch(existing, inner);
                } else {
                    *entry = Value::Object(inner.clone());
                }
            }
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

fn corrupt(what: &str, value: &str) -> ServiceError {
    ServiceError::Store(StoreError::Corrupt(format!("{what} `{value}`")))
}

fn parse_provider(value: &str) -> Result<ProviderKind, ServiceError> {
    value
        .parse()
        .map_err(|_| corrupt("unknown provider", value))
}

fn parse_credential_kind(value: &str) -> Result<CredentialKind, ServiceError> {
    CredentialKind::parse(value).ok_or_else(|| corrupt("unknown credential type", value))
}

/// What was learned about an app, as stored beside the connection.
#[derive(Debug, Default, Serialize, Deserialize)]
struct LearnedRecord {
    #[serde(default)]
    learned: AppProfile,
    #[serde(default)]
    probed_at: Option<DateTime<Utc>>,
}

/// A connection's profile as stored. Facts this version does not know (a
/// newer replica's) are ignored rather than failing the connection.
fn profile_of(row: &ConnectionRow) -> ConnectionProfile {
    let record: LearnedRecord = serde_json::from_value(row.app_profile.clone()).unwrap_or_default();
    ConnectionProfile {
        learned: record.learned,
        overrides: overrides_of(row),
        probed_at: record.probed_at,
    }
}

fn overrides_of(row: &ConnectionRow) -> AppProfile {
    serde_json::from_value(row.profile_overrides.clone()).unwrap_or_default()
}

fn row_to_connection(row: ConnectionRow) -> Result<Connection, ServiceError> {
    let profile = profile_of(&row);
    let name = ConnectionName::parse(&row.name).map_err(|_| corrupt("invalid name", &row.name))?;
    let instance_url = InstanceUrl::parse(&row.instance_url)
        .map_err(|_| corrupt("invalid instance_url", &row.instance_url))?;
    let settings = match row.settings {
        Value::Object(map) => ConnectionSettings::new(map),
        _ => return Err(corrupt("settings that are not an object for", &row.name)),
    };
    Ok(Connection {
        id: row.connection_id,
        name,
        provider: parse_provider(&row.provider)?,
        instance_url,
        settings,
        credentials: CredentialSummary {
            kind: parse_credential_kind(&row.credential_type)?,
            hint: row.credential_hint,
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
        revision: row.revision,
        profile,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_patch_sets_replaces_and_removes() {
        let mut target = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": 4})
            .as_object()
            .cloned()
            .unwrap();
        let patch = json!({"a": null, "b": {"c": null, "x": 9}, "e": 5, "f": 6});
        merge_patch(&mut target, patch.as_object().unwrap());
        assert_eq!(
            Value::Object(target),
            json!({"b": {"d": 3, "x": 9}, "e": 5, "f": 6})
        );
    }
}
