//! A connection's own secrets, removed from everything its app sends back.
//!
//! Apps echo credentials: a 401 answering `invalid credentials: Bearer <token>`,
//! a debug page quoting the `Authorization` header. Whatever provisio passes on
//! (problem details, logs, the connection test, sync items, stored idempotent
//! responses) comes from the answer's body or from the error built out of it,
//! so both are redacted where the answer is read, before anything else sees
//! them: every form the secret may take there (as sent, JSON- or URL-escaped,
//! base64 as in a `Basic` header) is replaced by [`REDACTED`].

use std::borrow::Cow;

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD},
};
use bytes::Bytes;
use memchr::memmem::Finder;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::ExposeSecret;

use super::{endpoint::Auth, error::ProviderError};

/// RFC 3986 escapes all but its unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// `application/x-www-form-urlencoded` keeps `*` too.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Forms shorter than this are not searched: redacting every "abc" would
/// garble the text without protecting anything worth the name.
const MIN_SECRET_LEN: usize = 4;

/// A Basic username is treated as secret from this length on: generated
/// provisioning ids are; a short login name ("admin") is not, and redacting
/// it would mangle every message that mentions the word.
const MIN_SECRET_USERNAME_LEN: usize = 8;

/// The byte patterns of one connection's secrets, longest first (so a longer
/// form is replaced whole before a shorter one inside it could be).
#[derive(Clone, Default)]
pub struct Redactor {
    needles: Vec<Finder<'static>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms)", self.needles.len())
    }
}

impl Redactor {
    pub fn for_auth(auth: &Auth) -> Self {
        let mut forms = Vec::new();
        match auth {
            Auth::Bearer(token) => secret_forms(token.expose_secret(), &mut forms),
            Auth::Basic { username, password } => {
                let (user, pass) = (username.expose_secret(), password.expose_secret());
                secret_forms(pass, &mut forms);
                secret_forms(&format!("{user}:{pass}"), &mut forms);
                if user.len() >= MIN_SECRET_USERNAME_LEN {
                    secret_forms(user, &mut forms);
                }
            }
        }
        forms.retain(|f| f.len() >= MIN_SECRET_LEN);
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        Self {
            needles: forms
                .into_iter()
                .map(|f| Finder::new(&f).into_owned())
                .collect(),
        }
    }

    /// `body` with every secret form replaced; the same bytes when there is none.
    pub fn bytes(&self, body: Bytes) -> Bytes {
        if !self.needles.iter().any(|n| n.find(&body).is_some()) {
            return body;
        }
        let mut out = body.to_vec();
        for needle in &self.needles {
            out = replace_all(&out, needle);
        }
        Bytes::from(out)
    }

    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self
            .needles
            .iter()
            .any(|n| n.find(text.as_bytes()).is_some())
        {
            return Cow::Borrowed(text);
        }
        let mut out = text.as_bytes().to_vec();
        for needle in &self.needles {
            out = replace_all(&out, needle);
        }
        // Needles and the replacement are whole UTF-8 strings, so this holds.
        Cow::Owned(String::from_utf8_lossy(&out).into_owned())
    }

    /// The error with its texts redacted.
    pub fn error(&self, mut error: ProviderError) -> ProviderError {
        for text in [&mut error.detail, &mut error.scim_type]
            .into_iter()
            .flatten()
        {
            if let Cow::Owned(clean) = self.text(text) {
                *text = clean;
            }
        }
        error
    }
}

/// The forms `secret` may take in an answer.
fn secret_forms(secret: &str, forms: &mut Vec<Vec<u8>>) {
    forms.push(secret.as_bytes().to_vec());
    // As a JSON string's content, with and without escaped slashes.
    if let Ok(json) = serde_json::to_string(secret) {
        let inner = &json[1..json.len() - 1];
        forms.push(inner.as_bytes().to_vec());
        forms.push(inner.replace('/', "\\/").into_bytes());
    }
    // URL-encoded as encoders differ: escaping everything, all but RFC 3986's
    // unreserved characters, or as a form (`*` kept, space as `+`); hex in
    // either case.
    for set in [NON_ALPHANUMERIC, UNRESERVED, FORM] {
        let encoded = utf8_percent_encode(secret, set).to_string();
        forms.push(lowercase_hex(&encoded).into_bytes());
        forms.push(encoded.replace("%20", "+").into_bytes());
        forms.push(encoded.into_bytes());
    }
    // Base64, as in a `Basic` header or a token passed on encoded.
    for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        forms.push(engine.encode(secret).into_bytes());
    }
}

/// `%2F` → `%2f`, leaving everything else as it is.
fn lowercase_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if hex_left > 0 {
            out.push(c.to_ascii_lowercase());
            hex_left -= 1;
        } else {
            hex_left = if c == '%' { 2 } else { 0 };
            out.push(c);
        }
    }
    out
}

fn replace_all(haystack: &[u8], needle: &Finder<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = 0;
    for at in needle.find_iter(haystack) {
        if at < rest {
            continue;
        }
        out.extend_from_slice(&haystack[rest..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        rest = at + needle.needle().len();
    }
    out.extend_from_slice(&haystack[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn basic(user: &str, pass: &str) -> Redactor {
        Redactor::for_auth(&Auth::Basic {
            username: SecretString::from(user),
            password: SecretString::from(pass),
        })
    }

    #[test]
    fn a_bearer_token_is_redacted_in_every_form_an_app_may_echo() {
        let token = "s3cr3t/t0ken+with spaces";
        let redactor = Redactor::for_auth(&Auth::Bearer(SecretString::from(token)));
        let encoded = utf8_percent_encode(token, NON_ALPHANUMERIC).to_string();
        for echoed in [
            format!("invalid credentials: Bearer {token}"),
            format!(
                r#"{{"detail": "bad token \"{}\""}}"#,
                token.replace('/', "\\/")
            ),
            format!("GET /?access_token={encoded}"),
            format!("GET /?access_token={}", encoded.replace("%20", "+")),
            format!("GET /?access_token={}", lowercase_hex(&encoded)),
            format!(
                "GET /?access_token={}",
                url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
            ),
            format!("token={}", STANDARD.encode(token)),
        ] {
            let clean = redactor.text(&echoed);
            assert!(!clean.contains("t0ken"), "{echoed} → {clean}");
            assert!(clean.contains(REDACTED), "{clean}");
        }
    }

    #[test]
    fn basic_credentials_are_redacted_as_password_pair_and_header() {
        let redactor = basic("provisioning-id-4711", "hunter2-correct-horse");
        let header = STANDARD.encode("provisioning-id-4711:hunter2-correct-horse");
        let text = format!(
            "Authorization: Basic {header}; user provisioning-id-4711 password hunter2-correct-horse"
        );
        let clean = redactor.text(&text);
        assert!(!clean.contains("hunter2"), "{clean}");
        assert!(!clean.contains("4711"), "{clean}");
        assert!(!clean.contains(&header), "{clean}");
    }

    #[test]
    fn a_short_username_is_not_a_secret_and_is_left_alone() {
        let redactor = basic("admin", "hunter2-correct-horse");
        assert_eq!(
            redactor.text("user admin is locked"),
            "user admin is locked"
        );
    }

    #[test]
    fn bodies_without_a_secret_are_passed_on_untouched() {
        let redactor = Redactor::for_auth(&Auth::Bearer(SecretString::from("tok-123456")));
        let body = Bytes::from_static(br#"{"id":"1","userName":"ada"}"#);
        let same = redactor.bytes(body.clone());
        assert_eq!(same.as_ptr(), body.as_ptr());
        let echoed = redactor.bytes(Bytes::from_static(br#"{"detail":"tok-123456"}"#));
        assert_eq!(&echoed[..], br#"{"detail":"[redacted]"}"#);
    }
}
