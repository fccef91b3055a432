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
    // Open: a code added later must not break a client generated today.
    let code = &doc["components"]["schemas"]["ErrorCode"];
    assert_eq!(code["type"], "string");
    assert!(code.get("enum").is_none(), "{code}");
    let known = code["x-extensible-enum"].as_array().unwrap();
    let description = code["description"].as_str().unwrap();
    for code in [
        "validation_failed",
        "connection_not_found",
        "connection_exists",
        "unauthorized",
        "forbidden",
        "internal",
    ] {
        assert!(known.iter().any(|c| c == code), "{code} is not listed");
        assert!(
            description.contains(&format!("`{code}`")),
            "{code} is not explained"
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

/// Every schema node of the document, with its JSON pointer.
fn schema_nodes(node: &Value, at: String, out: &mut Vec<(String, Value)>) {
    match node {
        Value::Object(map) => {
            out.push((at.clone(), node.clone()));
            for (key, value) in map {
                schema_nodes(value, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                schema_nodes(value, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn is_object_type(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "object",
        Value::Array(types) => types.iter().any(|t| t == "object"),
        _ => false,
    }
}

#[test]
fn every_free_map_declares_its_value_type() {
    // Found by openapi-typescript: a bare `type: object` became `never`, so
    // `settings: {customer_id: "…"}` did not compile under `tsc --strict`.
    let mut nodes = Vec::new();
    schema_nodes(&document(), String::new(), &mut nodes);
    let bare: Vec<&String> = nodes
        .iter()
        .filter(|(_, schema)| is_object_type(schema))
        .filter(|(_, schema)| {
            [
                "properties",
                "additionalProperties",
                "allOf",
                "oneOf",
                "anyOf",
            ]
            .iter()
            .all(|key| schema.get(key).is_none())
        })
        .map(|(at, _)| at)
        .collect();
    assert!(bare.is_empty(), "free maps without a value type: {bare:?}");
}

#[test]
fn no_rustdoc_link_leaks_into_the_document() {
    let text = serde_json::to_string(&document()).unwrap();
    assert!(
        !text.contains("[`"),
        "an intra-doc link is in a description"
    );
}

#[test]
fn setting_spec_is_one_flat_object_and_a_persons_key_is_never_null() {
    // openapi-python-client could not process `allOf: [oneOf, object]`.
    let doc = document();
    let spec = &doc["components"]["schemas"]["SettingSpec"];
    assert_eq!(spec["type"], "object", "{spec}");
    assert!(spec.get("allOf").is_none() && spec.get("oneOf").is_none());
    // A sync refuses a person without `external_id`, so the document must not offer null.
    let key = &doc["components"]["schemas"]["Person"]["properties"]["external_id"];
    assert_eq!(key["type"], "string", "{key}");
    assert_eq!(key["minLength"], 1);
}

#[tokio::test]
async fn the_catalogues_settings_have_the_documented_shape() {
    let app = spawn_app(Backend::Sqlite).await;
    let catalogue = app.get("/v1/providers").await.json();
    let spec = &document()["components"]["schemas"]["SettingSpec"];
    let known = spec["properties"].as_object().unwrap();
    let mut seen = 0;
    for provider in catalogue["items"].as_array().unwrap() {
        for setting in provider["settings"].as_array().unwrap() {
            for field in setting.as_object().unwrap().keys() {
                assert!(known.contains_key(field), "{field} is undocumented");
            }
            for required in spec["required"].as_array().unwrap() {
                assert!(setting.get(required.as_str().unwrap()).is_some());
            }
            seen += 1;
        }
    }
    assert!(seen > 2, "{catalogue}");
}

#[test]
fn every_operation_documents_what_the_middleware_adds() {
    let doc = document();
    assert!(!doc["servers"].as_array().unwrap().is_empty());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            assert!(responses.get("500").is_some(), "{method} {path}: no 500");
            let v1 = path.starts_with("/v1/");
            if v1 && method != "get" {
                assert!(responses.get("403").is_some(), "{method} {path}: no 403");
            }
            let idempotent = operation["parameters"].as_array().is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["$ref"] == "#/components/parameters/IdempotencyKey")
            });
            assert_eq!(
                idempotent,
                v1 && method == "post",
                "{method} {path}: Idempotency-Key"
            );
            for (status, response) in responses.as_object().unwrap() {
                let headers = match response.get("$ref") {
                    Some(Value::String(r)) => {
                        let name = r.rsplit('/').next().unwrap();
                        doc["components"]["responses"][name]["headers"].clone()
                    }
                    _ => response["headers"].clone(),
                };
                assert!(
                    headers.get("x-request-id").is_some(),
                    "{method} {path} {status}"
                );
                if v1 && method == "post" && status.starts_with('2') {
                    assert!(
                        headers.get("idempotency-replayed").is_some(),
                        "{method} {path}"
                    );
                }
            }
            if let Some(body) = operation.get("requestBody") {
                let content = body["content"].as_object().unwrap();
                assert!(
                    content.values().all(|c| c.get("example").is_some()),
                    "{method} {path}: the request body has no example"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_problems_type_opens_its_entry_on_the_errors_page() {
    let app = spawn_app(Backend::Sqlite).await;
    let problem = app.get("/v1/connections/nope").await.json();
    let problem_type = problem["type"].as_str().unwrap();
    assert_eq!(problem_type, "/errors#connection_not_found");
    let (page, anchor) = problem_type.split_once('#').unwrap();
    let reply = app.send(app.client.get(app.url(page))).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(reply.text.contains(&format!("id=\"{anchor}\"")));
}
