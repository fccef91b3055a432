//! What each provider's app receives, byte for byte where it matters: paths,
//! headers and body shapes, asserted against a wiremock stand-in.

use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_partial_json, header, method, path},
};

use crate::helpers::{Backend, TestApp, spawn_app};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const INTERACT: &str = "urn:ietf:params:scim:schemas:extension:interactsoftware:2.0:User";
const USER_AGENT: &str = concat!("provisio/", env!("CARGO_PKG_VERSION"));

fn scim_user(id: &str, user_name: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id, "userName": user_name, "active": true})
}

async fn app_with(connection: Value) -> TestApp {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_connection(connection).await;
    app
}

/// A generic SCIM connection named `s` whose base URL is the mock's `/scim`.
async fn scim_app(mock: &MockServer) -> TestApp {
    app_with(
        json!({"name": "s", "provider": "scim", "instance_url": format!("{}/scim", mock.uri()),
        "credentials": {"type": "bearer", "token": "scim-token-0123456"}}),
    )
    .await
}

fn named_user() -> Value {
    json!({
        "user_name": "ada@example.com",
        "external_id": "E-1",
        "name": {"given_name": "Ada", "family_name": "Lovelace"},
        "emails": [{"value": "ada@example.com"}],
        "manager_id": "m-1"
    })
}

#[tokio::test]
async fn workplace_creates_at_the_root_users_path_with_user_agent_and_manager_id() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .and(header("user-agent", USER_AGENT))
        .and(header("authorization", "Bearer wp-token-0123456789"))
        .and(header("content-type", "application/scim+json"))
        .and(body_partial_json(json!({
            "userName": "ada@example.com",
            "name": {"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace"},
            ENTERPRISE: {"manager": {"managerId": "m-1"}}
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(scim_user("100", "ada@example.com")))
        .expect(1)
        .mount(&mock)
        .await;
    let app = app_with(
        json!({"name": "wp", "provider": "workplace", "instance_url": format!("{}/", mock.uri()),
        "credentials": {"type": "bearer", "token": "wp-token-0123456789"}}),
    )
    .await;
    let reply = app.post("/v1/connections/wp/users", named_user()).await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    assert_eq!(reply.json()["id"], "100");
}

#[tokio::test]
async fn workplace_changes_the_manager_through_manager_id() {
    let mock = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/Users/100"))
        .and(header("user-agent", USER_AGENT))
        .and(body_partial_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": {"managerId": "m-2"}}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("100", "ada@example.com")))
        .expect(1)
        .mount(&mock)
        .await;
    let app = app_with(
        json!({"name": "wp", "provider": "workplace", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "wp-token-0123456789"}}),
    )
    .await;
    let reply = app
        .patch("/v1/connections/wp/users/100", json!({"manager_id": "m-2"}))
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
}

#[tokio::test]
async fn interact_creates_under_its_api_path_with_external_id_and_login_type() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/scim/v2/Users"))
        .and(header("authorization", "Bearer interact-token-0123"))
        .and(body_partial_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, INTERACT],
            "userName": "ada@example.com",
            "externalId": "E-1",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            INTERACT: {"loginType": "SAML"}
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(scim_user("7", "ada@example.com")))
        .expect(1)
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/scim/v2/Users"))
        .and(body_partial_json(
            json!({INTERACT: {"loginType": "Local Login"}}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(scim_user("8", "bob@example.com")))
        .expect(1)
        .mount(&mock)
        .await;
    let app = app_with(json!({"name": "intra", "provider": "interact", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "interact-token-0123"}, "settings": {"login_type": "SAML"}}))
    .await;
    let reply = app.post("/v1/connections/intra/users", named_user()).await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    let mut bob = named_user();
    bob["user_name"] = json!("bob@example.com");
    bob["extensions"] = json!({INTERACT: {"loginType": "Local Login"}});
    let reply = app.post("/v1/connections/intra/users", bob).await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
}

#[tokio::test]
async fn interact_refuses_a_user_without_its_required_fields_before_calling() {
    let mock = MockServer::start().await;
    let app = app_with(json!({"name": "intra", "provider": "interact", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "interact-token-0123"}, "settings": {"login_type": "SAML"}}))
    .await;
    app.post(
        "/v1/connections/intra/users",
        json!({"user_name": "ada@example.com",
            "extensions": {INTERACT: {"loginType": "Magic"}}}),
    )
    .await
    .assert_invalid_fields(&[
        "external_id",
        "name.given_name",
        "name.family_name",
        &format!("extensions.{INTERACT}.loginType"),
    ]);
    app.patch(
        "/v1/connections/intra/users/7",
        json!({"external_id": null}),
    )
    .await
    .assert_invalid_fields(&["external_id"]);
    assert!(
        mock.received_requests().await.unwrap().is_empty(),
        "nothing reached the app"
    );
}

#[tokio::test]
async fn workiva_sends_basic_credentials_and_refuses_delete_without_calling() {
    let mock = MockServer::start().await;
    let expected = format!("Basic {}", STANDARD.encode("prov-id-42:prov-secret-0123"));
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1"))
        .and(header("authorization", expected.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("u1", "ada@example.com")))
        .expect(1)
        .mount(&mock)
        .await;
    let app = app_with(json!({"name": "wiva", "provider": "workiva", "instance_url": format!("{}/scim/v2/", mock.uri()),
        "credentials": {"type": "basic", "username": "prov-id-42", "password": "prov-secret-0123"}}))
    .await;
    let reply = app.get("/v1/connections/wiva/users/u1").await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    let refused = app.delete("/v1/connections/wiva/users/u1").await;
    assert!(
        refused.assert_problem(422, "unsupported_operation")["detail"]
            .as_str()
            .unwrap()
            .contains("deactivate")
    );
    assert_eq!(
        mock.received_requests().await.unwrap().len(),
        1,
        "only the GET reached the app"
    );
}

async fn eight_by_eight(mock: &MockServer) -> TestApp {
    app_with(json!({"name": "eight", "provider": "8x8",
        "instance_url": format!("{}/udi/customers/c-42/scim/v2/Users", mock.uri()),
        "credentials": {"type": "api_key", "token": "8x8-token-0123456789"}}))
    .await
}

#[tokio::test]
async fn eight_by_eight_creates_under_the_customer_path_with_one_work_email() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/udi/customers/c-42/scim/v2/Users"))
        .and(header("authorization", "Bearer 8x8-token-0123456789"))
        .and(body_partial_json(json!({
            "userName": "ada@example.com",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}]
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(scim_user("u1", "ada@example.com")))
        .expect(1)
        .mount(&mock)
        .await;
    let app = eight_by_eight(&mock).await;
    let reply = app.post("/v1/connections/eight/users", named_user()).await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    app.post(
        "/v1/connections/eight/users",
        json!({"user_name": "x@example.com",
            "emails": [{"value": "a@example.com"}, {"value": "b@example.com"}]}),
    )
    .await
    .assert_invalid_fields(&["name.given_name", "name.family_name", "emails"]);
}

#[tokio::test]
async fn eight_by_eight_changes_attributes_with_get_merge_put() {
    let mock = MockServer::start().await;
    let mut stored = scim_user("u1", "ada@example.com");
    stored["title"] = json!("Analyst");
    stored["addresses"] = json!([{"locality": "London"}]);
    stored["urn:8x8:scim:schemas:extension:8x8user:2.0:User"] = json!({"site": "London HQ"});
    Mock::given(method("GET"))
        .and(path("/udi/customers/c-42/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(stored.clone()))
        .expect(1)
        .mount(&mock)
        .await;
    let mut updated = stored.clone();
    updated["title"] = json!("Engineer");
    Mock::given(method("PUT"))
        .and(path("/udi/customers/c-42/scim/v2/Users/u1"))
        .and(body_partial_json(json!({
            "id": "u1", "userName": "ada@example.com", "active": true, "title": "Engineer",
            "addresses": [{"locality": "London"}],
            "urn:8x8:scim:schemas:extension:8x8user:2.0:User": {"site": "London HQ"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(updated))
        .expect(1)
        .mount(&mock)
        .await;
    let app = eight_by_eight(&mock).await;
    let reply = app
        .patch(
            "/v1/connections/eight/users/u1",
            json!({"title": "Engineer"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.json()["title"], "Engineer");
    let methods: Vec<String> = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, ["GET", "PUT"]);
}

#[tokio::test]
async fn eight_by_eight_deactivates_with_a_patch_of_active_only() {
    let mock = MockServer::start().await;
    let mut inactive = scim_user("u1", "ada@example.com");
    inactive["active"] = json!(false);
    Mock::given(method("PATCH"))
        .and(path("/udi/customers/c-42/scim/v2/Users/u1"))
        .and(body_partial_json(
            json!({"Operations": [{"op": "replace", "path": "active", "value": false}]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(inactive))
        .expect(1)
        .mount(&mock)
        .await;
    let app = eight_by_eight(&mock).await;
    let reply = app
        .post("/v1/connections/eight/users/u1/deactivate", json!(null))
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.json()["active"], false);
    let requests = mock.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body["Operations"].as_array().unwrap().len(),
        1,
        "only `active` is patched: {body}"
    );
}

#[tokio::test]
async fn eight_by_eight_refuses_delete_without_calling_the_app() {
    let mock = MockServer::start().await;
    let app = eight_by_eight(&mock).await;
    let refused = app.delete("/v1/connections/eight/users/u1").await;
    let detail = refused.assert_problem(422, "unsupported_operation")["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail.contains("deactivate"), "{detail}");
    assert!(mock.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_scim_app_without_patch_support_gets_get_merge_put() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/ServiceProviderConfig"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"patch": {"supported": false}})),
        )
        .expect(1)
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("u1", "ada@example.com")))
        .mount(&mock)
        .await;
    Mock::given(method("PUT"))
        .and(path("/scim/Users/u1"))
        .and(body_partial_json(json!({"active": false})))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    let app = scim_app(&mock).await;
    for _ in 0..2 {
        let reply = app
            .post("/v1/connections/s/users/u1/deactivate", json!(null))
            .await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    }
    let methods: Vec<String> = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    // The configuration is read once and cached; a body-less PUT answer is followed by a GET.
    assert_eq!(methods, ["GET", "GET", "PUT", "GET", "GET", "PUT", "GET"]);
}

#[tokio::test]
async fn a_patch_answered_204_is_followed_by_a_get() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/ServiceProviderConfig"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"patch": {"supported": true}})),
        )
        .mount(&mock)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/scim/Users/u1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&mock)
        .await;
    let mut changed = scim_user("u1", "ada@example.com");
    changed["title"] = json!("Engineer");
    Mock::given(method("GET"))
        .and(path("/scim/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(changed))
        .expect(1)
        .mount(&mock)
        .await;
    let app = scim_app(&mock).await;
    let reply = app
        .patch("/v1/connections/s/users/u1", json!({"title": "Engineer"}))
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.json()["title"], "Engineer");
}

#[tokio::test]
async fn a_server_that_ignores_filters_is_rechecked() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "totalResults": 3,
            "Resources": [scim_user("1", "someone@example.com"), scim_user("2", "ADA@example.com"), scim_user("3", "x@example.com")]
        })))
        .mount(&mock)
        .await;
    let app = scim_app(&mock).await;
    let page = app
        .get("/v1/connections/s/users?user_name=ada@example.com")
        .await
        .json();
    let ids: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["2"]);
    let request = &mock.received_requests().await.unwrap()[0];
    assert_eq!(
        request.url.query(),
        Some("startIndex=1&count=50&filter=userName%20eq%20%22ada%40example.com%22")
    );
}

#[tokio::test]
async fn a_server_that_repeats_its_last_page_ends_the_listing() {
    let mock = MockServer::start().await;
    // No totalResults, and every startIndex answers the same page.
    Mock::given(method("GET"))
        .and(path("/scim/Users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"Resources": [scim_user("1", "a"), scim_user("2", "b")]})),
        )
        .mount(&mock)
        .await;
    let app = scim_app(&mock).await;
    let first = app.get("/v1/connections/s/users?page_size=2").await.json();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!(
            "/v1/connections/s/users?page_size=2&cursor={cursor}"
        ))
        .await
        .json();
    assert_eq!(second["items"], json!([]));
    assert_eq!(second["next_cursor"], Value::Null);
}

#[tokio::test]
async fn get_merge_put_sends_if_match_and_redoes_the_merge_after_a_412() {
    let mock = MockServer::start().await;
    let mut v3 = scim_user("u1", "ada@example.com");
    v3["meta"] = json!({"version": "W/\"3\""});
    let mut v4 = v3.clone();
    v4["active"] = json!(false);
    v4["meta"] = json!({"version": "W/\"4\""});
    // The first read sees version 3; someone deactivates the user before our PUT lands.
    Mock::given(method("GET"))
        .and(path("/udi/customers/c-42/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v3))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/udi/customers/c-42/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v4.clone()))
        .mount(&mock)
        .await;
    Mock::given(method("PUT"))
        .and(path("/udi/customers/c-42/scim/v2/Users/u1"))
        .and(header("if-match", "W/\"3\""))
        .respond_with(
            ResponseTemplate::new(412).set_body_json(json!({"status": "412", "detail": "changed"})),
        )
        .expect(1)
        .mount(&mock)
        .await;
    let mut stored = v4.clone();
    stored["title"] = json!("Engineer");
    Mock::given(method("PUT"))
        .and(path("/udi/customers/c-42/scim/v2/Users/u1"))
        .and(header("if-match", "W/\"4\""))
        .and(body_partial_json(
            json!({"active": false, "title": "Engineer"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(stored))
        .expect(1)
        .mount(&mock)
        .await;
    let app = eight_by_eight(&mock).await;
    let reply = app
        .patch(
            "/v1/connections/eight/users/u1",
            json!({"title": "Engineer"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(
        reply.json()["active"],
        false,
        "the concurrent deactivation survived"
    );
}

#[tokio::test]
async fn a_burst_of_writes_to_a_new_connection_reads_its_configuration_once() {
    let mock = MockServer::start().await;
    // A slow answer keeps every write of the burst waiting on the first read.
    Mock::given(method("GET"))
        .and(path("/scim/ServiceProviderConfig"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"patch": {"supported": true}}))
                .set_delay(std::time::Duration::from_millis(300)),
        )
        .expect(1)
        .mount(&mock)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("u1", "a")))
        .expect(8)
        .mount(&mock)
        .await;
    let app = scim_app(&mock).await;
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..8 {
        let request = app
            .client
            .patch(app.url(&format!("/v1/connections/s/users/u{i}")))
            .bearer_auth(crate::helpers::API_KEY)
            .json(&json!({"title": "Engineer"}));
        writes.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
    }
    while let Some(status) = writes.join_next().await {
        assert_eq!(status.unwrap().unwrap(), 200);
    }
    // `expect(1)` on the configuration is checked when the mock drops.
}

#[tokio::test]
async fn a_scim_app_that_does_not_advertise_patch_gets_put() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/ServiceProviderConfig"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"filter": {"supported": true}})),
        )
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("u1", "a")))
        .mount(&mock)
        .await;
    Mock::given(method("PUT"))
        .and(path("/scim/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("u1", "a")))
        .expect(1)
        .mount(&mock)
        .await;
    let app = scim_app(&mock).await;
    let reply = app
        .patch("/v1/connections/s/users/u1", json!({"title": "x"}))
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
}

#[tokio::test]
async fn a_redirected_write_is_refused_not_reported_as_done() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/scim/Users"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{}/login", mock.uri())),
        )
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(scim_user("u1", "ada@example.com")))
        .mount(&mock)
        .await;
    let app = scim_app(&mock).await;
    let problem = app
        .post(
            "/v1/connections/s/users",
            json!({"user_name": "ada@example.com"}),
        )
        .await
        .assert_problem(422, "provider_rejected");
    assert!(
        problem["detail"].as_str().unwrap().contains("redirected"),
        "{problem}"
    );
}

#[tokio::test]
async fn dot_segments_never_reach_the_users_collection() {
    let mock = MockServer::start().await;
    let app = scim_app(&mock).await;
    for id in ["%2E%2E", ".."] {
        let reply = app.delete(&format!("/v1/connections/s/users/{id}")).await;
        assert!(matches!(reply.status.as_u16(), 404), "{id}: {}", reply.text);
    }
    assert!(mock.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_created_user_answered_without_a_body_is_found_past_the_first_page() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/scim/Users"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&mock)
        .await;
    // The app ignores filters: the first page holds 100 other users, the second the new one.
    let others: Vec<Value> = (0..100)
        .map(|i| scim_user(&format!("o{i}"), &format!("other{i}@example.com")))
        .collect();
    Mock::given(method("GET"))
        .and(path("/scim/Users"))
        .and(wiremock::matchers::query_param("startIndex", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"totalResults": 101, "Resources": others})),
        )
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/Users"))
        .and(wiremock::matchers::query_param("startIndex", "101"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"totalResults": 101,
            "Resources": [scim_user("new-1", "ada@example.com")]})),
        )
        .mount(&mock)
        .await;
    let app = scim_app(&mock).await;
    let reply = app
        .post(
            "/v1/connections/s/users",
            json!({"user_name": "ada@example.com"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    assert_eq!(reply.json()["id"], "new-1");
}

#[tokio::test]
async fn a_forged_cursor_cannot_overflow() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/Users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"totalResults": 5, "Resources": [scim_user("1", "a")]})),
        )
        .mount(&mock)
        .await;
    let app = scim_app(&mock).await;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let cursor =
        URL_SAFE_NO_PAD.encode(format!(r#"{{"l":"users","p":{{"s":{},"f":0}}}}"#, u64::MAX));
    let reply = app
        .get(&format!("/v1/connections/s/users?cursor={cursor}"))
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.json()["next_cursor"], Value::Null);
}

#[tokio::test]
async fn nested_objects_given_as_arrays_are_refused_before_calling() {
    let mock = MockServer::start().await;
    let app = scim_app(&mock).await;
    // Found by schemathesis: `"name": [null, null]` was read as an empty name.
    app.post(
        "/v1/connections/s/users",
        json!({"user_name": "a@example.com", "name": [null, null]}),
    )
    .await
    .assert_invalid_fields(&["name"]);
    app.post(
        "/v1/connections/s/users",
        json!({"user_name": "a@example.com", "emails": [["a@example.com"]]}),
    )
    .await
    .assert_invalid_fields(&["emails"]);
    app.patch("/v1/connections/s/users/u1", json!({"name": ["Ada"]}))
        .await
        .assert_invalid_fields(&["name"]);
    assert!(mock.received_requests().await.unwrap().is_empty());
}
