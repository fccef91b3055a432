//! provisio keeps opened connections between calls; these prove that what it
//! keeps is never used past a change: a rotated credential, a new
//! `instance_url` or a deleted connection takes effect on the very next call,
//! on this instance and on another one sharing the database.

use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

use crate::{
    both_backends,
    helpers::{Backend, TestApp, spawn_app},
};

/// An app that answers `GET /Users/u1` with a user named after the token it
/// was called with (`token-one-…` → `one@example.com`; 404 for another token).
async fn app_knowing(tokens: &[&str]) -> MockServer {
    let mock = MockServer::start().await;
    for token in tokens {
        Mock::given(method("GET"))
            .and(path("/Users/u1"))
            .and(header("authorization", format!("Bearer {token}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": "u1", "userName": format!("{}@example.com", token.split('-').nth(1).unwrap()), "active": true
            })))
            .mount(&mock)
            .await;
    }
    mock
}

async fn read_user_name(app: &TestApp) -> String {
    let reply = app.get("/v1/connections/c/users/u1").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["user_name"].as_str().unwrap().to_owned()
}

async fn connect(app: &TestApp, url: &str) {
    app.create_connection(json!({"name": "c", "provider": "scim", "instance_url": url,
        "credentials": {"type": "bearer", "token": "token-one-0123456"}}))
        .await;
}

both_backends! {
    async fn a_rotated_credential_and_a_new_url_are_used_by_the_next_call(app: TestApp) {
        let first = app_knowing(&["token-one-0123456", "token-two-9876543"]).await;
        connect(&app, &first.uri()).await;
        assert_eq!(read_user_name(&app).await, "one@example.com");
        assert_eq!(read_user_name(&app).await, "one@example.com");

        let rotated = app
            .patch("/v1/connections/c", json!({"credentials": {"type": "bearer", "token": "token-two-9876543"}}))
            .await;
        assert_eq!(rotated.status, 200, "{}", rotated.text);
        assert_eq!(read_user_name(&app).await, "two@example.com");

        let second = app_knowing(&["token-two-9876543"]).await;
        let moved = app.patch("/v1/connections/c", json!({"instance_url": second.uri(),
            "credentials": {"type": "bearer", "token": "token-two-9876543"}})).await;
        assert_eq!(moved.status, 200, "{}", moved.text);
        let calls_before = first.received_requests().await.unwrap().len();
        read_user_name(&app).await;
        assert_eq!(second.received_requests().await.unwrap().len(), 1, "the new URL is called");
        assert_eq!(first.received_requests().await.unwrap().len(), calls_before);
    }

    async fn a_deleted_connection_is_gone_at_once(app: TestApp) {
        let mock = app_knowing(&["token-one-0123456"]).await;
        connect(&app, &mock.uri()).await;
        read_user_name(&app).await;
        assert_eq!(app.delete("/v1/connections/c").await.status, 204);
        app.get("/v1/connections/c/users/u1").await.assert_problem(404, "connection_not_found");
        app.get("/v1/connections/c").await.assert_problem(404, "connection_not_found");
        assert_eq!(mock.received_requests().await.unwrap().len(), 1, "no call after the delete");
    }
}

#[tokio::test]
async fn two_instances_on_one_postgres_see_each_others_changes() {
    let one = spawn_app(Backend::Postgres).await;
    let two = one.another_instance(|_| {}).await;
    let mock = app_knowing(&["token-one-0123456", "token-two-9876543"]).await;
    connect(&one, &mock.uri()).await;
    assert_eq!(read_user_name(&two).await, "one@example.com");
    let before = two.get("/v1/connections/c").await.json();

    let rotated = one
        .patch(
            "/v1/connections/c",
            json!({"credentials": {"type": "bearer", "token": "token-two-9876543"}}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    assert_eq!(read_user_name(&two).await, "two@example.com");
    let after = two.get("/v1/connections/c").await.json();
    assert_eq!(after["updated_at"], rotated.json()["updated_at"]);
    assert_ne!(after["credentials"], before["credentials"], "{after}");

    assert_eq!(one.delete("/v1/connections/c").await.status, 204);
    two.get("/v1/connections/c/users/u1")
        .await
        .assert_problem(404, "connection_not_found");
}
