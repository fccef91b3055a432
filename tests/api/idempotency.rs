//! Idempotency-Key on POSTs: replay, conflict, expiry, per API key, on both backends.

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::{
    both_backends,
    helpers::{API_KEY, Reply, SECOND_API_KEY, TestApp},
};

async fn post_with_key(app: &TestApp, path: &str, key: &str, body: Value) -> Reply {
    app.send(
        app.client
            .post(app.url(path))
            .bearer_auth(API_KEY)
            .header("idempotency-key", key)
            .json(&body),
    )
    .await
}

fn connection(name: &str) -> Value {
    json!({"name": name, "provider": "workplace", "credentials": {"type": "bearer", "token": "token-0123456789"}})
}

async fn mock_app(app: &TestApp) -> MockServer {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": "u1", "userName": "ada@example.com"})),
        )
        .mount(&mock)
        .await;
    app.create_connection(
        json!({"name": "wp", "provider": "workplace", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "wp-token-0123456789"}}),
    )
    .await;
    mock
}

both_backends! {
    async fn a_repeated_key_replays_the_response_without_calling_the_app(app: TestApp) {
        let mock = mock_app(&app).await;
        let hire = json!({"user_name": "ada@example.com"});
        let first = post_with_key(&app, "/v1/connections/wp/users", "hire-E1815", hire.clone()).await;
        assert_eq!(first.status.as_u16(), 201, "{}", first.text);
        let again = post_with_key(&app, "/v1/connections/wp/users", "hire-E1815", hire).await;
        assert_eq!(again.status, first.status);
        assert_eq!(again.text, first.text, "the very same body");
        assert_eq!(again.header("location"), first.header("location"));
        assert_eq!(again.header("idempotency-replayed"), Some("true"));
        assert_eq!(mock.received_requests().await.unwrap().len(), 1, "the app was called once");
        let log = app.get("/v1/operations").await.json();
        assert_eq!(log["items"].as_array().unwrap().len(), 1, "one call, one entry");
    }

    async fn a_repeated_key_replays_connection_creation_too(app: TestApp) {
        let first = post_with_key(&app, "/v1/connections", "conn-1", connection("acme")).await;
        let again = post_with_key(&app, "/v1/connections", "conn-1", connection("acme")).await;
        assert_eq!(first.status.as_u16(), 201);
        assert_eq!(again.status.as_u16(), 201, "not 409: the first answer is replayed");
        assert_eq!(again.json()["id"], first.json()["id"]);
        // Errors below 500 are answers too, and are replayed.
        let refused = post_with_key(&app, "/v1/connections", "conn-2", json!({"name": "Bad Name"})).await;
        let replayed = post_with_key(&app, "/v1/connections", "conn-2", json!({"name": "Bad Name"})).await;
        assert_eq!(refused.status.as_u16(), 422);
        assert_eq!(replayed.text, refused.text);
    }

    async fn the_same_key_with_another_body_is_refused(app: TestApp) {
        post_with_key(&app, "/v1/connections", "conn-1", connection("acme")).await;
        let reused = post_with_key(&app, "/v1/connections", "conn-1", connection("other")).await;
        reused.assert_problem(422, "idempotency_key_reused");
        app.get("/v1/connections/other").await.assert_problem(404, "connection_not_found");
    }

    async fn an_expired_key_runs_the_request_again(app: TestApp) {
        let first = post_with_key(&app, "/v1/connections", "conn-1", connection("acme")).await;
        assert_eq!(first.status.as_u16(), 201);
        let past = if app.db.backend == crate::helpers::Backend::Postgres {
            "now() - interval '1 hour'".to_owned()
        } else {
            "'2000-01-01T00:00:00.000000Z'".to_owned()
        };
        app.db.execute(&format!("update idempotency_key set expires_at = {past}")).await;
        // Run again for real: the name is taken now.
        let again = post_with_key(&app, "/v1/connections", "conn-1", connection("acme")).await;
        again.assert_problem(409, "connection_exists");
        assert_eq!(again.header("idempotency-replayed"), None);
    }

    async fn keys_belong_to_the_api_key_that_used_them(app: TestApp) {
        post_with_key(&app, "/v1/connections", "shared", connection("acme")).await;
        let other = app
            .send(app.client.post(app.url("/v1/connections")).bearer_auth(SECOND_API_KEY)
                .header("idempotency-key", "shared").json(&connection("acme")))
            .await;
        // The second API key's request runs: it does not see the first key's response.
        other.assert_problem(409, "connection_exists");
    }

    async fn a_key_still_in_flight_is_refused_with_retry_after(app: TestApp) {
        let far = if app.db.backend == crate::helpers::Backend::Postgres {
            ("now() + interval '1 hour'", "now() + interval '1 day'", "now()")
        } else {
            ("'2999-01-01T00:00:00.000000Z'", "'2999-01-02T00:00:00.000000Z'", "'2026-01-01T00:00:00.000000Z'")
        };
        let body = serde_json::to_vec(&connection("acme")).unwrap();
        let hash = request_hash("/v1/connections", &body);
        app.db
            .execute(&format!(
                "insert into idempotency_key (api_key_id, idempotency_key, request_hash, state, locked_until, created_at, expires_at) \
                 values ('{}', 'busy', '{hash}', 'in_progress', {}, {}, {})",
                api_key_id(), far.0, far.2, far.1
            ))
            .await;
        let reply = app
            .send(app.client.post(app.url("/v1/connections")).bearer_auth(API_KEY)
                .header("idempotency-key", "busy").header("content-type", "application/json").body(body))
            .await;
        reply.assert_problem(409, "idempotency_key_in_use");
        assert_eq!(reply.header("retry-after"), Some("1"));
    }

    async fn a_malformed_key_is_named(app: TestApp) {
        let long = "k".repeat(256);
        post_with_key(&app, "/v1/connections", &long, connection("acme"))
            .await
            .assert_invalid_fields(&["Idempotency-Key"]);
    }
}

/// The id provisio gives the test API key: `env-` and the first 4 bytes of its digest, in hex.
fn api_key_id() -> String {
    use sha2::Digest;
    format!(
        "env-{}",
        hex::encode(&sha2::Sha256::digest(API_KEY.as_bytes())[..4])
    )
}

fn request_hash(path: &str, body: &[u8]) -> String {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(b"POST\0");
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hex::encode(hasher.finalize())
}

#[tokio::test]
async fn a_key_whose_request_failed_runs_again_and_finds_what_the_first_attempt_made() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let mock = MockServer::start().await;
    // The first attempt's POST lands, but the app answers 500.
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    // Until the first attempt's lookup has run, the app shows nothing; afterwards the new user.
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"totalResults": 0, "Resources": []})),
        )
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"totalResults": 1,
            "Resources": [{"id": "u1", "userName": "ada@example.com", "externalId": "E-1"}]})),
        )
        .mount(&mock)
        .await;
    app.create_connection(
        json!({"name": "wp", "provider": "workplace", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "wp-token-0123456789"}}),
    )
    .await;
    let hire = json!({"user_name": "ada@example.com", "external_id": "E-1"});
    let failed = post_with_key(&app, "/v1/connections/wp/users", "hire-1", hire.clone()).await;
    failed.assert_problem(502, "provider_unavailable");
    let again = post_with_key(&app, "/v1/connections/wp/users", "hire-1", hire).await;
    assert_eq!(again.status.as_u16(), 201, "{}", again.text);
    assert_eq!(again.json()["id"], "u1");
    assert_eq!(
        again.header("idempotency-replayed"),
        None,
        "a failure is not replayed"
    );
    let posts = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(
        posts, 1,
        "the retry looked the user up instead of creating it again"
    );
}

#[tokio::test]
async fn concurrent_requests_with_one_key_run_once() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": "u1", "userName": "ada@example.com"}))
                .set_delay(std::time::Duration::from_millis(300)),
        )
        .mount(&mock)
        .await;
    app.create_connection(
        json!({"name": "wp", "provider": "workplace", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "wp-token-0123456789"}}),
    )
    .await;
    let hire = json!({"user_name": "ada@example.com", "external_id": "E-1"});
    let (a, b) = tokio::join!(
        post_with_key(&app, "/v1/connections/wp/users", "same", hire.clone()),
        post_with_key(&app, "/v1/connections/wp/users", "same", hire.clone())
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(
        statuses,
        [201, 409],
        "one ran, the other was told it is in flight"
    );
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);
    let later = post_with_key(&app, "/v1/connections/wp/users", "same", hire).await;
    assert_eq!(later.header("idempotency-replayed"), Some("true"));
}
