//! Retries: transient failures are retried within the request's budget and
//! counted; a create whose answer was lost never becomes two accounts.

use std::{sync::Arc, time::Duration};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::{
    helpers::{Backend, Stamped, TestApp, spawn_app},
    proxy::{host_and_port, read_request},
    scim_server::{ScimAuth, ScimServer},
};

fn scim_user(id: &str, active: bool) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id, "userName": "ada@example.com", "active": active})
}

async fn workplace_app(mock: &MockServer) -> TestApp {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_connection(
        json!({"name": "wp", "provider": "workplace", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "wp-token-0123456789"}}),
    )
    .await;
    app
}

#[tokio::test]
async fn a_429_with_retry_after_then_success_is_one_success_of_two_attempts() {
    let mock = MockServer::start().await;
    let arrivals = Arc::default();
    Mock::given(method("PATCH"))
        .and(path("/Users/u1"))
        .respond_with(Stamped::new(
            ResponseTemplate::new(429).insert_header("retry-after", "1"),
            &arrivals,
        ))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/Users/u1"))
        .respond_with(Stamped::new(
            ResponseTemplate::new(200).set_body_json(scim_user("u1", false)),
            &arrivals,
        ))
        .mount(&mock)
        .await;
    let app = workplace_app(&mock).await;
    let reply = app
        .send(
            app.client
                .post(app.url("/v1/connections/wp/users/u1/deactivate"))
                .bearer_auth(crate::helpers::API_KEY)
                .header("x-request-id", "leaver-42"),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.json()["active"], false);
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 2);
    let gap = arrivals[1] - arrivals[0];
    assert!(
        gap >= Duration::from_millis(990),
        "Retry-After was honoured: {gap:?}"
    );

    let log = app.get("/v1/operations?user_id=u1").await.json();
    let entry = &log["items"][0];
    assert_eq!(entry["operation"], "deactivate_user");
    assert_eq!(entry["outcome"], "success");
    assert_eq!(entry["attempts"], 2);
    assert_eq!(entry["provider_status"], 200);
    assert_eq!(entry["request_id"], "leaver-42");
    assert!(entry["api_key_id"].as_str().unwrap().starts_with("env-"));
    let metrics = app.send(app.client.get(app.url("/metrics"))).await.text;
    assert!(
        metrics.contains(
            r#"provisio_upstream_retries_total{provider="workplace",reason="rate_limited"} 1"#
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_503_is_retried_with_backoff_and_a_500_is_not() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Users/u1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("u1", true)))
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/Users/u2"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&mock)
        .await;
    let app = workplace_app(&mock).await;
    let reply = app.get("/v1/connections/wp/users/u1").await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    app.get("/v1/connections/wp/users/u2")
        .await
        .assert_problem(502, "provider_unavailable");
    let to_u2 = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/Users/u2")
        .count();
    assert_eq!(to_u2, 1, "a 500 is an answer, not a transient failure");
}

#[tokio::test]
async fn a_create_answered_500_is_looked_up_but_not_resent() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"totalResults": 0, "Resources": []})),
        )
        .mount(&mock)
        .await;
    let app = workplace_app(&mock).await;
    app.post(
        "/v1/connections/wp/users",
        json!({"user_name": "ada@example.com", "external_id": "E-1"}),
    )
    .await
    .assert_problem(502, "provider_unavailable");
    let methods = methods(&mock).await;
    assert_eq!(
        methods,
        ["POST", "GET"],
        "a 500 may have landed: looked up once, never sent again"
    );
}

async fn methods(mock: &MockServer) -> Vec<String> {
    mock.received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.method.to_string())
        .collect()
}

#[tokio::test]
async fn a_create_that_did_not_land_is_sent_again_after_the_lookup() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(scim_user("u1", true)))
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"totalResults": 0, "Resources": []})),
        )
        .mount(&mock)
        .await;
    let app = workplace_app(&mock).await;
    let reply = app
        .post(
            "/v1/connections/wp/users",
            json!({"user_name": "ada@example.com", "external_id": "E-1"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    assert_eq!(methods(&mock).await, ["POST", "GET", "POST"]);
}

#[tokio::test]
async fn a_create_whose_lookup_fails_is_not_sent_again() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&mock)
        .await;
    let app = workplace_app(&mock).await;
    app.post(
        "/v1/connections/wp/users",
        json!({"user_name": "ada@example.com", "external_id": "E-1"}),
    )
    .await
    .assert_problem(502, "provider_unavailable");
    // The lookup is tried once more without `count` (an app may fail with it),
    // and the create is never sent again.
    assert_eq!(methods(&mock).await, ["POST", "GET", "GET"]);
}

#[tokio::test]
async fn a_create_that_timed_out_but_landed_is_found_not_resent() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(scim_user("u1", true))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&mock)
        .await;
    let mut landed = scim_user("u1", true);
    landed["externalId"] = json!("E-1");
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"totalResults": 1, "Resources": [landed]})),
        )
        .mount(&mock)
        .await;
    let app = spawn_app(Backend::Sqlite).await;
    app.create_connection(json!({"name": "wp", "provider": "workplace", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "wp-token-0123456789"}, "settings": {"request_timeout_seconds": 1}}))
        .await;
    let reply = app
        .post(
            "/v1/connections/wp/users",
            json!({"user_name": "ada@example.com", "external_id": "E-1"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    assert_eq!(reply.json()["id"], "u1");
    assert_eq!(methods(&mock).await, ["POST", "GET"]);
}

#[tokio::test]
async fn a_delete_answered_404_after_a_429_is_not_called_done() {
    let mock = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/Users/u1"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/Users/u1"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&mock)
        .await;
    let app = workplace_app(&mock).await;
    app.delete("/v1/connections/wp/users/u1")
        .await
        .assert_problem(404, "user_not_found");
}

/// A proxy in front of a real SCIM server that forwards the first POST and
/// then resets the caller's connection instead of answering: the account is
/// created but the answer is lost. Everything after passes through.
async fn lossy_proxy(upstream: &str) -> String {
    let upstream = host_and_port(upstream);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut lost_one = false;
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let request = read_request(&mut client).await;
            let mut server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
            server.write_all(&request).await.unwrap();
            let mut response = Vec::new();
            // scim2-server speaks HTTP/1.0: it closes after answering.
            let _ = server.read_to_end(&mut response).await;
            if !lost_one && request.starts_with(b"POST") {
                lost_one = true;
                socket2::SockRef::from(&client)
                    .set_linger(Some(Duration::ZERO))
                    .unwrap();
                drop(client);
                continue;
            }
            let _ = client.write_all(&response).await;
        }
    });
    format!("http://{address}/v2")
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_yields_exactly_one_account() {
    let server = ScimServer::start(ScimAuth::Bearer("scim-token-0123456789")).await;
    let proxy = lossy_proxy(&server.base_url).await;
    let app = spawn_app(Backend::Sqlite).await;
    app.create_connection(
        json!({"name": "hr", "provider": "scim", "instance_url": proxy,
        "credentials": {"type": "bearer", "token": "scim-token-0123456789"}}),
    )
    .await;
    let reply = app
        .post(
            "/v1/connections/hr/users",
            json!({"user_name": "ada@example.com", "external_id": "E-1"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    let created = reply.json();
    // Ask the SCIM server directly, not through the proxy.
    let direct = reqwest::Client::new()
        .get(format!("{}/Users", server.base_url))
        .bearer_auth("scim-token-0123456789")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(direct["totalResults"], 1, "{direct}");
    assert_eq!(direct["Resources"][0]["id"], created["id"]);
}
