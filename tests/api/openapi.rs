//! The OpenAPI document: served, committed, and complete.

use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

fn document() -> Value {
    serde_json::to_value(provisio::api::openapi_document()).unwrap()
}

#[test]
fn the_committed_openapi_yaml_matches_the_code() {
    let generated = provisio::api::openapi_document().to_yaml().unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    assert!(
        generated == committed,
        "openapi.yaml is stale: run `cargo run -- openapi > openapi.yaml` and commit it"
    );
}

#[tokio::test]
async fn the_served_document_is_the_generated_one() {
    let app = spawn_app(Backend::Sqlite).await;
    let served = app
        .send(app.client.get(app.url("/openapi.json")))
        .await
        .json();
    assert_eq!(served, document());
}

#[test]
fn every_v1_operation_is_guarded_and_documents_its_errors() {
    let doc = document();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["security"][0]["bearer"], Value::Array(vec![]));
    let paths = doc["paths"].as_object().unwrap();
    for route in [
        "/v1/connections",
        "/v1/connections/{connection}",
        "/v1/providers",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(route), "{route} is undocumented");
    }
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            if path.starts_with("/v1/") {
                assert!(
                    operation.get("security").is_none(),
                    "{method} {path} must use the global bearer scheme"
                );
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} does not document 401"
                );
            } else {
                assert_eq!(
                    operation["security"],
                    serde_json::json!([{}]),
                    "{method} {path} is open"
                );
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let reference = response["$ref"].as_str().unwrap_or_default();
                    assert!(
                        reference.starts_with("#/components/responses/"),
                        "{method} {path} {status} is not a problem"
                    );
                }
            }
        }
    }
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap();
    for code in [
        "validation_failed",
        "connection_not_found",
        "connection_exists",
        "unauthorized",
        "internal",
    ] {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} is not in the ErrorCode schema"
        );
    }
}

#[test]
fn the_user_schema_admits_the_fields_it_adds() {
    // Found by schemathesis: an allOf with UserFields inherited its
    // `additionalProperties: false` and forbade `id` and the timestamps.
    let doc = document();
    let user = &doc["components"]["schemas"]["User"];
    assert!(user.get("allOf").is_none(), "{user}");
    assert!(user.get("additionalProperties").is_none(), "{user}");
    for field in [
        "id",
        "user_name",
        "created_at",
        "updated_at",
        "emails",
        "extensions",
    ] {
        assert!(
            user["properties"].get(field).is_some(),
            "User lacks {field}"
        );
    }
}
