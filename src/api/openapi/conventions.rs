//! What every operation has in common, added to the document once the routes
//! are in it: the `x-request-id` header on every response, `Idempotency-Key` on
//! every `/v1` POST, 403 on every write, 500 everywhere, `servers`, and a
//! request-body example for every body. Client generators only know what the
//! document says, so what the middleware does must be written here too.

use serde_json::Value;
use utoipa::openapi::{
    self, OpenApi, Ref, RefOr, Response, Server,
    header::HeaderBuilder,
    path::{Operation, ParameterBuilder, ParameterIn},
    schema::{ObjectBuilder, Type},
};

use super::examples;

const REQUEST_ID: &str = "RequestId";
const IDEMPOTENCY_KEY: &str = "IdempotencyKey";
const IDEMPOTENCY_REPLAYED: &str = "IdempotencyReplayed";

/// Completes the document built from the routes.
pub fn apply(doc: &mut OpenApi) {
    doc.servers = Some(vec![
        Server::builder()
            .url("/")
            .description(Some(
                "This provisio (its own origin; behind a path prefix, put the prefix here)",
            ))
            .build(),
    ]);
    add_components(doc);
    for (path, item) in doc.paths.paths.iter_mut() {
        let v1 = path.starts_with("/v1/");
        for (method, operation) in operations(item) {
            complete(operation, method, v1);
            examples::add(path, method, operation);
        }
    }
}

/// The item's operations with their methods (`get`, `post`, …).
pub(super) fn operations(item: &mut openapi::PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| Some((method, operation?)))
    .collect()
}

fn string_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn add_components(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.headers.insert(
        REQUEST_ID.into(),
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(string_schema()))
                .description(Some("The request's id (yours if you sent a valid `x-request-id`); it is also in the log lines and problem bodies of this request"))
                .build(),
        ),
    );
    components.headers.insert(
        IDEMPOTENCY_REPLAYED.into(),
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(string_schema().enum_values(Some(["true"]))))
                .description(Some("`true` when this is the stored response to an earlier request with the same `Idempotency-Key`; absent otherwise"))
                .build(),
        ),
    );
    components.parameters.insert(
        IDEMPOTENCY_KEY.into(),
        RefOr::T(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(openapi::Required::False)
                .description(Some("Any unique string (a UUID, say), at most 255 printable characters. A retry with the same key and request gets the stored response (`idempotency-replayed: true`) without calling the app again; the same key with another request is refused (`idempotency_key_reused`)."))
                .schema(Some(string_schema().min_length(Some(1)).max_length(Some(255))))
                .build(),
        ),
    );
    for response in components.responses.values_mut() {
        if let RefOr::T(response) = response {
            add_request_id(response);
        }
    }
}

fn header_ref(name: &str) -> Ref {
    Ref::new(format!("#/components/headers/{name}"))
}

fn add_request_id(response: &mut Response) {
    response
        .headers
        .insert("x-request-id".into(), RefOr::Ref(header_ref(REQUEST_ID)));
}

fn complete(operation: &mut Operation, method: &str, v1: bool) {
    let post = v1 && method == "post";
    let write = v1 && method != "get";
    let responses = &mut operation.responses.responses;
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response {
            add_request_id(response);
            if post && status.starts_with('2') {
                response.headers.insert(
                    "idempotency-replayed".into(),
                    RefOr::Ref(header_ref(IDEMPOTENCY_REPLAYED)),
                );
            }
        }
    }
    let problem = |name: &str| RefOr::Ref(Ref::from_response_name(name));
    if write {
        responses.insert("403".into(), problem("Forbidden"));
    }
    if post {
        // A key still in use answers 409, a key reused for another request 422.
        responses
            .entry("409".into())
            .or_insert_with(|| problem("Conflict"));
        responses
            .entry("422".into())
            .or_insert_with(|| problem("ValidationFailed"));
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(RefOr::Ref(Ref::new(format!(
                "#/components/parameters/{IDEMPOTENCY_KEY}"
            ))));
    }
    responses.insert("500".into(), problem("Internal"));
}

/// Sets the example of the operation's request body, if it has one.
pub(super) fn set_body_example(operation: &mut Operation, example: Value) {
    let Some(RefOr::T(body)) = operation.request_body.as_mut() else {
        return;
    };
    // `application/json`, or `application/merge-patch+json` for a PATCH.
    for content in body.content.values_mut() {
        if let RefOr::T(content) = content {
            content.example = Some(example.clone());
        }
    }
}
