//! Operations: probes, request ids, CORS, start-up checks.

use crate::helpers::{API_KEY, Backend, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_and_readiness_answer_with_the_version() {
    let app = spawn_app(Backend::Sqlite).await;
    let health = app.send(app.client.get(app.url("/healthz"))).await.json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    let ready = app.send(app.client.get(app.url("/readyz"))).await.json();
    assert_eq!(ready["status"], "ready");
}

#[tokio::test]
async fn readiness_fails_with_503_when_the_database_is_gone() {
    let app = spawn_app(Backend::Postgres).await;
    app.db.drop_now().await;
    let reply = app.send(app.client.get(app.url("/readyz"))).await;
    reply.assert_problem(503, "not_ready");
    let health = app.send(app.client.get(app.url("/healthz"))).await;
    assert_eq!(
        health.status.as_u16(),
        200,
        "liveness does not depend on the database"
    );
}

#[tokio::test]
async fn a_sane_caller_request_id_is_echoed_and_put_in_problems() {
    let app = spawn_app(Backend::Sqlite).await;
    let reply = app
        .send(
            app.client
                .get(app.url("/v1/connections/nobody"))
                .bearer_auth(API_KEY)
                .header("x-request-id", "hr-sync-42"),
        )
        .await;
    assert_eq!(reply.header("x-request-id"), Some("hr-sync-42"));
    assert_eq!(
        reply.assert_problem(404, "connection_not_found")["request_id"],
        "hr-sync-42"
    );
}

#[tokio::test]
async fn a_request_id_is_generated_when_missing_or_unsafe() {
    let app = spawn_app(Backend::Sqlite).await;
    let plain = app.send(app.client.get(app.url("/healthz"))).await;
    let generated = plain.header("x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
    let unsafe_id = app
        .send(
            app.client
                .get(app.url("/healthz"))
                .header("x-request-id", "forged\"log=line"),
        )
        .await;
    assert_ne!(unsafe_id.header("x-request-id"), Some("forged\"log=line"));
}

#[tokio::test]
async fn cors_admits_only_configured_origins_including_preflight() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.http.cors_origins = vec!["https://hr.example.com".parse().unwrap()];
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/v1/connections"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
    };
    let allowed = app.send(preflight("https://hr.example.com")).await;
    assert!(allowed.status.is_success(), "{}", allowed.status);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://hr.example.com")
    );
    assert!(
        allowed
            .header("access-control-allow-headers")
            .unwrap()
            .contains("authorization")
    );
    let refused = app.send(preflight("https://evil.example.com")).await;
    assert_eq!(refused.header("access-control-allow-origin"), None);

    let actual = app
        .send(
            app.client
                .get(app.url("/v1/connections"))
                .bearer_auth(API_KEY)
                .header("origin", "https://hr.example.com"),
        )
        .await;
    assert_eq!(
        actual.header("access-control-allow-origin"),
        Some("https://hr.example.com")
    );
    // A browser's script can read only the headers listed here.
    let exposed = actual.header("access-control-expose-headers").unwrap();
    for header in [
        "location",
        "retry-after",
        "x-request-id",
        "idempotency-replayed",
    ] {
        assert!(
            exposed.contains(header),
            "{header} is not exposed: {exposed}"
        );
    }
}

#[tokio::test]
async fn no_cors_headers_without_configured_origins() {
    let app = spawn_app(Backend::Sqlite).await;
    let reply = app
        .send(
            app.client
                .get(app.url("/v1/connections"))
                .bearer_auth(API_KEY)
                .header("origin", "https://hr.example.com"),
        )
        .await;
    assert_eq!(reply.header("access-control-allow-origin"), None);
}
