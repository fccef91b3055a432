//! API keys guard `/v1`; probes and docs stay open.

use crate::helpers::{Backend, spawn_app};

#[tokio::test]
async fn v1_routes_need_an_api_key() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in [
        "/v1/connections",
        "/v1/providers",
        "/v1/connections/anything",
    ] {
        let reply = app.send(app.client.get(app.url(path))).await;
        let problem = reply.assert_problem(401, "unauthorized");
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer realm=\"provisio\"")
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("Authorization: Bearer")
        );
    }
}

#[tokio::test]
async fn a_wrong_api_key_is_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    for header in [
        "Bearer wrong-key-0123456789abcdef",
        "Basic dXNlcjpwYXNz",
        "test-api-key-0123456789abcdef",
    ] {
        let reply = app
            .send(
                app.client
                    .get(app.url("/v1/connections"))
                    .header("authorization", header),
            )
            .await;
        reply.assert_problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn any_of_several_configured_keys_is_accepted() {
    let app = spawn_app(Backend::Sqlite).await;
    let reply = app
        .send(
            app.client
                .get(app.url("/v1/connections"))
                .bearer_auth(crate::helpers::SECOND_API_KEY),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200);
}

#[tokio::test]
async fn probes_and_docs_need_no_key() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in ["/healthz", "/readyz", "/openapi.json", "/docs/"] {
        let reply = app.send(app.client.get(app.url(path))).await;
        assert_eq!(reply.status.as_u16(), 200, "{path}: {}", reply.text);
    }
    let docs = app.send(app.client.get(app.url("/docs/"))).await;
    assert!(
        docs.text.contains("swagger"),
        "Swagger UI is served from the binary"
    );
}

#[tokio::test]
async fn the_docs_are_compressed_cacheable_and_find_the_document_behind_a_prefix() {
    let app = spawn_app(Backend::Sqlite).await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let bundle = raw
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), 200);
    assert_eq!(bundle.headers()["content-encoding"], "gzip");
    assert_eq!(bundle.headers()["cache-control"], "public, max-age=300");
    let size = bundle.bytes().await.unwrap().len();
    assert!(
        size < 700_000,
        "the 1.5 MB bundle is sent compressed: {size} bytes"
    );
    let initializer = app
        .send(app.client.get(app.url("/docs/swagger-initializer.js")))
        .await;
    assert!(
        initializer.text.contains("\"../openapi.json\""),
        "the document is found relative to the page: {}",
        initializer.text
    );
    assert!(
        !initializer.text.contains("\"/openapi.json\""),
        "{}",
        initializer.text
    );
}
