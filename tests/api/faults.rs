//! Upstream faults no real server produces on demand: each maps to its
//! documented code, and provisio stays healthy afterwards.

use std::time::Duration;

use serde_json::json;
use tokio::io::AsyncReadExt;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::helpers::{Backend, TestApp, spawn_app};

/// An app whose connection points at `base` and times out after one second.
async fn app_for(base: &str) -> TestApp {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_connection(
        json!({"name": "s", "provider": "scim", "instance_url": base,
        "credentials": {"type": "bearer", "token": "scim-token-0123456"},
        "settings": {"request_timeout_seconds": 1}}),
    )
    .await;
    app
}

async fn mock_answering(template: ResponseTemplate) -> (MockServer, TestApp) {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Users/u1"))
        .respond_with(template)
        .mount(&mock)
        .await;
    let app = app_for(&mock.uri()).await;
    (mock, app)
}

async fn assert_still_healthy(app: &TestApp) {
    let health = app.send(app.client.get(app.url("/healthz"))).await;
    assert_eq!(health.status.as_u16(), 200);
    let connections = app.get("/v1/connections").await;
    assert_eq!(connections.status.as_u16(), 200);
}

#[tokio::test]
async fn an_upstream_500_is_provider_unavailable() {
    let (_mock, app) = mock_answering(ResponseTemplate::new(500).set_body_json(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "500", "detail": "database on fire"
    })))
    .await;
    let problem = app
        .get("/v1/connections/s/users/u1")
        .await
        .assert_problem(502, "provider_unavailable");
    assert_eq!(
        problem["provider"],
        json!({"status": 500, "scim_type": null, "detail": "database on fire"})
    );
    assert_still_healthy(&app).await;
}

#[tokio::test]
async fn a_429_beyond_the_time_budget_is_passed_on_with_its_retry_after() {
    // Waiting two minutes would outlast the request's deadline: provisio answers at once.
    let (mock, app) =
        mock_answering(ResponseTemplate::new(429).insert_header("retry-after", "120")).await;
    let reply = app.get("/v1/connections/s/users/u1").await;
    reply.assert_problem(429, "provider_rate_limited");
    assert_eq!(reply.header("retry-after"), Some("120"));
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);
    assert_still_healthy(&app).await;
}

#[tokio::test]
async fn an_app_that_hangs_past_the_timeout_is_provider_timeout() {
    let (_mock, app) = mock_answering(
        ResponseTemplate::new(200)
            .set_body_json(json!({"id": "u1", "userName": "a"}))
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let started = std::time::Instant::now();
    app.get("/v1/connections/s/users/u1")
        .await
        .assert_problem(504, "provider_timeout");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the connection's 1 s timeout applied"
    );
    assert_still_healthy(&app).await;
}

#[tokio::test]
async fn a_reset_connection_is_provider_unavailable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut buffer = [0u8; 1024];
            let _ = stream.read(&mut buffer).await;
            // Linger 0 makes the close an RST: the request is lost mid-flight.
            let socket = socket2::SockRef::from(&stream);
            socket.set_linger(Some(Duration::ZERO)).unwrap();
            drop(stream);
        }
    });
    let app = app_for(&format!("http://{address}")).await;
    let problem = app
        .get("/v1/connections/s/users/u1")
        .await
        .assert_problem(502, "provider_unavailable");
    assert!(
        problem
            .get("provider")
            .is_none_or(|p| p["status"].is_null()),
        "{problem}"
    );
    assert_still_healthy(&app).await;
}

#[tokio::test]
async fn an_unreachable_app_is_provider_unavailable() {
    // Bind and drop: nothing listens on this port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = app_for(&format!("http://127.0.0.1:{port}/scim")).await;
    app.get("/v1/connections/s/users/u1")
        .await
        .assert_problem(502, "provider_unavailable");
}

#[tokio::test]
async fn malformed_json_is_provider_invalid_response() {
    let (_mock, app) = mock_answering(
        ResponseTemplate::new(200)
            .set_body_raw(r#"{"id": "u1", "userName": "#, "application/scim+json"),
    )
    .await;
    let problem = app
        .get("/v1/connections/s/users/u1")
        .await
        .assert_problem(502, "provider_invalid_response");
    assert_eq!(problem["provider"]["status"], 200);
    assert_still_healthy(&app).await;
}

#[tokio::test]
async fn an_html_error_page_is_provider_unavailable_without_the_html() {
    let page =
        "<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>";
    let (_mock, app) =
        mock_answering(ResponseTemplate::new(502).set_body_raw(page, "text/html")).await;
    let reply = app.get("/v1/connections/s/users/u1").await;
    let problem = reply.assert_problem(502, "provider_unavailable");
    assert_eq!(
        problem["provider"],
        json!({"status": 502, "scim_type": null, "detail": null})
    );
    assert!(!reply.text.contains("<html>"));
    assert_still_healthy(&app).await;
}

#[tokio::test]
async fn an_html_page_with_a_success_status_is_provider_invalid_response() {
    let (_mock, app) = mock_answering(
        ResponseTemplate::new(200).set_body_raw("<html><body>Sign in</body></html>", "text/html"),
    )
    .await;
    let problem = app
        .get("/v1/connections/s/users/u1")
        .await
        .assert_problem(502, "provider_invalid_response");
    assert!(
        problem["detail"].as_str().unwrap().contains("text/html"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_400_is_provider_rejected_with_the_apps_detail() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400",
            "scimType": "invalidValue", "detail": "Email domain is not verified"
        })))
        .mount(&mock)
        .await;
    let app = app_for(&mock.uri()).await;
    let problem = app
        .post(
            "/v1/connections/s/users",
            json!({"user_name": "a@unverified.example"}),
        )
        .await
        .assert_problem(422, "provider_rejected");
    assert_eq!(problem["provider"]["scim_type"], "invalidValue");
    assert_eq!(
        problem["provider"]["detail"],
        "Email domain is not verified"
    );
}

#[tokio::test]
async fn a_graph_style_error_is_read() {
    let (_mock, app) = mock_answering(ResponseTemplate::new(403).set_body_json(json!({
        "error": {"message": "(#3) Application does not have the capability", "type": "OAuthException", "code": 3}
    })))
    .await;
    let problem = app
        .get("/v1/connections/s/users/u1")
        .await
        .assert_problem(502, "provider_unauthorized");
    assert_eq!(
        problem["provider"]["detail"],
        "(#3) Application does not have the capability"
    );
}

#[tokio::test]
async fn testing_a_connection_with_a_wrong_url_says_to_check_it() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wrong/Users"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&mock)
        .await;
    let app = app_for(&format!("{}/wrong", mock.uri())).await;
    let report = app.post("/v1/connections/s/test", json!(null)).await.json();
    assert_eq!(report["ok"], false);
    let list = &report["checks"][2];
    assert_eq!(list["name"], "list_users");
    assert_eq!(list["code"], "provider_rejected");
    assert!(
        list["detail"].as_str().unwrap().contains("instance_url"),
        "{list}"
    );
}

#[tokio::test]
async fn testing_an_unreachable_app_stops_at_reach() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = app_for(&format!("http://127.0.0.1:{port}/scim")).await;
    let report = app.post("/v1/connections/s/test", json!(null)).await.json();
    assert_eq!(report["ok"], false);
    assert_eq!(report["checks"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["checks"][0]["name"], "reach");
    assert_eq!(report["checks"][0]["code"], "provider_unavailable");
}
