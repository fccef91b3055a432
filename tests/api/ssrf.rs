//! The SSRF guard: by default a connection may only reach public addresses
//! over https, checked at save time, at every call, and on every redirect.

use provisio::netguard::NetworkPolicy;
use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};

async fn strict_app() -> TestApp {
    spawn_app_with(Backend::Sqlite, |config| {
        config.network = NetworkPolicy::default()
    })
    .await
}

fn connection(url: &str) -> serde_json::Value {
    json!({"name": "target", "provider": "scim", "instance_url": url,
        "credentials": {"type": "bearer", "token": "scim-token-0123456"}})
}

#[tokio::test]
async fn the_cloud_metadata_address_is_refused() {
    let app = strict_app().await;
    for url in [
        "http://169.254.169.254/",
        "https://169.254.169.254/latest/meta-data",
    ] {
        let problem = app
            .post("/v1/connections", connection(url))
            .await
            .assert_problem(422, "instance_url_forbidden");
        assert_eq!(problem["errors"][0]["field"], "instance_url");
    }
}

#[tokio::test]
async fn a_private_address_is_refused_even_over_https() {
    let app = strict_app().await;
    for url in [
        "https://10.0.0.1",
        "https://192.168.1.10/scim",
        "https://[::1]:8443/",
        "https://[fd00:ec2::254]/",
    ] {
        app.post("/v1/connections", connection(url))
            .await
            .assert_problem(422, "instance_url_forbidden");
    }
}

#[tokio::test]
async fn a_hostname_resolving_to_loopback_is_refused() {
    let app = strict_app().await;
    let problem = app
        .post(
            "/v1/connections",
            connection("https://localhost:8443/scim/v2"),
        )
        .await
        .assert_problem(422, "instance_url_forbidden");
    assert!(
        problem["detail"].as_str().unwrap().contains("127.0.0.1"),
        "{problem}"
    );
}

#[tokio::test]
async fn plain_http_is_refused_by_default() {
    let app = strict_app().await;
    app.post("/v1/connections", connection("http://scim.example.com/v2"))
        .await
        .assert_problem(422, "instance_url_forbidden");
}

/// A name that does not resolve here (split-horizon DNS, an offline machine,
/// a host not set up yet) is saved; calls fail as unavailable until it resolves.
#[tokio::test]
async fn a_host_that_does_not_resolve_is_saved_and_reported_unreachable() {
    let app = strict_app().await;
    let created = app
        .create_connection(connection("https://no-such-host.invalid/scim"))
        .await;
    assert_eq!(created["instance_url"], "https://no-such-host.invalid/scim");
    let check = app.post("/v1/connections/target/test", json!({})).await;
    assert_eq!(check.status.as_u16(), 200, "{}", check.text);
    let check = check.json();
    assert_eq!(check["ok"], false);
    assert_eq!(check["checks"][0]["name"], "reach");
    assert_eq!(check["checks"][0]["ok"], false, "{check}");
    app.get("/v1/connections/target/users")
        .await
        .assert_problem(502, "provider_unavailable");
}

#[tokio::test]
async fn moving_a_connection_onto_a_private_address_is_refused() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.network = NetworkPolicy {
            allow_private: false,
            allowed: vec!["127.0.0.1/32".parse().unwrap()],
        };
    })
    .await;
    app.create_connection(connection("http://127.0.0.1:9/scim"))
        .await;
    app.patch(
        "/v1/connections/target",
        json!({"instance_url": "https://10.1.1.1/scim",
            "credentials": {"type": "bearer", "token": "scim-token-0123456"}}),
    )
    .await
    .assert_problem(422, "instance_url_forbidden");
}

#[tokio::test]
async fn a_redirect_to_a_private_address_is_refused() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/Users/u1"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", "http://169.254.169.254/latest/meta-data/"),
        )
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/Users/u2"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", "https://10.0.0.1/scim/Users/u2"),
        )
        .mount(&mock)
        .await;
    // The mock itself is admitted explicitly; where it redirects to is not.
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.network = NetworkPolicy {
            allow_private: false,
            allowed: vec!["127.0.0.1/32".parse().unwrap()],
        };
    })
    .await;
    app.create_connection(connection(&format!("{}/scim", mock.uri())))
        .await;
    for user in ["u1", "u2"] {
        let problem = app
            .get(&format!("/v1/connections/target/users/{user}"))
            .await
            .assert_problem(422, "instance_url_forbidden");
        assert!(
            problem["detail"].as_str().unwrap().contains("redirect"),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn calls_are_refused_when_the_policy_no_longer_admits_a_stored_connection() {
    let mock = MockServer::start().await;
    let permissive = spawn_app(Backend::Sqlite).await;
    permissive
        .create_connection(connection(&format!("{}/scim", mock.uri())))
        .await;
    let strict = permissive
        .another_instance(|config| config.network = NetworkPolicy::default())
        .await;
    strict
        .get("/v1/connections/target/users/u1")
        .await
        .assert_problem(422, "instance_url_forbidden");
    assert!(
        mock.received_requests().await.unwrap().is_empty(),
        "nothing left provisio"
    );
}

#[tokio::test]
async fn a_name_that_resolves_to_a_forbidden_address_is_refused_when_called() {
    // Saved while private networks were allowed; called by an instance that forbids them.
    // The address is only known once the name resolves: provisio's resolver drops it.
    let permissive = spawn_app(Backend::Sqlite).await;
    permissive
        .create_connection(connection("https://localhost:9/scim"))
        .await;
    let strict = permissive
        .another_instance(|config| config.network = NetworkPolicy::default())
        .await;
    let problem = strict
        .get("/v1/connections/target/users/u1")
        .await
        .assert_problem(422, "instance_url_forbidden");
    assert!(
        problem["detail"].as_str().unwrap().contains("localhost"),
        "{problem}"
    );
}
