//! Defects an attack run found (security round two), each proven fixed.

use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{API_KEY, Backend, spawn_app};

#[tokio::test]
async fn dot_segments_as_user_ids_are_refused_without_calling_the_app() {
    let app = spawn_app(Backend::Sqlite).await;
    let mock = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    app.create_connection(
        json!({"name": "c", "provider": "scim", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "token-0123456789"}}),
    )
    .await;
    for id in ["..", ".", "%2e%2e", "%2E", "%2e"] {
        for (method, suffix) in [("DELETE", ""), ("GET", ""), ("POST", "/deactivate")] {
            let answer = app
                .raw(&format!(
                    "{method} /v1/connections/c/users/{id}{suffix} HTTP/1.1\r\nAuthorization: Bearer {API_KEY}\r\nContent-Length: 0"
                ))
                .await;
            assert!(
                answer.starts_with("HTTP/1.1 422"),
                "{method} {id}: {answer}"
            );
            assert!(answer.contains(r#""field":"user_id""#), "{answer}");
        }
    }
    assert!(mock.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_redirect_loop_is_a_configuration_error_and_is_not_retried() {
    let app = spawn_app(Backend::Sqlite).await;
    let mock = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/Users/u1", mock.uri())),
        )
        .mount(&mock)
        .await;
    app.create_connection(
        json!({"name": "c", "provider": "scim", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "token-0123456789"}}),
    )
    .await;
    let reply = app.get("/v1/connections/c/users/u1").await;
    let problem = reply.assert_problem(422, "provider_rejected");
    assert!(
        problem["detail"].as_str().unwrap().contains("redirect"),
        "{problem}"
    );
    // The first request and the hops the redirect policy allows, once.
    let calls = mock.received_requests().await.unwrap().len();
    assert!(calls <= 4, "{calls} calls to the app");
}

#[tokio::test]
async fn an_overlong_instance_url_is_refused_as_invalid() {
    let app = spawn_app(Backend::Sqlite).await;
    let url = format!("https://app.example.com/{}", "a".repeat(70_000));
    let reply = app
        .post(
            "/v1/connections",
            json!({"name": "c", "provider": "scim", "instance_url": url,
            "credentials": {"type": "bearer", "token": "token-0123456789"}}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    reply.assert_invalid_fields(&["instance_url"]);
}
