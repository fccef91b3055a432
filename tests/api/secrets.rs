//! Secrets at rest and in motion: sealed in the database, bound to their row,
//! rotatable, and absent from logs.

use provisio::{
    crypto::{KeyRing, OpenError},
    domain::{ConnectionKey, Credentials},
    service::{ConnectionService, ServiceError},
    store::{self, StoreOptions},
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::{
    both_backends,
    helpers::{API_KEY, Backend, TestApp, TestDb, test_config},
    process::Process,
};

const TOKEN: &str = "EAAB-plaintext-token-do-not-store";
const USERNAME: &str = "provisioning-user-do-not-store";
const PASSWORD: &str = "password-do-not-store-42";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn create_both(app: &TestApp) -> (String, String) {
    let bearer = app
        .create_connection(json!({"name": "bearer", "provider": "workplace", "credentials": {"type": "bearer", "token": TOKEN}}))
        .await;
    let basic = app
        .create_connection(json!({"name": "basic", "provider": "workiva", "instance_url": "https://h.example.com/scim",
            "credentials": {"type": "basic", "username": USERNAME, "password": PASSWORD}}))
        .await;
    (id_of(&bearer), id_of(&basic))
}

fn id_of(connection: &Value) -> String {
    connection["id"].as_str().unwrap().to_owned()
}

async fn connections_with(db: &TestDb, key_ring: &str) -> ConnectionService {
    let store = store::connect(
        &SecretString::from(db.url.clone()),
        &StoreOptions::default(),
    )
    .await
    .unwrap();
    ConnectionService::new(
        store,
        KeyRing::parse(key_ring).unwrap(),
        std::sync::Arc::new(provisio::netguard::NetworkPolicy::permissive()),
    )
}

fn secret_of(credentials: &Credentials) -> String {
    match credentials {
        Credentials::Bearer { token } | Credentials::ApiKey { token } => {
            token.expose_secret().to_owned()
        }
        Credentials::Basic { username, password } => {
            format!("{}:{}", username.expose_secret(), password.expose_secret())
        }
    }
}

both_backends! {
    async fn stored_rows_hold_no_plaintext_secret(app: TestApp) {
        let (bearer, basic) = create_both(&app).await;
        let bytes = [app.db.raw_connection_bytes(&bearer).await, app.db.raw_connection_bytes(&basic).await].concat();
        assert!(contains(&bytes, "bearer") && contains(&bytes, "basic"), "the raw read sees the rows");
        for secret in [TOKEN, USERNAME, PASSWORD] {
            assert!(!contains(&bytes, secret), "`{secret}` is stored in plain text");
        }
    }

    async fn a_sealed_blob_moved_to_another_row_does_not_open(app: TestApp) {
        let (bearer, basic) = create_both(&app).await;
        app.db
            .execute(
                "update connection set credential_sealed = (select credential_sealed from connection where name = 'bearer'), \
                 credential_type = 'bearer' where name = 'basic'",
            )
            .await;
        let connections = connections_with(&app.db, &app.key_ring_spec).await;
        let own = connections.get_with_credentials(&ConnectionKey::Id(bearer.parse().unwrap())).await.unwrap();
        assert_eq!(secret_of(&own.1), TOKEN);
        match connections.get_with_credentials(&ConnectionKey::Id(basic.parse().unwrap())).await {
            Err(ServiceError::Open(OpenError::Inauthentic)) => {}
            other => panic!("a moved blob must not open, got {:?}", other.map(|(c, _)| c.name)),
        }
    }

    async fn rotation_leaves_every_credential_readable_with_only_the_new_key(app: TestApp) {
        let (bearer, basic) = create_both(&app).await;
        let new_key = KeyRing::generate_entry("test-k2").unwrap().to_string();

        // Without the old key the service refuses to start, naming the key.
        let mut only_new = test_config(&app.db, app.data_dir.path().to_path_buf(), &new_key);
        only_new.http.listen = "127.0.0.1:0".parse().unwrap();
        let refused = provisio::startup::Application::build(only_new.clone()).await.err().unwrap();
        assert!(format!("{refused:#}").contains("`test-k1` (2 connection(s))"), "{refused:#}");

        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_provisio"))
            .arg("rotate-keys")
            .env_clear()
            .env("DATABASE_URL", &app.db.url)
            .env("PROVISIO_ENCRYPTION_KEYS", format!("{new_key},{}", app.key_ring_spec))
            .env("PROVISIO_DATA_DIR", app.data_dir.path())
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("re-sealed 2 connection(s) under key `test-k2`"), "{stdout}");

        let connections = connections_with(&app.db, &new_key).await;
        for (id, expected) in [(bearer, TOKEN.to_owned()), (basic, format!("{USERNAME}:{PASSWORD}"))] {
            let (_, credentials) = connections.get_with_credentials(&ConnectionKey::Id(id.parse().unwrap())).await.unwrap();
            assert_eq!(secret_of(&credentials), expected);
        }
        assert!(connections.missing_keys().await.unwrap().is_empty());
        provisio::startup::Application::build(only_new).await.expect("starts with only the new key");

        // A second run has nothing left to do.
        let again = connections.rotate_keys().await.unwrap();
        assert_eq!((again.resealed, again.already_current), (0, 2));
    }

    async fn rotation_reports_a_row_that_does_not_open_and_carries_on(app: TestApp) {
        create_both(&app).await;
        app.db
            .execute("update connection set credential_sealed = (select credential_sealed from connection where name = 'bearer') where name = 'basic'")
            .await;
        let new_key = KeyRing::generate_entry("test-k2").unwrap().to_string();
        let connections = connections_with(&app.db, &format!("{new_key},{}", app.key_ring_spec)).await;
        let report = connections.rotate_keys().await.unwrap();
        assert_eq!(report.resealed, 1);
        assert_eq!(report.failures.len(), 1);
        assert_eq!(report.failures[0].name, "basic");
    }
}

/// Runs the real binary with verbose logging, exercises every path that handles
/// a secret, stops it with SIGTERM, and searches everything it logged.
#[tokio::test]
async fn secrets_never_reach_the_log() {
    let db = TestDb::new(Backend::Sqlite).await;
    let data_dir = tempfile::TempDir::new().unwrap();
    let key_ring = KeyRing::generate_entry("log-k1").unwrap().to_string();
    let mut process = Process::start(&[
        ("DATABASE_URL", db.url.as_str()),
        ("PROVISIO_DATA_DIR", data_dir.path().to_str().unwrap()),
        ("PROVISIO_ENCRYPTION_KEYS", key_ring.as_str()),
        ("PROVISIO_API_KEYS", API_KEY),
        ("PROVISIO_ALLOW_PRIVATE_NETWORKS", "true"),
        ("RUST_LOG", "trace"),
    ])
    .await;
    let client = reqwest::Client::new();
    let post = |body: Value| {
        client
            .post(process.url("/v1/connections"))
            .bearer_auth(API_KEY)
            .json(&body)
            .send()
    };
    post(json!({"name": "b", "provider": "workplace", "credentials": {"type": "bearer", "token": TOKEN}})).await.unwrap();
    post(
        json!({"name": "c", "provider": "workiva", "instance_url": "https://h.example.com/",
        "credentials": {"type": "basic", "username": USERNAME, "password": PASSWORD}}),
    )
    .await
    .unwrap();
    post(json!({"name": "d", "provider": "workplace", "credentials": {"type": "bearer", "token": format!("{TOKEN} x")}})).await.unwrap();
    client
        .patch(process.url("/v1/connections/b"))
        .bearer_auth(API_KEY)
        .json(&json!({"credentials": {"type": "bearer", "token": format!("{TOKEN}-2")}}))
        .send()
        .await
        .unwrap();
    client
        .get(process.url("/v1/connections"))
        .bearer_auth("wrong-key-but-secret-too")
        .send()
        .await
        .unwrap();

    process.signal("TERM");
    let status = process.wait().await;
    assert!(status.success(), "SIGTERM is a clean shutdown: {status}");
    let log = process.log.join("\n");
    assert!(log.contains("shutting down"), "{log}");
    assert!(
        log.contains("\"request_id\""),
        "request lines carry the request id"
    );
    for secret in [
        TOKEN,
        USERNAME,
        PASSWORD,
        API_KEY,
        "wrong-key-but-secret-too",
    ] {
        assert!(!log.contains(secret), "`{secret}` leaked into the log");
    }
    let key_material = key_ring.split_once(':').unwrap().1;
    assert!(
        !log.contains(key_material),
        "the encryption key leaked into the log"
    );
}
