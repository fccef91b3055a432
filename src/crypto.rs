//! Sealing credentials at rest with XChaCha20-Poly1305 under a key ring.
//!
//! The first key of the ring seals; every key opens. Each blob records which key
//! sealed it (the store keeps the key id beside the blob), and the connection id
//! is bound in as associated data, so a blob copied into another row does not open.
//! XChaCha20's 192-bit nonces are drawn at random for every seal: collisions are
//! negligible even across billions of seals, which AES-GCM's 96-bit nonces could not promise.

use std::fmt;

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD},
};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::domain::{CorruptCredentialsError, Credentials};

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
/// First byte of every blob: lets the format change without guessing.
const BLOB_VERSION: u8 = 1;
const MAX_KEY_ID_LEN: usize = 32;

/// One named key. `Debug` shows the id only; the cipher zeroizes its key on drop.
#[derive(Clone)]
pub struct EncryptionKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionKey({}, ***)", self.id)
    }
}

impl EncryptionKey {
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// An ordered set of keys: the first seals, all open.
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: Vec<EncryptionKey>,
}

/// Why a key ring specification was refused. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRingError {
    #[error("the key ring is empty")]
    Empty,
    #[error("entry {0} is not of the form `id:base64-key`")]
    NotIdColonKey(usize),
    #[error("entry {0}: key id must be 1-32 of [A-Za-z0-9_-]")]
    BadKeyId(usize),
    #[error("entry {0} (`{1}`): the key is not valid base64")]
    NotBase64(usize, String),
    #[error("entry {0} (`{1}`): the key must decode to exactly 32 bytes, got {2}")]
    WrongLength(usize, String, usize),
    #[error("key id `{0}` appears more than once")]
    DuplicateId(String),
}

/// Why a blob did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("the credentials were sealed with key `{0}`, which is not in the key ring")]
    UnknownKey(String),
    #[error("the sealed credentials are malformed")]
    Malformed,
    #[error("the sealed credentials failed authentication (wrong key, wrong row or tampered)")]
    Inauthentic,
    #[error(transparent)]
    Corrupt(#[from] CorruptCredentialsError),
}

/// A sealed blob and the id of the key that sealed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedCredentials {
    pub key_id: String,
    pub blob: Vec<u8>,
}

impl KeyRing {
    /// Parses `id:base64,id:base64,...` (standard or URL-safe base64, padded or not).
    pub fn parse(spec: &str) -> Result<Self, KeyRingError> {
        let mut keys: Vec<EncryptionKey> = Vec::new();
        for (index, entry) in spec.split(',').map(str::trim).enumerate() {
            let position = index + 1;
            if entry.is_empty() {
                continue;
            }
            let (id, encoded) = entry
                .split_once(':')
                .ok_or(KeyRingError::NotIdColonKey(position))?;
            let id = id.trim();
            if !valid_key_id(id) {
                return Err(KeyRingError::BadKeyId(position));
            }
            if keys.iter().any(|k| k.id == id) {
                return Err(KeyRingError::DuplicateId(id.to_owned()));
            }
            let bytes = decode_key(encoded.trim())
                .ok_or_else(|| KeyRingError::NotBase64(position, id.to_owned()))?;
            let key: Zeroizing<[u8; KEY_LEN]> =
                Zeroizing::new(bytes.as_slice().try_into().map_err(|_| {
                    KeyRingError::WrongLength(position, id.to_owned(), bytes.len())
                })?);
            keys.push(EncryptionKey {
                id: id.to_owned(),
                cipher: XChaCha20Poly1305::new(&chacha20poly1305::Key::from(*key)),
            });
        }
        if keys.is_empty() {
            return Err(KeyRingError::Empty);
        }
        Ok(Self { keys })
    }

    /// A fresh random key as a ring entry, `id:base64`.
    pub fn generate_entry(id: &str) -> Result<Zeroizing<String>, getrandom::Error> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(key.as_mut())?;
        Ok(Zeroizing::new(format!(
            "{id}:{}",
            STANDARD.encode(key.as_ref())
        )))
    }

    /// The id of the key that seals.
    pub fn primary_id(&self) -> &str {
        &self.keys[0].id
    }

    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }

    pub fn contains(&self, key_id: &str) -> bool {
        self.keys.iter().any(|k| k.id == key_id)
    }

    /// Seals `plaintext` under the primary key, bound to `context`.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Result<SealedCredentials, SealError> {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| SealError)?;
        let aad = associated_data(context, &key.id);
        let ciphertext = key
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError)?;
        let mut blob = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        blob.push(BLOB_VERSION);
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        Ok(SealedCredentials {
            key_id: key.id.clone(),
            blob,
        })
    }

    /// Opens a blob sealed by [`KeyRing::seal`] with the same `context`.
    pub fn open(
        &self,
        context: &[u8],
        sealed: &SealedCredentials,
    ) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        let key = self
            .keys
            .iter()
            .find(|k| k.id == sealed.key_id)
            .ok_or_else(|| OpenError::UnknownKey(sealed.key_id.clone()))?;
        let (version, rest) = sealed.blob.split_first().ok_or(OpenError::Malformed)?;
        if *version != BLOB_VERSION || rest.len() < NONCE_LEN {
            return Err(OpenError::Malformed);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| OpenError::Malformed)?;
        let aad = associated_data(context, &key.id);
        key.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| OpenError::Inauthentic)
    }

    /// Seals a connection's credentials, bound to the connection id.
    pub fn seal_credentials(
        &self,
        connection_id: Uuid,
        credentials: &Credentials,
    ) -> Result<SealedCredentials, SealError> {
        self.seal(connection_id.as_bytes(), &credentials.to_plaintext())
    }

    /// Opens a connection's credentials; fails if the blob belongs to another connection.
    pub fn open_credentials(
        &self,
        connection_id: Uuid,
        sealed: &SealedCredentials,
    ) -> Result<Credentials, OpenError> {
        let plaintext = self.open(connection_id.as_bytes(), sealed)?;
        Ok(Credentials::from_plaintext(&plaintext)?)
    }
}

/// Sealing failed: only possible if the system's random source fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("could not seal credentials: the system random source failed")]
pub struct SealError;

fn associated_data(context: &[u8], key_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32 + context.len() + key_id.len());
    aad.extend_from_slice(b"provisio/credentials/v1\0");
    aad.extend_from_slice(key_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(context);
    aad
}

fn valid_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_KEY_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn decode_key(encoded: &str) -> Option<Zeroizing<Vec<u8>>> {
    [&STANDARD, &URL_SAFE, &URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(encoded).ok())
        .or_else(|| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(encoded)
                .ok()
        })
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(spec: &str) -> KeyRing {
        KeyRing::parse(spec).unwrap()
    }

    fn entry(id: &str) -> String {
        KeyRing::generate_entry(id).unwrap().to_string()
    }

    #[test]
    fn a_sealed_blob_opens_under_the_same_context() {
        let ring = ring(&entry("k1"));
        let sealed = ring.seal(b"row-1", b"secret").unwrap();
        assert_eq!(sealed.key_id, "k1");
        assert_eq!(ring.open(b"row-1", &sealed).unwrap().as_slice(), b"secret");
    }

    #[test]
    fn a_blob_moved_to_another_context_does_not_open() {
        let ring = ring(&entry("k1"));
        let sealed = ring.seal(b"row-1", b"secret").unwrap();
        assert_eq!(ring.open(b"row-2", &sealed), Err(OpenError::Inauthentic));
    }

    #[test]
    fn every_seal_uses_a_fresh_nonce() {
        let ring = ring(&entry("k1"));
        let a = ring.seal(b"c", b"same").unwrap();
        let b = ring.seal(b"c", b"same").unwrap();
        assert_ne!(a.blob, b.blob);
    }

    #[test]
    fn the_first_key_seals_and_every_key_opens() {
        let old = entry("old");
        let new = entry("new");
        let sealed_old = ring(&old).seal(b"c", b"x").unwrap();
        let both = ring(&format!("{new},{old}"));
        assert_eq!(both.primary_id(), "new");
        assert_eq!(both.open(b"c", &sealed_old).unwrap().as_slice(), b"x");
        assert_eq!(both.seal(b"c", b"x").unwrap().key_id, "new");
        assert_eq!(
            ring(&new).open(b"c", &sealed_old),
            Err(OpenError::UnknownKey("old".into()))
        );
    }

    #[test]
    fn a_tampered_blob_does_not_open() {
        let ring = ring(&entry("k1"));
        let mut sealed = ring.seal(b"c", b"secret").unwrap();
        let last = sealed.blob.len() - 1;
        sealed.blob[last] ^= 1;
        assert_eq!(ring.open(b"c", &sealed), Err(OpenError::Inauthentic));
        sealed.blob.truncate(3);
        assert_eq!(ring.open(b"c", &sealed), Err(OpenError::Malformed));
    }

    #[test]
    fn key_ring_errors_name_the_entry_and_never_the_key() {
        let short = STANDARD.encode([7u8; 16]);
        let err = KeyRing::parse(&format!("a:{short}")).unwrap_err();
        assert_eq!(err, KeyRingError::WrongLength(1, "a".into(), 16));
        assert!(!err.to_string().contains(&short));
        assert_eq!(KeyRing::parse("").unwrap_err(), KeyRingError::Empty);
        assert_eq!(
            KeyRing::parse("nocolon").unwrap_err(),
            KeyRingError::NotIdColonKey(1)
        );
        assert_eq!(
            KeyRing::parse("bad id:abc").unwrap_err(),
            KeyRingError::BadKeyId(1)
        );
        let k = entry("dup");
        assert_eq!(
            KeyRing::parse(&format!("{k},{k}")).unwrap_err(),
            KeyRingError::DuplicateId("dup".into())
        );
    }

    #[test]
    fn debug_output_hides_key_material() {
        let ring = ring(&entry("k1"));
        assert_eq!(format!("{:?}", ring.keys[0]), "EncryptionKey(k1, ***)");
    }
}
