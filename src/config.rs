//! Configuration from the environment, validated as a whole at start-up so an
//! operator sees every mistake at once.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use axum::http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::{crypto::KeyRing, netguard::NetworkPolicy};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, coloured when writing to a terminal.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Everything provisio needs to start. Built by [`Config::from_env`]; tests build it directly.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// `postgres://…` or `sqlite://…`; may hold a password, hence secret.
    pub database_url: SecretString,
    /// Where generated keys and the default SQLite database live.
    pub data_dir: PathBuf,
    /// The credential key ring; `None` means "generate or reuse one in `data_dir`".
    pub encryption_keys: Option<KeyRing>,
    /// Accepted API keys; empty means "generate or reuse one in `data_dir`".
    pub api_keys: Vec<SecretString>,
    pub log_format: LogFormat,
    /// Browser origins allowed to call the API (CORS); none by default.
    pub cors_origins: Vec<HeaderValue>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Most database connections held open.
    pub db_max_connections: u32,
    /// Which destinations calls to apps may reach (the SSRF guard).
    pub network: NetworkPolicy,
    /// The deadline of one API request, queueing and retries included.
    pub request_timeout: Duration,
    /// Largest total size of a request's headers, in bytes.
    pub max_header_bytes: usize,
    /// How long a stored `Idempotency-Key` response is replayed.
    pub idempotency_ttl: Duration,
    /// How long operation log entries are kept.
    pub operation_retention: Duration,
    /// Largest sync request body (a whole workforce), in bytes.
    pub max_sync_body_bytes: usize,
    /// How long a sync plan can be applied by its id.
    pub sync_plan_ttl: Duration,
    /// How long an instance holds a sync item before another may take it over.
    pub sync_lease: Duration,
    /// How many sync items one instance applies at once (per instance, all runs).
    pub sync_concurrency: usize,
    /// The first wait before a sync item that failed for a passing reason is tried again (doubling).
    pub sync_retry: Duration,
}

/// Shortest API key accepted from the environment.
pub const MIN_API_KEY_LEN: usize = 16;
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_DATA_DIR: &str = "data";
const DEFAULT_MAX_BODY_BYTES: u64 = 1024 * 1024;
const DEFAULT_DB_MAX_CONNECTIONS: u64 = 10;
const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 60;
const DEFAULT_MAX_HEADER_BYTES: u64 = 16 * 1024;
const DEFAULT_IDEMPOTENCY_TTL_HOURS: u64 = 24;
const DEFAULT_OPERATION_RETENTION_DAYS: u64 = 90;
const DEFAULT_MAX_SYNC_BODY_BYTES: u64 = 64 * 1024 * 1024;
const DEFAULT_SYNC_PLAN_TTL_MINUTES: u64 = 60;
const DEFAULT_SYNC_LEASE_SECONDS: u64 = 30;
const DEFAULT_SYNC_CONCURRENCY: u64 = 8;
const DEFAULT_SYNC_RETRY_SECONDS: u64 = 10;

/// Every problem found in the configuration, one per line.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut errors = Vec::new();

        let listen = get("PROVISIO_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen = listen.parse::<SocketAddr>().unwrap_or_else(|_| {
            errors.push(format!(
                "PROVISIO_LISTEN `{listen}` is not an address like 127.0.0.1:8080 or 0.0.0.0:8080"
            ));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });

        let data_dir =
            PathBuf::from(get("PROVISIO_DATA_DIR").unwrap_or_else(|| DEFAULT_DATA_DIR.into()));
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("provisio.db").display()));
        if !is_supported_database_url(&database_url) {
            errors.push(
                "DATABASE_URL must start with postgres://, postgresql:// or sqlite://".into(),
            );
        }

        let encryption_keys = get("PROVISIO_ENCRYPTION_KEYS").and_then(|spec| {
            KeyRing::parse(&spec)
                .map_err(|e| errors.push(format!("PROVISIO_ENCRYPTION_KEYS: {e}")))
                .ok()
        });

        let api_keys = get("PROVISIO_API_KEYS")
            .map(|spec| parse_api_keys(&SecretString::from(spec), &mut errors))
            .unwrap_or_default();

        let log_format = match get("PROVISIO_LOG").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                errors.push(format!(
                    "PROVISIO_LOG must be `pretty` or `json`, not `{other}`"
                ));
                LogFormat::Pretty
            }
        };

        let cors_origins = get("PROVISIO_CORS_ORIGINS")
            .map(|spec| parse_origins(&spec, &mut errors))
            .unwrap_or_default();

        let number = |key: &str,
                      default: u64,
                      range: std::ops::RangeInclusive<u64>,
                      errors: &mut Vec<String>| {
            parse_number(&get, key, default, range, errors)
        };
        let max_body_bytes = number(
            "PROVISIO_MAX_BODY_BYTES",
            DEFAULT_MAX_BODY_BYTES,
            1024..=1 << 30,
            &mut errors,
        );
        let db_max_connections = number(
            "PROVISIO_DB_MAX_CONNECTIONS",
            DEFAULT_DB_MAX_CONNECTIONS,
            1..=1000,
            &mut errors,
        );

        let network = NetworkPolicy {
            allow_private: parse_bool(&get, "PROVISIO_ALLOW_PRIVATE_NETWORKS", &mut errors),
            allowed: get("PROVISIO_ALLOWED_NETWORKS")
                .map(|spec| parse_networks(&spec, &mut errors))
                .unwrap_or_default(),
        };

        let request_timeout = Duration::from_secs(number(
            "PROVISIO_REQUEST_TIMEOUT_SECONDS",
            DEFAULT_REQUEST_TIMEOUT_SECONDS,
            1..=3600,
            &mut errors,
        ));
        let max_header_bytes = number(
            "PROVISIO_MAX_HEADER_BYTES",
            DEFAULT_MAX_HEADER_BYTES,
            1024..=1 << 20,
            &mut errors,
        );
        let idempotency_ttl = Duration::from_secs(
            3600 * number(
                "PROVISIO_IDEMPOTENCY_TTL_HOURS",
                DEFAULT_IDEMPOTENCY_TTL_HOURS,
                1..=8760,
                &mut errors,
            ),
        );
        let operation_retention = Duration::from_secs(
            86_400
                * number(
                    "PROVISIO_OPERATION_RETENTION_DAYS",
                    DEFAULT_OPERATION_RETENTION_DAYS,
                    1..=36_500,
                    &mut errors,
                ),
        );

        let max_sync_body_bytes = number(
            "PROVISIO_MAX_SYNC_BODY_BYTES",
            DEFAULT_MAX_SYNC_BODY_BYTES,
            1024..=1 << 31,
            &mut errors,
        );
        let sync_plan_ttl = Duration::from_secs(
            60 * number(
                "PROVISIO_SYNC_PLAN_TTL_MINUTES",
                DEFAULT_SYNC_PLAN_TTL_MINUTES,
                1..=10_080,
                &mut errors,
            ),
        );
        let sync_lease = Duration::from_secs(number(
            "PROVISIO_SYNC_LEASE_SECONDS",
            DEFAULT_SYNC_LEASE_SECONDS,
            3..=3600,
            &mut errors,
        ));
        let sync_concurrency = number(
            "PROVISIO_SYNC_CONCURRENCY",
            DEFAULT_SYNC_CONCURRENCY,
            1..=256,
            &mut errors,
        );
        let sync_retry = Duration::from_secs(number(
            "PROVISIO_SYNC_RETRY_SECONDS",
            DEFAULT_SYNC_RETRY_SECONDS,
            1..=3600,
            &mut errors,
        ));

        if !errors.is_empty() {
            return Err(ConfigError(errors));
        }
        Ok(Self {
            listen,
            database_url: database_url.into(),
            data_dir,
            encryption_keys,
            api_keys,
            log_format,
            cors_origins,
            // The ranges above keep these within their types.
            max_body_bytes: usize::try_from(max_body_bytes).unwrap_or(usize::MAX),
            db_max_connections: u32::try_from(db_max_connections).unwrap_or(u32::MAX),
            network,
            request_timeout,
            max_header_bytes: usize::try_from(max_header_bytes).unwrap_or(usize::MAX),
            idempotency_ttl,
            operation_retention,
            max_sync_body_bytes: usize::try_from(max_sync_body_bytes).unwrap_or(usize::MAX),
            sync_plan_ttl,
            sync_lease,
            sync_concurrency: usize::try_from(sync_concurrency).unwrap_or(usize::MAX),
            sync_retry,
        })
    }

    /// The database URL with any password masked, for log lines.
    pub fn database_url_for_logs(&self) -> String {
        redact_url(self.database_url.expose_secret())
    }
}

fn is_supported_database_url(url: &str) -> bool {
    ["postgres://", "postgresql://", "sqlite://", "sqlite:"]
        .iter()
        .any(|prefix| url.starts_with(prefix))
}

fn parse_api_keys(spec: &SecretString, errors: &mut Vec<String>) -> Vec<SecretString> {
    let mut keys = Vec::new();
    for (index, key) in spec.expose_secret().split(',').map(str::trim).enumerate() {
        if key.is_empty() {
            continue;
        }
        if key.len() < MIN_API_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
            errors.push(format!(
                "PROVISIO_API_KEYS entry {}: an API key must be at least {MIN_API_KEY_LEN} printable ASCII characters without spaces",
                index + 1
            ));
            continue;
        }
        keys.push(SecretString::from(key.to_owned()));
    }
    keys
}

fn parse_origins(spec: &str, errors: &mut Vec<String>) -> Vec<HeaderValue> {
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
                    errors.push(format!(
                        "PROVISIO_CORS_ORIGINS: `{origin}` is not an origin like https://app.example.com (scheme, host, optional port, no path)"
                    ));
                    None
                }
            }
        })
        .collect()
}

fn parse_bool(get: &impl Fn(&str) -> Option<String>, key: &str, errors: &mut Vec<String>) -> bool {
    match get(key).map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("false" | "0" | "no") => false,
        Some("true" | "1" | "yes") => true,
        Some(other) => {
            errors.push(format!("{key} must be true or false, not `{other}`"));
            false
        }
    }
}

fn parse_networks(spec: &str, errors: &mut Vec<String>) -> Vec<ipnet::IpNet> {
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
                    errors.push(format!(
                        "PROVISIO_ALLOWED_NETWORKS: `{network}` is not a CIDR like 10.20.0.0/16 or an IP address"
                    ))
                })
                .ok()
        })
        .collect()
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    errors: &mut Vec<String>,
) -> u64 {
    match get(key) {
        None => default,
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                errors.push(format!(
                    "{key} must be a whole number from {} to {}, not `{raw}`",
                    range.start(),
                    range.end()
                ));
                default
            }
        },
    }
}

/// Masks the password of a URL, in the user-info part and in a `password`
/// query parameter (`postgres://user:***@host/db?sslmode=require&password=***`).
pub fn redact_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return "<unparseable url>".into();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    if url
        .query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("password"))
    {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("password") {
                    "***".into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn nothing_configured_gives_the_embedded_defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url.expose_secret(), "sqlite://data/provisio.db");
        assert_eq!(c.data_dir, PathBuf::from("data"));
        assert!(c.encryption_keys.is_none());
        assert!(c.api_keys.is_empty());
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert!(c.cors_origins.is_empty());
        assert_eq!(
            c.network,
            NetworkPolicy::default(),
            "the SSRF guard is on by default"
        );
    }

    #[test]
    fn private_networks_are_admitted_only_when_asked() {
        let c = config(&[
            ("PROVISIO_ALLOW_PRIVATE_NETWORKS", "true"),
            ("PROVISIO_ALLOWED_NETWORKS", "10.20.0.0/16, 192.168.7.9"),
        ])
        .unwrap();
        assert!(c.network.allow_private);
        assert_eq!(c.network.allowed.len(), 2);
        let err = config(&[
            ("PROVISIO_ALLOW_PRIVATE_NETWORKS", "maybe"),
            ("PROVISIO_ALLOWED_NETWORKS", "10.0.0.0/99"),
        ])
        .unwrap_err();
        assert_eq!(err.0.len(), 2, "{err}");
    }

    #[test]
    fn the_default_database_lives_in_the_data_dir() {
        let c = config(&[("PROVISIO_DATA_DIR", "/var/lib/provisio")]).unwrap();
        assert_eq!(
            c.database_url.expose_secret(),
            "sqlite:///var/lib/provisio/provisio.db"
        );
    }

    #[test]
    fn every_mistake_is_reported_at_once_without_secrets() {
        let err = config(&[
            ("PROVISIO_LISTEN", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("PROVISIO_ENCRYPTION_KEYS", "k1:dG9vc2hvcnQ="),
            ("PROVISIO_API_KEYS", "tiny-secret"),
            ("PROVISIO_LOG", "xml"),
            (
                "PROVISIO_CORS_ORIGINS",
                "https://ok.example.com,https://bad.example.com/path",
            ),
            ("PROVISIO_MAX_BODY_BYTES", "ten"),
        ])
        .unwrap_err();
        assert_eq!(err.0.len(), 7, "{err}");
        let text = err.to_string();
        assert!(!text.contains("tiny-secret"));
        assert!(!text.contains("dG9vc2hvcnQ"));
        assert!(text.contains("PROVISIO_CORS_ORIGINS: `https://bad.example.com/path`"));
    }

    #[test]
    fn passwords_are_masked_in_logged_database_urls() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/provisio"),
            "postgres://app:***@db:5432/provisio"
        );
        let redacted = redact_url("postgres://app@db/provisio?sslmode=require&password=s3cret");
        assert!(!redacted.contains("s3cret"), "{redacted}");
        assert!(redacted.contains("sslmode=require"));
    }
}
