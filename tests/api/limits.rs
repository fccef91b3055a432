//! Limits on what a caller controls, and the metrics endpoint.

use std::time::Duration;

use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::helpers::{API_KEY, Backend, spawn_app, spawn_app_with};

#[tokio::test]
async fn oversized_headers_are_431() {
    let app = spawn_app(Backend::Sqlite).await;
    let reply = app
        .send(
            app.client
                .get(app.url("/v1/connections"))
                .bearer_auth(API_KEY)
                .header("x-padding", "x".repeat(20_000)),
        )
        .await;
    reply.assert_problem(431, "headers_too_large");
}

#[tokio::test]
async fn an_overlong_uri_is_414() {
    let app = spawn_app(Backend::Sqlite).await;
    let reply = app
        .get(&format!("/v1/connections?cursor={}", "c".repeat(9000)))
        .await;
    reply.assert_problem(414, "uri_too_long");
}

#[tokio::test]
async fn calls_to_the_app_are_cut_short_by_the_request_deadline() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Users/u1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "u1", "userName": "a"}))
                .set_delay(Duration::from_secs(10)),
        )
        .mount(&mock)
        .await;
    // The connection would wait 30 s for the app; the request may take 2 s.
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.http.request_timeout = Duration::from_secs(2)
    })
    .await;
    app.create_connection(json!({"name": "wp", "provider": "workplace", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "wp-token-0123456789"}, "settings": {"request_timeout_seconds": 30}}))
        .await;
    let started = std::time::Instant::now();
    app.get("/v1/connections/wp/users/u1")
        .await
        .assert_problem(504, "provider_timeout");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered before the deadline: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn metrics_are_served_in_the_prometheus_format_by_route_template() {
    let app = spawn_app(Backend::Sqlite).await;
    app.get("/v1/connections/nobody").await;
    app.get("/v1/connections/somebody-else").await;
    let reply = app.send(app.client.get(app.url("/metrics"))).await;
    assert_eq!(reply.status.as_u16(), 200);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        reply.text.contains(r#"provisio_http_requests_total{method="GET",route="/v1/connections/{connection}",status="404"} 2"#),
        "{}",
        reply.text
    );
    assert!(
        reply
            .text
            .contains("provisio_http_request_duration_seconds_bucket")
    );
    assert!(
        reply
            .text
            .contains(r#"provisio_db_pool_connections{state="max"} 10"#),
        "{}",
        reply.text
    );
    assert!(
        !reply.text.contains("nobody"),
        "labels carry templates, not values"
    );
}
