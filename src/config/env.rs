//! Reading variables: one reader that collects every mistake instead of
//! stopping at the first, and the parsers of the few structured values.

use std::{ops::RangeInclusive, time::Duration};

use axum::http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use super::{ConfigError, MIN_API_KEY_LEN};

pub const SECOND: u64 = 1;
pub const MINUTE: u64 = 60;
pub const HOUR: u64 = 3600;
pub const DAY: u64 = 86_400;

/// The variables, read through a lookup (the environment, or a map in tests),
/// and the mistakes found so far.
pub struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<String>,
}

impl<'a> Env<'a> {
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            lookup,
            errors: Vec::new(),
        }
    }

    /// The value of `key`, trimmed; a blank one counts as unset.
    pub fn get(&self, key: &str) -> Option<String> {
        (self.lookup)(key)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A secret from `key`, or from the file `key_FILE` names (Docker and
    /// Kubernetes secrets), its trailing newline trimmed. Both set is a mistake.
    pub fn secret(&mut self, key: &str) -> Option<String> {
        let file_key = format!("{key}_FILE");
        match (self.get(key), self.get(&file_key)) {
            (Some(_), Some(_)) => {
                self.error(format!("set {key} or {file_key}, not both"));
                None
            }
            (Some(value), None) => Some(value),
            (None, Some(path)) => match std::fs::read_to_string(&path) {
                Ok(content) => Some(content.trim_end_matches(['\n', '\r']).to_owned()),
                Err(e) => {
                    self.error(format!("{file_key}: could not read {path}: {e}"));
                    None
                }
            },
            (None, None) => None,
        }
    }

    pub fn error(&mut self, message: String) {
        self.errors.push(message);
    }

    /// `value` if nothing was wrong, else every mistake at once.
    pub fn finish<T>(self, value: T) -> Result<T, ConfigError> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(ConfigError(self.errors))
        }
    }

    /// A whole number in `range`; `default` when unset (or wrong, which is reported).
    pub fn number(&mut self, key: &str, default: u64, range: RangeInclusive<u64>) -> u64 {
        let Some(raw) = self.get(key) else {
            return default;
        };
        match raw.parse::<u64>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                self.error(format!(
                    "{key} must be a whole number from {} to {}, not `{raw}`",
                    range.start(),
                    range.end()
                ));
                default
            }
        }
    }

    /// A size in bytes or a count; `range` keeps it within `usize`.
    pub fn size(&mut self, key: &str, default: u64, range: RangeInclusive<u64>) -> usize {
        usize::try_from(self.number(key, default, range)).unwrap_or(usize::MAX)
    }

    /// A duration given as a whole number of `unit` seconds.
    pub fn duration(
        &mut self,
        key: &str,
        unit: u64,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> Duration {
        Duration::from_secs(unit * self.number(key, default, range))
    }

    /// `true`/`false` (or `1`/`0`, `yes`/`no`); false when unset.
    pub fn flag(&mut self, key: &str) -> bool {
        match self.get(key).map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("false" | "0" | "no") => false,
            Some("true" | "1" | "yes") => true,
            Some(other) => {
                self.error(format!("{key} must be true or false, not `{other}`"));
                false
            }
        }
    }
}

/// `PROVISIO_API_KEYS`: comma-separated keys, each long and printable. A
/// mistake names the entry by position, never by value.
pub fn parse_api_keys(spec: &SecretString, env: &mut Env) -> Vec<SecretString> {
    let mut keys = Vec::new();
    for (index, key) in spec.expose_secret().split(',').map(str::trim).enumerate() {
        if key.is_empty() {
            continue;
        }
        if key.len() < MIN_API_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
            env.error(format!(
                "PROVISIO_API_KEYS entry {}: an API key must be at least {MIN_API_KEY_LEN} printable ASCII characters without spaces",
                index + 1
            ));
            continue;
        }
        keys.push(SecretString::from(key.to_owned()));
    }
    keys
}

/// `PROVISIO_CORS_ORIGINS`: comma-separated origins (scheme, host, optional port).
pub fn parse_origins(spec: &str, env: &mut Env) -> Vec<HeaderValue> {
    spec.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .filter_map(|origin| {
            let valid = url::Url::parse(origin).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https") && u.path() == "/" && !origin.ends_with('/')
            });
            match (valid, HeaderValue::from_str(origin)) {
                (true, Ok(value)) => Some(value),
                _ => {
                    env.error(format!(
                        "PROVISIO_CORS_ORIGINS: `{origin}` is not an origin like https://app.example.com (scheme, host, optional port, no path)"
                    ));
                    None
                }
            }
        })
        .collect()
}

/// `PROVISIO_ALLOWED_NETWORKS`: comma-separated CIDRs or addresses.
pub fn parse_networks(spec: &str, env: &mut Env) -> Vec<ipnet::IpNet> {
    spec.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .filter_map(|network| {
            // A bare address is a /32 (or /128).
            let parsed = network
                .parse::<ipnet::IpNet>()
                .or_else(|_| network.parse::<std::net::IpAddr>().map(ipnet::IpNet::from));
            parsed
                .map_err(|_| {
                    env.error(format!(
                        "PROVISIO_ALLOWED_NETWORKS: `{network}` is not a CIDR like 10.20.0.0/16 or an IP address"
                    ))
                })
                .ok()
        })
        .collect()
}

/// A warning for each `PROVISIO_*` variable in `names` that provisio does not
/// read (a typo is otherwise silently ignored), naming the closest one it does.
pub fn unknown_variables<'a>(
    names: impl IntoIterator<Item = &'a String>,
    known: &[String],
) -> Vec<String> {
    let mut warnings: Vec<String> = names
        .into_iter()
        .filter(|name| name.starts_with("PROVISIO_") && !name.starts_with("PROVISIO_TEST_"))
        .filter(|name| !known.contains(name))
        .map(|name| {
            let closest = known
                .iter()
                .filter(|k| k.starts_with("PROVISIO_"))
                .min_by_key(|k| edit_distance(name, k));
            match closest {
                Some(closest) => format!(
                    "{name} is not a provisio setting and is ignored; did you mean {closest}?"
                ),
                None => format!("{name} is not a provisio setting and is ignored"),
            }
        })
        .collect();
    warnings.sort();
    warnings
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}
