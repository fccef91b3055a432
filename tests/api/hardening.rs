//! Security round two, second part: what an attack run found about limits,
//! keys, storage and memory, each proven fixed.

use std::sync::Arc;

use provisio::crypto::KeyRing;
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
    sync::Notify,
};

use crate::{
    both_backends,
    helpers::{API_KEY, Backend, spawn_app, spawn_app_with, test_config},
};

#[tokio::test]
async fn an_8x8_customer_id_of_dots_is_refused_rather_than_collapsing_the_path() {
    let app = spawn_app(Backend::Sqlite).await;
    for customer_id in ["..", ".", " .. "] {
        let reply = app
            .post(
                "/v1/connections",
                json!({"name": "c", "provider": "8x8",
                "settings": {"customer_id": customer_id},
                "credentials": {"type": "api_key", "token": "token-0123456789"}}),
            )
            .await;
        reply.assert_invalid_fields(&["settings.customer_id"]);
    }
    // A dot inside an id is still an id.
    app.create_connection(json!({"name": "c", "provider": "8x8",
        "settings": {"customer_id": "acme.eu"},
        "credentials": {"type": "api_key", "token": "token-0123456789"}}))
        .await;
}

/// The sealed credentials of a connection, as stored.
async fn sealed_blob(db_url: &str, connection_id: &str) -> Vec<u8> {
    let pool = sqlx::SqlitePool::connect(db_url).await.unwrap();
    let (blob,): (Vec<u8>,) =
        sqlx::query_as("select credential_sealed from connection where connection_id = ?")
            .bind(connection_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    blob
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn the_sqlite_files_are_private_and_replaced_credentials_leave_no_residue() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().join("new").join("data");
    let file = data.join("provisio.db");
    let url = format!("sqlite://{}", file.display());
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.database.url = url.clone().into();
    })
    .await;
    let credentials = |token: &str| json!({"type": "bearer", "token": token});
    let deleted = app
        .create_connection(json!({"name": "deleted", "provider": "scim",
            "instance_url": "https://app.example.com/scim",
            "credentials": credentials("first-token-0123456789")}))
        .await;
    let rotated = app
        .create_connection(json!({"name": "rotated", "provider": "scim",
            "instance_url": "https://app.example.com/scim",
            "credentials": credentials("second-token-0123456789")}))
        .await;
    let deleted_blob = sealed_blob(&url, deleted["id"].as_str().unwrap()).await;
    let replaced_blob = sealed_blob(&url, rotated["id"].as_str().unwrap()).await;

    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the database directory");
    for suffix in ["", "-wal", "-shm"] {
        let path = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }

    let reply = app.delete("/v1/connections/deleted").await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    let reply = app
        .patch(
            "/v1/connections/rotated",
            json!({"credentials": credentials("third-token-0123456789")}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    for suffix in ["", "-wal"] {
        let bytes = std::fs::read(format!("{}{suffix}", file.display())).unwrap_or_default();
        assert!(
            !contains(&bytes, &deleted_blob),
            "a deleted connection's credentials in provisio.db{suffix}"
        );
        assert!(
            !contains(&bytes, &replaced_blob),
            "replaced credentials in provisio.db{suffix}"
        );
    }
}

both_backends! {
    async fn a_wrong_key_under_a_known_id_stops_the_start_without_printing_a_key(app: TestApp) {
        app.create_connection(json!({"name": "c", "provider": "scim",
            "instance_url": "https://app.example.com/scim",
            "credentials": {"type": "bearer", "token": "token-0123456789"}}))
            .await;
        let impostor = KeyRing::generate_entry("test-k1").unwrap().to_string();
        let mut config = test_config(&app.db, app.data_dir.path().to_path_buf(), &impostor);
        config.http.listen = "127.0.0.1:0".parse().unwrap();
        let refused = provisio::startup::Application::build(config).await.err().expect("refused");
        let message = format!("{refused:#}");
        assert!(message.contains("`test-k1` (1 connection(s))"), "{message}");
        for spec in [&impostor, &app.key_ring_spec] {
            assert!(!message.contains(spec.split_once(':').unwrap().1), "key material in {message}");
        }
        // The right key under the same id still starts.
        app.another_instance(|_| {}).await;
    }
}

/// An app whose user `slow` answers with `padding` bytes, holding back the
/// end of the answer until `release` is notified; every other id answers at once.
async fn streaming_app(padding: usize, release: Arc<Notify>, sent: Arc<Notify>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let (release, sent) = (release.clone(), sent.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap() == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let id = head
                    .split(' ')
                    .nth(1)
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned();
                let start = format!(
                    r#"{{"id": "{id}", "userName": "{id}", "padding": "{}"#,
                    "a".repeat(padding)
                );
                let chunk = |text: &str| format!("{:x}\r\n{text}\r\n", text.len());
                let mut answer = "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\n\
                    transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
                    .to_owned();
                answer.push_str(&chunk(&start));
                stream.write_all(answer.as_bytes()).await.unwrap();
                if id == "slow" {
                    sent.notify_one();
                    release.notified().await;
                }
                let end = format!("{}0\r\n\r\n", chunk(r#""}"#));
                let _ = stream.write_all(end.as_bytes()).await;
            });
        }
    });
    format!("http://{address}/scim/v2")
}

#[tokio::test]
async fn answers_held_at_once_stay_within_the_memory_budget() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.upstream.answer_memory_bytes = 2 * 1024 * 1024;
    })
    .await;
    let (release, sent) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let url = streaming_app(1_200_000, release.clone(), sent.clone()).await;
    app.create_connection(json!({"name": "c", "provider": "scim", "instance_url": url,
        "credentials": {"type": "bearer", "token": "token-0123456789"}}))
        .await;
    let slow = tokio::spawn({
        let (client, url) = (app.client.clone(), app.url("/v1/connections/c/users/slow"));
        async move {
            client
                .get(url)
                .bearer_auth(API_KEY)
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    sent.notified().await;

    // Once provisio has read the start of the slow answer, it holds the whole
    // budget until it ends: another read waits, then is refused. Until then
    // (the chunk may still be in flight), other reads pass.
    let mut refused = app.get("/v1/connections/c/users/fast").await;
    for _ in 0..1000 {
        if refused.status != 200 {
            break;
        }
        refused = app.get("/v1/connections/c/users/fast").await;
    }
    refused.assert_problem(503, "busy");
    assert_eq!(refused.header("retry-after"), Some("1"));
    release.notify_one();
    assert_eq!(slow.await.unwrap(), 200);
    // Its bytes are given back with it.
    let reply = app.get("/v1/connections/c/users/fast").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}
