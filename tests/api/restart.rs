//! A crash loses nothing committed: provisio killed (SIGKILL) in the middle of
//! a burst and restarted still has every connection, operation log entry and
//! idempotency record it acknowledged.

use std::collections::HashMap;

use provisio::crypto::KeyRing;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::{
    both_backends,
    helpers::{API_KEY, TestApp},
    process::Process,
};

/// What a caller saw acknowledged.
enum Acked {
    Connection {
        name: String,
        id: String,
    },
    Hire {
        key: String,
        body: Value,
        response: String,
    },
}

async fn start(app: &TestApp, keys: &str) -> Process {
    let data_dir = app.data_dir.path().to_str().unwrap().to_owned();
    Process::start(&[
        ("DATABASE_URL", app.db.url.as_str()),
        ("PROVISIO_DATA_DIR", data_dir.as_str()),
        ("PROVISIO_ENCRYPTION_KEYS", keys),
        ("PROVISIO_API_KEYS", API_KEY),
        ("PROVISIO_ALLOW_PRIVATE_NETWORKS", "true"),
    ])
    .await
}

both_backends! {
    async fn a_killed_provisio_loses_nothing_it_acknowledged(app: TestApp) {
        let mock = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/Users"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "u", "userName": "x@example.com"})))
            .mount(&mock)
            .await;
        let keys = KeyRing::generate_entry("crash-k1").unwrap().to_string();
        let mut process = start(&app, &keys).await;
        let client = reqwest::Client::new();
        let created = client.post(process.url("/v1/connections")).bearer_auth(API_KEY)
            .json(&json!({"name": "wp", "provider": "workplace", "instance_url": mock.uri(),
                "credentials": {"type": "bearer", "token": "wp-token-0123456789"}, "settings": {"max_requests_per_second": 1000}}))
            .send().await.unwrap();
        assert_eq!(created.status().as_u16(), 201);

        let mut burst = JoinSet::new();
        for i in 0..300 {
            let client = client.clone();
            let base = process.url("");
            burst.spawn(async move {
                if i % 3 == 0 {
                    let name = format!("burst-{i}");
                    let reply = client.post(format!("{base}/v1/connections")).bearer_auth(API_KEY)
                        .json(&json!({"name": name, "provider": "workplace", "credentials": {"type": "bearer", "token": "token-0123456789"}}))
                        .send().await.ok()?;
                    let body: Value = reply.json().await.ok()?;
                    Some(Acked::Connection { name, id: body["id"].as_str()?.to_owned() })
                } else {
                    let key = format!("hire-{i}");
                    let body = json!({"user_name": format!("person-{i}@example.com")});
                    let reply = client.post(format!("{base}/v1/connections/wp/users")).bearer_auth(API_KEY)
                        .header("idempotency-key", &key).json(&body).send().await.ok()?;
                    (reply.status().as_u16() == 201).then_some(())?;
                    Some(Acked::Hire { key, body, response: reply.text().await.ok()? })
                }
            });
        }
        // Kill once a third of the burst has been acknowledged.
        let mut acked = Vec::new();
        while let Some(result) = burst.join_next().await {
            if let Some(ack) = result.unwrap() {
                acked.push(ack);
            }
            if acked.len() == 100 {
                process.signal("KILL");
            }
        }
        process.wait().await;
        assert!(acked.len() >= 100, "the burst was acknowledged before the kill: {}", acked.len());

        let restarted = start(&app, &keys).await;
        let calls_before = mock.received_requests().await.unwrap().len();
        let mut hires: HashMap<String, String> = HashMap::new();
        for ack in &acked {
            match ack {
                Acked::Connection { name, id } => {
                    let reply = client.get(restarted.url(&format!("/v1/connections/{name}"))).bearer_auth(API_KEY).send().await.unwrap();
                    assert_eq!(reply.status().as_u16(), 200, "connection {name} was lost");
                    assert_eq!(reply.json::<Value>().await.unwrap()["id"], id.as_str());
                }
                Acked::Hire { key, body, response } => {
                    let replay = client.post(restarted.url("/v1/connections/wp/users")).bearer_auth(API_KEY)
                        .header("idempotency-key", key).json(body).send().await.unwrap();
                    assert_eq!(replay.headers().get("idempotency-replayed").unwrap(), "true", "{key} was lost");
                    assert_eq!(&replay.text().await.unwrap(), response);
                    hires.insert(body["user_name"].as_str().unwrap().to_owned(), key.clone());
                }
            }
        }
        assert_eq!(mock.received_requests().await.unwrap().len(), calls_before, "replays did not call the app");
        for user_name in hires.keys() {
            let log: Value = client.get(restarted.url(&format!("/v1/operations?user_name={user_name}"))).bearer_auth(API_KEY)
                .send().await.unwrap().json().await.unwrap();
            let entries = log["items"].as_array().unwrap();
            assert!(entries.iter().any(|e| e["outcome"] == "success"), "the log entry of {user_name} was lost");
        }
    }
}
