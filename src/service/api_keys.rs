//! API keys kept in the database (created with `provisio api-key create`),
//! beside the ones given in `PROVISIO_API_KEYS`. Only SHA-256 digests are
//! stored; a key is shown once, when it is created.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::ServiceError;
use crate::{
    domain::{FieldError, Scope},
    store::{self, ApiKeyRow, DynStore, StoreError},
};

const NAME_CONSTRAINT: &str = "api_key_name_key";
/// Prefix of generated API keys, so a leaked one is recognisable in a secret scanner.
pub const API_KEY_PREFIX: &str = "pvs_";

/// A stored API key as listed (no digest).
#[derive(Debug, Clone)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    pub scope: Scope,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Who a presented key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOwner {
    pub id: String,
    pub scope: Scope,
}

#[derive(Clone)]
pub struct ApiKeyService {
    store: DynStore,
}

/// A fresh API key: `pvs_` and 32 random bytes, URL-safe base64.
pub fn generate_api_key() -> anyhow::Result<Zeroizing<String>> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut())
        .map_err(|_| anyhow::anyhow!("The system random source failed."))?;
    Ok(Zeroizing::new(format!(
        "{API_KEY_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(bytes.as_ref())
    )))
}

/// The hex SHA-256 digest under which a key is stored.
pub fn key_digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl ApiKeyService {
    pub fn new(store: DynStore) -> Self {
        Self { store }
    }

    /// Creates a key; the secret is returned once and never stored.
    pub async fn create(
        &self,
        name: &str,
        scope: Scope,
    ) -> Result<(ApiKeyInfo, Zeroizing<String>), ServiceError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
            return Err(ServiceError::Invalid(
                FieldError::new("name", "must be 1 to 64 printable characters").into(),
            ));
        }
        let secret = generate_api_key()
            .map_err(|e| ServiceError::Invalid(FieldError::new("key", e.to_string()).into()))?;
        let digest = key_digest(&secret);
        let row = ApiKeyRow {
            api_key_id: format!("ak_{}", &digest[..12]),
            name: name.to_owned(),
            key_hash: digest,
            scope,
            created_at: store::now(),
            revoked_at: None,
        };
        self.store.insert_api_key(&row).await.map_err(|e| match e {
            StoreError::Conflict { constraint } if constraint == NAME_CONSTRAINT => {
                ServiceError::Invalid(
                    FieldError::new("name", "another API key has this name").into(),
                )
            }
            other => other.into(),
        })?;
        Ok((info(row), secret))
    }

    pub async fn list(&self) -> Result<Vec<ApiKeyInfo>, ServiceError> {
        Ok(self
            .store
            .list_api_keys()
            .await?
            .into_iter()
            .map(info)
            .collect())
    }

    /// Revokes by id or name; `false` when no active key matched.
    pub async fn revoke(&self, id_or_name: &str) -> Result<bool, ServiceError> {
        Ok(self.store.revoke_api_key(id_or_name, store::now()).await?)
    }

    /// The active stored key matching `presented`, if any.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<KeyOwner>, ServiceError> {
        Ok(self
            .store
            .find_api_key(&key_digest(presented))
            .await?
            .map(|row| KeyOwner {
                scope: row.scope,
                id: row.api_key_id,
            }))
    }
}

fn info(row: ApiKeyRow) -> ApiKeyInfo {
    ApiKeyInfo {
        scope: row.scope,
        id: row.api_key_id,
        name: row.name,
        created_at: row.created_at,
        revoked_at: row.revoked_at,
    }
}
