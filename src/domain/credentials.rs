//! Credentials provisio uses to call an app. Secret parts are [`SecretString`]s:
//! they print as `***`, and leave memory zeroed.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zeroize::Zeroizing;

use super::FieldError;

/// Longest secret accepted; real tokens are far shorter, and the limit keeps
/// an accidental paste of a file out of the database.
const MAX_SECRET_LEN: usize = 8192;
/// Secrets shorter than this get no hint: four characters of a short password
/// would give too much of it away.
const MIN_LEN_FOR_HINT: usize = 12;

/// How a connection authenticates to its app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic base64(username:password)`.
    Basic,
    /// An API token issued by the app; sent the way the provider expects (a bearer token for 8x8).
    ApiKey,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Bearer => "bearer",
            CredentialKind::Basic => "basic",
            CredentialKind::ApiKey => "api_key",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Bearer, Self::Basic, Self::ApiKey]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What may be shown about stored credentials: their kind and the last characters of the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CredentialSummary {
    #[serde(rename = "type")]
    pub kind: CredentialKind,
    /// Last 4 characters of the token (or password), to tell credentials apart;
    /// `null` when the secret is too short to hint at safely.
    pub hint: Option<String>,
}

/// Credentials in the clear, in memory only. `Debug` never shows secret parts.
#[derive(Clone)]
pub enum Credentials {
    Bearer {
        token: SecretString,
    },
    Basic {
        username: SecretString,
        password: SecretString,
    },
    ApiKey {
        token: SecretString,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials::{}(***)", self.kind())
    }
}

impl Credentials {
    /// A bearer token: visible ASCII, no spaces (RFC 6750 `b64token` is stricter still).
    pub fn bearer(token: String) -> Result<Self, FieldError> {
        check_token("token", &token)?;
        Ok(Self::Bearer {
            token: token.into(),
        })
    }

    /// An API token, with the same rules as a bearer token.
    pub fn api_key(token: String) -> Result<Self, FieldError> {
        check_token("token", &token)?;
        Ok(Self::ApiKey {
            token: token.into(),
        })
    }

    /// HTTP Basic credentials (RFC 7617: the user-id cannot contain a colon).
    pub fn basic(username: String, password: String) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if username.is_empty() {
            errors.push(FieldError::new("username", "must not be empty"));
        } else if username.contains(':') {
            errors.push(FieldError::new("username", "must not contain `:`"));
        } else if let Err(e) = check_secret_chars("username", &username) {
            errors.push(e);
        }
        if password.is_empty() {
            errors.push(FieldError::new("password", "must not be empty"));
        } else if let Err(e) = check_secret_chars("password", &password) {
            errors.push(e);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self::Basic {
            username: username.into(),
            password: password.into(),
        })
    }

    pub fn kind(&self) -> CredentialKind {
        match self {
            Credentials::Bearer { .. } => CredentialKind::Bearer,
            Credentials::Basic { .. } => CredentialKind::Basic,
            Credentials::ApiKey { .. } => CredentialKind::ApiKey,
        }
    }

    pub fn summary(&self) -> CredentialSummary {
        let secret = match self {
            Credentials::Bearer { token } | Credentials::ApiKey { token } => token,
            Credentials::Basic { password, .. } => password,
        };
        CredentialSummary {
            kind: self.kind(),
            hint: hint_of(secret.expose_secret()),
        }
    }

    /// The form that gets sealed. The buffer is zeroed when dropped.
    pub fn to_plaintext(&self) -> Zeroizing<Vec<u8>> {
        let form = match self {
            Credentials::Bearer { token } => SealedForm::Bearer {
                token: token.expose_secret(),
            },
            Credentials::Basic { username, password } => SealedForm::Basic {
                username: username.expose_secret(),
                password: password.expose_secret(),
            },
            Credentials::ApiKey { token } => SealedForm::ApiKey {
                token: token.expose_secret(),
            },
        };
        // Serializing borrowed strings into JSON cannot fail.
        Zeroizing::new(serde_json::to_vec(&form).unwrap_or_default())
    }

    /// Parses what [`Credentials::to_plaintext`] produced.
    pub fn from_plaintext(bytes: &[u8]) -> Result<Self, CorruptCredentialsError> {
        let form: OwnedSealedForm =
            serde_json::from_slice(bytes).map_err(|_| CorruptCredentialsError)?;
        Ok(match form {
            OwnedSealedForm::Bearer { token } => Self::Bearer {
                token: token.into(),
            },
            OwnedSealedForm::Basic { username, password } => Self::Basic {
                username: username.into(),
                password: password.into(),
            },
            OwnedSealedForm::ApiKey { token } => Self::ApiKey {
                token: token.into(),
            },
        })
    }
}

/// Opened credentials that do not parse: a bug or tampering, never user input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("opened credentials are not in the expected format")]
pub struct CorruptCredentialsError;

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum SealedForm<'a> {
    Bearer {
        token: &'a str,
    },
    Basic {
        username: &'a str,
        password: &'a str,
    },
    ApiKey {
        token: &'a str,
    },
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OwnedSealedForm {
    Bearer { token: String },
    Basic { username: String, password: String },
    ApiKey { token: String },
}

fn check_token(field: &str, token: &str) -> Result<(), FieldError> {
    if token.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if token.len() > MAX_SECRET_LEN {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_SECRET_LEN} bytes"),
        ));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(FieldError::new(
            field,
            "must be printable ASCII without spaces (check for a stray newline or a `Bearer ` prefix)",
        ));
    }
    Ok(())
}

fn check_secret_chars(field: &str, value: &str) -> Result<(), FieldError> {
    if value.len() > MAX_SECRET_LEN {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_SECRET_LEN} bytes"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

fn hint_of(secret: &str) -> Option<String> {
    let count = secret.chars().count();
    (count >= MIN_LEN_FOR_HINT).then(|| secret.chars().skip(count - 4).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_secret() {
        let creds = Credentials::basic("svc-user".into(), "hunter2-hunter2".into()).unwrap();
        let printed = format!("{creds:?}");
        assert!(!printed.contains("svc-user"));
        assert!(!printed.contains("hunter2"));
        assert_eq!(printed, "Credentials::basic(***)");
    }

    #[test]
    fn the_hint_is_the_last_four_characters_of_a_long_secret() {
        let creds = Credentials::bearer("abcdefghijklmnop-WXYZ".into()).unwrap();
        assert_eq!(creds.summary().hint.as_deref(), Some("WXYZ"));
    }

    #[test]
    fn a_short_secret_gets_no_hint() {
        let creds = Credentials::bearer("short-tok".into()).unwrap();
        assert_eq!(creds.summary().hint, None);
    }

    #[test]
    fn tokens_with_whitespace_are_refused() {
        let err = Credentials::bearer("abc def\n".into()).unwrap_err();
        assert_eq!(err.field, "token");
    }

    #[test]
    fn a_basic_username_with_a_colon_is_refused() {
        let errs = Credentials::basic("a:b".into(), "".into()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["username", "password"]);
    }

    #[test]
    fn plaintext_round_trips_every_kind() {
        for creds in [
            Credentials::bearer("tok-123456789012".into()).unwrap(),
            Credentials::api_key("key-123456789012".into()).unwrap(),
            Credentials::basic("user".into(), "pässwörd with spaces".into()).unwrap(),
        ] {
            let back = Credentials::from_plaintext(&creds.to_plaintext()).unwrap();
            assert_eq!(back.kind(), creds.kind());
            assert_eq!(back.to_plaintext(), creds.to_plaintext());
        }
    }
}
