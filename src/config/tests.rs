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
    assert_eq!(c.http.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.database.url.expose_secret(), "sqlite://data/provisio.db");
    assert_eq!(c.data_dir, PathBuf::from("data"));
    assert!(c.secrets.encryption_keys.is_none());
    assert!(c.secrets.api_keys.is_empty());
    assert_eq!(c.log_format, LogFormat::Pretty);
    assert!(c.http.cors_origins.is_empty());
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
        c.database.url.expose_secret(),
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

#[test]
fn each_part_reads_its_own_variables() {
    let c = config(&[
        ("PROVISIO_MAX_BODY_BYTES", "2048"),
        ("PROVISIO_DB_MAX_CONNECTIONS", "3"),
        ("PROVISIO_OPERATION_RETENTION_DAYS", "2"),
        ("PROVISIO_MAX_SYNC_BODY_BYTES", "4096"),
        ("PROVISIO_SYNC_PLAN_TTL_MINUTES", "5"),
        ("PROVISIO_SYNC_CONCURRENCY", "4"),
        ("PROVISIO_MAX_ANSWER_MEMORY_BYTES", "1048576"),
    ])
    .unwrap();
    assert_eq!(c.http.max_body_bytes, 2048);
    assert_eq!(c.database.max_connections, 3);
    assert_eq!(c.database.retention, Duration::from_secs(2 * 86_400));
    assert_eq!(c.sync.max_body_bytes, 4096);
    assert_eq!(c.sync.plan_ttl, Duration::from_secs(300));
    assert_eq!(c.sync.worker.concurrency, 4);
    assert_eq!(c.upstream.answer_memory_bytes, 1 << 20);
    let err = config(&[
        ("PROVISIO_REQUEST_TIMEOUT_SECONDS", "0"),
        ("PROVISIO_SYNC_LEASE_SECONDS", "1"),
        ("PROVISIO_MAX_ANSWER_MEMORY_BYTES", "1000"),
    ])
    .unwrap_err();
    assert_eq!(
        err.0.len(),
        3,
        "mistakes in three parts are reported together: {err}"
    );
}

#[test]
fn connection_limits_have_defaults_and_can_be_set() {
    let c = config(&[]).unwrap();
    assert_eq!(c.http.header_timeout, Duration::from_secs(10));
    assert_eq!(c.http.idle_timeout, Duration::from_secs(75));
    assert_eq!(c.http.max_connections, 1024);
    let c = config(&[
        ("PROVISIO_HEADER_TIMEOUT_SECONDS", "2"),
        ("PROVISIO_IDLE_TIMEOUT_SECONDS", "30"),
        ("PROVISIO_MAX_CONNECTIONS", "200"),
    ])
    .unwrap();
    assert_eq!(c.http.header_timeout, Duration::from_secs(2));
    assert_eq!(c.http.idle_timeout, Duration::from_secs(30));
    assert_eq!(c.http.max_connections, 200);
    let err = config(&[
        ("PROVISIO_HEADER_TIMEOUT_SECONDS", "0"),
        ("PROVISIO_MAX_CONNECTIONS", "lots"),
    ])
    .unwrap_err();
    assert_eq!(err.0.len(), 2, "{err}");
}

#[test]
fn secrets_may_come_from_files_with_their_trailing_newline_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, content: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let keys = write("api-keys", "0123456789abcdef0123\n");
    let ring = write(
        "ring",
        &format!("{}\n", *KeyRing::generate_entry("k1").unwrap()),
    );
    let url = write("url", "postgres://provisio:s3cret@db/provisio\r\n");
    let c = config(&[
        ("PROVISIO_API_KEYS_FILE", &keys),
        ("PROVISIO_ENCRYPTION_KEYS_FILE", &ring),
        ("DATABASE_URL_FILE", &url),
    ])
    .unwrap();
    assert_eq!(
        c.secrets.api_keys[0].expose_secret(),
        "0123456789abcdef0123"
    );
    assert_eq!(c.secrets.encryption_keys.unwrap().primary_id(), "k1");
    assert_eq!(
        c.database.url.expose_secret(),
        "postgres://provisio:s3cret@db/provisio"
    );
}

#[test]
fn a_secret_set_twice_or_from_a_missing_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = config(&[
        ("PROVISIO_API_KEYS", "0123456789abcdef0123"),
        ("PROVISIO_API_KEYS_FILE", "/run/secrets/api-keys"),
        ("DATABASE_URL_FILE", missing.to_str().unwrap()),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("set PROVISIO_API_KEYS or PROVISIO_API_KEYS_FILE, not both"),
        "{err}"
    );
    assert!(err.contains("DATABASE_URL_FILE: could not read"), "{err}");
    assert!(!err.contains("0123456789abcdef0123"), "{err}");
}

#[test]
fn an_unknown_provisio_variable_is_warned_about_with_the_closest_known_one() {
    let vars: HashMap<String, String> = [
        ("PROVISIO_LSITEN", "0.0.0.0:8080"),
        ("PROVISIO_API_KEYS_FILE", "/dev/null"),
        ("HOME", "/root"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let c = Config::from_vars(&vars).unwrap();
    assert_eq!(
        c.warnings,
        ["PROVISIO_LSITEN is not a provisio setting and is ignored; did you mean PROVISIO_LISTEN?"]
    );
}
