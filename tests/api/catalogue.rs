//! The provider catalogue against what each provider does: every provider in
//! `GET /v1/providers` is driven through the API, so a new one is checked
//! without a line here.

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path_regex},
};

use crate::helpers::{Backend, TestApp, spawn_app};

/// A stand-in for any provider's app, at whatever base path its profile builds:
/// it advertises PATCH (as a standard SCIM app does) and accepts every write.
async fn accepting_app() -> MockServer {
    let mock = MockServer::start().await;
    let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "u1", "userName": "ada@example.com", "active": true});
    Mock::given(method("GET"))
        .and(path_regex("/ServiceProviderConfig$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "patch": {"supported": true}, "filter": {"supported": true, "maxResults": 100}
        })))
        .mount(&mock)
        .await;
    for verb in ["GET", "PATCH", "PUT"] {
        Mock::given(method(verb))
            .and(path_regex("/Users/u1$"))
            .respond_with(ResponseTemplate::new(200).set_body_json(user.clone()))
            .mount(&mock)
            .await;
    }
    Mock::given(method("DELETE"))
        .and(path_regex("/Users/u1$"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    mock
}

/// A connection to `mock` that the catalogue entry says is complete: its first
/// credential type, and a value for every required setting.
fn connection_for(provider: &Value, name: &str, mock: &MockServer) -> Value {
    let credentials = match provider["auth_types"][0].as_str().unwrap() {
        "basic" => json!({"type": "basic", "username": "prov-id", "password": "prov-secret-0123"}),
        kind => json!({"type": kind, "token": "token-0123456789ab"}),
    };
    let mut settings = serde_json::Map::new();
    for setting in provider["settings"].as_array().unwrap() {
        if setting["required"] == true {
            let value = setting["values"].get(0).cloned().unwrap_or(json!("c-42"));
            settings.insert(setting["name"].as_str().unwrap().to_owned(), value);
        }
    }
    json!({"name": name, "provider": provider["id"], "instance_url": mock.uri(),
        "credentials": credentials, "settings": settings})
}

/// The methods of the writes that reached the app since `seen` requests.
async fn writes_since(mock: &MockServer, seen: usize) -> Vec<String> {
    let received = mock.received_requests().await.unwrap();
    received[seen..]
        .iter()
        .map(|r| r.method.to_string())
        .filter(|m| m != "GET")
        .collect()
}

async fn request_count(mock: &MockServer) -> usize {
    mock.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn every_provider_updates_and_deletes_as_the_catalogue_says() {
    let mock = accepting_app().await;
    let app: TestApp = spawn_app(Backend::Sqlite).await;
    let catalogue = app.get("/v1/providers").await.json();
    for (index, provider) in catalogue["items"].as_array().unwrap().iter().enumerate() {
        let id = provider["id"].as_str().unwrap();
        let name = format!("c{index}");
        app.create_connection(connection_for(provider, &name, &mock))
            .await;
        let users = format!("/v1/connections/{name}/users/u1");

        let seen = request_count(&mock).await;
        let reply = app.patch(&users, json!({"title": "Engineer"})).await;
        assert_eq!(reply.status.as_u16(), 200, "{id}: {}", reply.text);
        let update = provider["capabilities"]["update"].as_str().unwrap();
        assert_eq!(
            writes_since(&mock, seen).await,
            [update.to_ascii_uppercase()],
            "{id} says its attribute changes are sent with {update}"
        );

        let seen = request_count(&mock).await;
        let reply = app.delete(&users).await;
        if provider["capabilities"]["delete"] == true {
            assert_eq!(reply.status.as_u16(), 204, "{id}: {}", reply.text);
            assert_eq!(writes_since(&mock, seen).await, ["DELETE"], "{id}");
        } else {
            reply.assert_problem(422, "unsupported_operation");
            assert!(writes_since(&mock, seen).await.is_empty(), "{id}");
        }
    }
}
