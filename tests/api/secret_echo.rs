//! An app that echoes the connection's own credentials in its error texts:
//! nothing of them may leave provisio — not in a problem, the connection test,
//! a sync item (read with a read-only key), the log at `trace`, or any byte of
//! the database file and its WAL.

use std::time::Duration;

use base64::Engine;
use provisio::crypto::KeyRing;
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, Respond, ResponseTemplate,
    matchers::{method, path},
};

use crate::{
    helpers::{API_KEY, Backend, TestDb},
    process::Process,
};

const TOKEN: &str = "echo-TOKEN-5f1e0c9a7b/+x";
const USERNAME: &str = "provisioning-id-0b7d41";
const PASSWORD: &str = "echo-PASSWORD-93ac1e";

/// Answers `status` with a SCIM error quoting the request's `Authorization`
/// header, the decoded Basic pair, and the secret as a query would carry it.
struct Echo(u16);

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let header = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let decoded = header
            .strip_prefix("Basic ")
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let secret = header.rsplit(' ').next().unwrap_or_default().to_owned();
        let query: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let detail =
            format!("invalid credentials: {header} ({decoded}); retry with ?access_token={query}");
        ResponseTemplate::new(self.0).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": self.0.to_string(),
            "detail": detail,
        }))
    }
}

/// Every form of the secrets that must not appear.
fn secret_forms() -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        TOKEN.to_owned(),
        TOKEN.replace('/', "\\/"),
        url::form_urlencoded::byte_serialize(TOKEN.as_bytes()).collect(),
        PASSWORD.to_owned(),
        USERNAME.to_owned(),
        b64.encode(format!("{USERNAME}:{PASSWORD}")),
        // The distinctive parts, in case a form was cut or re-encoded.
        "5f1e0c9a7b".to_owned(),
        "93ac1e".to_owned(),
        "0b7d41".to_owned(),
    ]
}

fn assert_clean(place: &str, haystack: &[u8]) {
    for form in secret_forms() {
        assert!(
            !haystack.windows(form.len()).any(|w| w == form.as_bytes()),
            "`{form}` leaked into {place}: {}",
            String::from_utf8_lossy(haystack)
        );
    }
}

async fn echoing_app() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 0, "Resources": []
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(Echo(400))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(Echo(401))
        .mount(&server)
        .await;
    server
}

async fn read_only_key(db: &TestDb) -> String {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_provisio"))
        .args(["api-key", "create", "--name", "auditor", "--read-only"])
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn a_secret_the_app_echoes_never_leaves_provisio() {
    let db = TestDb::new(Backend::Sqlite).await;
    let data_dir = tempfile::TempDir::new().unwrap();
    let keys = KeyRing::generate_entry("echo-k1").unwrap().to_string();
    let mut process = Process::start(&[
        ("DATABASE_URL", db.url.as_str()),
        ("PROVISIO_DATA_DIR", data_dir.path().to_str().unwrap()),
        ("PROVISIO_ENCRYPTION_KEYS", keys.as_str()),
        ("PROVISIO_API_KEYS", API_KEY),
        ("PROVISIO_ALLOW_PRIVATE_NETWORKS", "true"),
        ("RUST_LOG", "trace"),
    ])
    .await;
    let (bearer_app, basic_app) = (echoing_app().await, echoing_app().await);
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut request = client
            .request(method, process.url(path))
            .bearer_auth(API_KEY)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string());
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let reply = request.send().await.unwrap();
            let status = reply.status().as_u16();
            (status, reply.bytes().await.unwrap().to_vec())
        }
    };
    let post = reqwest::Method::POST;
    let (status, _) = call(
        post.clone(),
        "/v1/connections",
        Some(json!({"name": "bearer", "provider": "scim",
        "instance_url": bearer_app.uri(), "credentials": {"type": "bearer", "token": TOKEN}})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = call(
        post.clone(),
        "/v1/connections",
        Some(json!({"name": "basic", "provider": "scim",
        "instance_url": basic_app.uri(),
        "credentials": {"type": "basic", "username": USERNAME, "password": PASSWORD}})),
    )
    .await;
    assert_eq!(status, 201);

    // A refused create (kept for its Idempotency-Key), a refused read, the connection test.
    let hire = json!({"user_name": "ada@example.com"});
    let (status, body) = call(post.clone(), "/v1/connections/bearer/users", Some(hire)).await;
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        problem["provider"]["detail"]
            .as_str()
            .unwrap()
            .contains("[redacted]"),
        "{problem}"
    );
    assert_clean("a problem", &body);
    for connection in ["bearer", "basic"] {
        let (status, body) = call(
            reqwest::Method::GET,
            &format!("/v1/connections/{connection}/users/u1"),
            None,
        )
        .await;
        assert_eq!(status, 502);
        assert_clean("a problem", &body);
        let (status, body) = call(
            post.clone(),
            &format!("/v1/connections/{connection}/test"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_clean("the connection test", &body);
    }

    // A sync whose create fails: its item is readable with a read-only key.
    let people = json!({"mode": "apply", "people": [{"external_id": "E1", "user_name": "grace@example.com"}]});
    let (status, body) = call(post.clone(), "/v1/connections/bearer/sync", Some(people)).await;
    assert_eq!(status, 202, "{}", String::from_utf8_lossy(&body));
    let run_id = serde_json::from_slice::<Value>(&body).unwrap()["run_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let auditor = read_only_key(&db).await;
    let items = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let reply = client
                .get(process.url(&format!("/v1/sync-runs/{run_id}/items")))
                .bearer_auth(&auditor)
                .send()
                .await
                .unwrap();
            let body = reply.bytes().await.unwrap().to_vec();
            let parsed: Value = serde_json::from_slice(&body).unwrap();
            if parsed["items"][0]["status"] == "failed" {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the sync item fails within a minute");
    assert!(String::from_utf8_lossy(&items).contains("[redacted]"));
    assert_clean("a sync item", &items);

    // Every byte of the database, the WAL included, while it runs and after it stops.
    let file = db.url.strip_prefix("sqlite://").unwrap().to_owned();
    let read = |suffix: &str| std::fs::read(format!("{file}{suffix}")).unwrap_or_default();
    assert_clean("the database file", &read(""));
    assert_clean("the WAL", &read("-wal"));
    process.signal("TERM");
    assert!(process.wait().await.success());
    assert_clean("the log", process.log.join("\n").as_bytes());
    assert_clean("the database file", &read(""));
    assert_clean("the WAL", &read("-wal"));
}
