//! Configuration from the environment, validated as a whole at start-up so an
//! operator sees every mistake at once.

mod env;

use std::{
    cell::RefCell,
    collections::HashMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use axum::http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use self::env::{
    DAY, Env, HOUR, MINUTE, SECOND, parse_api_keys, parse_networks, parse_origins,
    unknown_variables,
};
use crate::{
    crypto::KeyRing, netguard::NetworkPolicy, scim::DEFAULT_BUDGET_BYTES,
    service::sync::WorkerOptions,
};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, coloured when writing to a terminal.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Everything provisio needs to start, in parts that each read their own
/// variables. Built by [`Config::from_env`]; tests build it and adjust parts.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where generated keys and the default SQLite database live.
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    /// Which destinations calls to apps may reach (the SSRF guard).
    pub network: NetworkPolicy,
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    pub secrets: SecretsConfig,
    pub sync: SyncConfig,
    pub upstream: UpstreamConfig,
    /// Worth a warning but not a refusal (unknown `PROVISIO_*` variables);
    /// logged once logging is set up.
    pub warnings: Vec<String>,
}

/// How the API listens, and what a request may be.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Browser origins allowed to call the API (CORS); none by default.
    pub cors_origins: Vec<HeaderValue>,
    /// Largest request body accepted, in bytes (sync requests have their own).
    pub max_body_bytes: usize,
    /// Largest total size of a request's headers, in bytes.
    pub max_header_bytes: usize,
    /// The deadline of one API request, queueing and retries included.
    pub request_timeout: Duration,
    /// How long a stored `Idempotency-Key` response is replayed.
    pub idempotency_ttl: Duration,
    /// How long a client may take to send a request's line and headers
    /// (shortened while many connections are open).
    pub header_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request
    /// (shortened while many connections are open).
    pub idle_timeout: Duration,
    /// Most client connections held open at once; at the cap the slowest are shed.
    pub max_connections: usize,
}

/// Where provisio keeps its data, and for how long.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `postgres://…` or `sqlite://…`; may hold a password, hence secret.
    pub url: SecretString,
    /// Most database connections held open.
    pub max_connections: u32,
    /// How long operation log entries and finished sync runs are kept.
    pub retention: Duration,
}

/// The secrets provisio is given; unset ones are generated into the data directory.
#[derive(Debug, Clone)]
pub struct SecretsConfig {
    /// The credential key ring; `None` means "generate or reuse one in `data_dir`".
    pub encryption_keys: Option<KeyRing>,
    /// Accepted API keys; empty means "generate or reuse one in `data_dir`".
    pub api_keys: Vec<SecretString>,
}

/// Hire-to-retire sync: its requests, plans and worker.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Largest sync request body (a whole workforce), in bytes.
    pub max_body_bytes: usize,
    /// How long a sync plan can be applied by its id.
    pub plan_ttl: Duration,
    /// How the worker applies runs' items.
    pub worker: WorkerOptions,
}

/// Calls to apps, as a whole process.
#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// The most bytes of apps' answers held in memory at once, by all calls.
    pub answer_memory_bytes: usize,
}

/// Shortest API key accepted from the environment.
pub const MIN_API_KEY_LEN: usize = 16;

/// Every problem found in the configuration, one per line.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Self::from_vars(&vars)
    }

    /// The name of every variable the configuration reads.
    pub fn variables() -> Vec<String> {
        let read = RefCell::new(Vec::new());
        let _ = Self::from_lookup(|key| {
            read.borrow_mut().push(key.to_owned());
            None
        });
        read.into_inner()
    }

    /// Reads `vars`, and warns about each `PROVISIO_*` one that is never read.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut config = Self::from_lookup(|key| vars.get(key).cloned())?;
        config.warnings = unknown_variables(vars.keys(), &Self::variables());
        Ok(config)
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests),
    /// reporting every mistake in every part at once.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut env = Env::new(&lookup);
        let http = HttpConfig::read(&mut env);
        let data_dir = PathBuf::from(
            env.get("PROVISIO_DATA_DIR")
                .unwrap_or_else(|| "data".into()),
        );
        let database = DatabaseConfig::read(&mut env, &data_dir);
        let secrets = SecretsConfig::read(&mut env);
        let log_format = read_log_format(&mut env);
        let network = read_network(&mut env);
        let sync = SyncConfig::read(&mut env);
        let upstream = UpstreamConfig::read(&mut env);
        env.finish(Self {
            data_dir,
            log_format,
            network,
            http,
            database,
            secrets,
            sync,
            upstream,
            warnings: Vec::new(),
        })
    }
}

impl HttpConfig {
    fn read(env: &mut Env) -> Self {
        let raw = env
            .get("PROVISIO_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = raw.parse::<SocketAddr>().unwrap_or_else(|_| {
            env.error(format!(
                "PROVISIO_LISTEN `{raw}` is not an address like 127.0.0.1:8080 or 0.0.0.0:8080"
            ));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });
        Self {
            listen,
            cors_origins: env
                .get("PROVISIO_CORS_ORIGINS")
                .map(|spec| parse_origins(&spec, env))
                .unwrap_or_default(),
            max_body_bytes: env.size("PROVISIO_MAX_BODY_BYTES", 1024 * 1024, 1024..=1 << 30),
            max_header_bytes: env.size("PROVISIO_MAX_HEADER_BYTES", 16 * 1024, 1024..=1 << 20),
            request_timeout: env.duration("PROVISIO_REQUEST_TIMEOUT_SECONDS", SECOND, 60, 1..=3600),
            idempotency_ttl: env.duration("PROVISIO_IDEMPOTENCY_TTL_HOURS", HOUR, 24, 1..=8760),
            header_timeout: env.duration("PROVISIO_HEADER_TIMEOUT_SECONDS", SECOND, 10, 1..=300),
            idle_timeout: env.duration("PROVISIO_IDLE_TIMEOUT_SECONDS", SECOND, 75, 1..=3600),
            max_connections: env.size("PROVISIO_MAX_CONNECTIONS", 1024, 1..=1_000_000),
        }
    }
}

impl DatabaseConfig {
    fn read(env: &mut Env, data_dir: &Path) -> Self {
        let url = env
            .secret("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("provisio.db").display()));
        if !is_supported_database_url(&url) {
            env.error(
                "DATABASE_URL must start with postgres://, postgresql:// or sqlite://".into(),
            );
        }
        let max_connections = env.number("PROVISIO_DB_MAX_CONNECTIONS", 10, 1..=1000);
        Self {
            url: url.into(),
            // The range above keeps it within `u32`.
            max_connections: u32::try_from(max_connections).unwrap_or(u32::MAX),
            retention: env.duration("PROVISIO_OPERATION_RETENTION_DAYS", DAY, 90, 1..=36_500),
        }
    }

    /// The database URL with any password masked, for log lines.
    pub fn url_for_logs(&self) -> String {
        redact_url(self.url.expose_secret())
    }
}

impl SecretsConfig {
    fn read(env: &mut Env) -> Self {
        let encryption_keys = env.secret("PROVISIO_ENCRYPTION_KEYS").and_then(|spec| {
            KeyRing::parse(&spec)
                .map_err(|e| env.error(format!("PROVISIO_ENCRYPTION_KEYS: {e}")))
                .ok()
        });
        let api_keys = env
            .secret("PROVISIO_API_KEYS")
            .map(|spec| parse_api_keys(&SecretString::from(spec), env))
            .unwrap_or_default();
        Self {
            encryption_keys,
            api_keys,
        }
    }
}

impl SyncConfig {
    fn read(env: &mut Env) -> Self {
        Self {
            max_body_bytes: env.size(
                "PROVISIO_MAX_SYNC_BODY_BYTES",
                64 * 1024 * 1024,
                1024..=1 << 31,
            ),
            plan_ttl: env.duration("PROVISIO_SYNC_PLAN_TTL_MINUTES", MINUTE, 60, 1..=10_080),
            worker: WorkerOptions {
                lease: env.duration("PROVISIO_SYNC_LEASE_SECONDS", SECOND, 30, 3..=3600),
                concurrency: env.size("PROVISIO_SYNC_CONCURRENCY", 8, 1..=256),
                retry: env.duration("PROVISIO_SYNC_RETRY_SECONDS", SECOND, 10, 1..=3600),
            },
        }
    }
}

impl UpstreamConfig {
    fn read(env: &mut Env) -> Self {
        Self {
            answer_memory_bytes: env.size(
                "PROVISIO_MAX_ANSWER_MEMORY_BYTES",
                DEFAULT_BUDGET_BYTES as u64,
                1 << 20..=1 << 40,
            ),
        }
    }
}

fn read_network(env: &mut Env) -> NetworkPolicy {
    NetworkPolicy {
        allow_private: env.flag("PROVISIO_ALLOW_PRIVATE_NETWORKS"),
        allowed: env
            .get("PROVISIO_ALLOWED_NETWORKS")
            .map(|spec| parse_networks(&spec, env))
            .unwrap_or_default(),
    }
}

fn read_log_format(env: &mut Env) -> LogFormat {
    match env.get("PROVISIO_LOG").as_deref() {
        None | Some("pretty") => LogFormat::Pretty,
        Some("json") => LogFormat::Json,
        Some(other) => {
            env.error(format!(
                "PROVISIO_LOG must be `pretty` or `json`, not `{other}`"
            ));
            LogFormat::Pretty
        }
    }
}

fn is_supported_database_url(url: &str) -> bool {
    ["postgres://", "postgresql://", "sqlite://", "sqlite:"]
        .iter()
        .any(|prefix| url.starts_with(prefix))
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
mod tests;
