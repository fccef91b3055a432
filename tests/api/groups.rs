//! The groups API: end to end against a real SCIM server (scim2-server) on
//! both backends, and the exact requests apps get (wiremock): PATCH shapes,
//! batching, GET-merge-PUT for apps without PATCH, faults mid-batch, and apps
//! without Groups refused before they are called.

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path},
};

use crate::{
    both_backends,
    helpers::{Backend, TestApp, spawn_app},
    scim_server::{ScimAuth, ScimServer},
};

const TOKEN: &str = "scim-groups-token-0123456789";

async fn connect(app: &TestApp, base_url: &str, settings: Value) {
    app.create_connection(
        json!({"name": "hr", "provider": "scim", "instance_url": base_url,
        "credentials": {"type": "bearer", "token": TOKEN}, "settings": settings}),
    )
    .await;
}

async fn hire(app: &TestApp, name: &str) -> String {
    let reply = app
        .post(
            "/v1/connections/hr/users",
            json!({"user_name": format!("{name}@example.com")}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    reply.json()["id"].as_str().unwrap().to_owned()
}

fn member_ids(page: &Value) -> Vec<String> {
    let mut ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

both_backends! {
    async fn the_groups_api_works_end_to_end_against_a_real_scim_server(app: TestApp) {
        let server = ScimServer::start(ScimAuth::Bearer(TOKEN)).await;
        connect(&app, &server.base_url, json!({})).await;
        let (ada, grace, alan) = (hire(&app, "ada").await, hire(&app, "grace").await, hire(&app, "alan").await);

        let created = app.post("/v1/connections/hr/groups",
            json!({"display_name": "Engineering", "external_id": "G-1", "members": [ada]})).await;
        assert_eq!(created.status.as_u16(), 201, "{}", created.text);
        let group = created.json();
        let id = group["id"].as_str().unwrap().to_owned();
        assert!(created.header("location").unwrap().ends_with(&format!("/groups/{id}")));
        assert_eq!(group["display_name"], "Engineering");
        assert_eq!(group["external_id"], "G-1");

        let fetched = app.get(&format!("/v1/connections/hr/groups/{id}")).await.json();
        assert_eq!(fetched["member_count"], 1, "{fetched}");
        let listed = app.get("/v1/connections/hr/groups?display_name=ENGINEERING").await.json();
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
        assert!(listed["items"][0].get("members").is_none(), "listings never carry members");

        let changed = app.post(&format!("/v1/connections/hr/groups/{id}/members"),
            json!({"add": [grace, ada], "remove": [alan]})).await;
        assert_eq!(changed.status.as_u16(), 200, "{}", changed.text);
        assert_eq!(changed.json(), json!({"added": 1, "removed": 0, "unchanged": 2}));
        for _ in 0..2 {
            let put = app.request(reqwest::Method::PUT,
                &format!("/v1/connections/hr/groups/{id}/members/{alan}"), None).await;
            assert_eq!(put.status.as_u16(), 204, "{}", put.text);
        }
        let members = app.get(&format!("/v1/connections/hr/groups/{id}/members?page_size=2")).await.json();
        assert_eq!(members["items"].as_array().unwrap().len(), 2);
        let cursor = members["next_cursor"].as_str().unwrap();
        let rest = app.get(&format!("/v1/connections/hr/groups/{id}/members?page_size=2&cursor={cursor}")).await.json();
        let mut all = member_ids(&members);
        all.extend(member_ids(&rest));
        all.sort();
        let mut expected = vec![ada.clone(), grace.clone(), alan.clone()];
        expected.sort();
        assert_eq!(all, expected);
        for _ in 0..2 {
            let delete = app.delete(&format!("/v1/connections/hr/groups/{id}/members/{grace}")).await;
            assert_eq!(delete.status.as_u16(), 204, "{}", delete.text);
        }
        let renamed = app.patch(&format!("/v1/connections/hr/groups/{id}"),
            json!({"display_name": "Platform", "external_id": null})).await;
        assert_eq!(renamed.status.as_u16(), 200, "{}", renamed.text);
        assert_eq!(renamed.json()["display_name"], "Platform");
        let kept = app.get(&format!("/v1/connections/hr/groups/{id}/members")).await.json();
        assert_eq!(kept["items"].as_array().unwrap().len(), 2, "a rename keeps every member: {kept}");

        app.post("/v1/connections/hr/groups", json!({"display_name": "platform"}))
            .await
            .assert_problem(409, "group_exists");
        let log = app.get(&format!("/v1/operations?group_id={id}")).await.json();
        let operations: Vec<&str> = log["items"].as_array().unwrap().iter()
            .map(|e| e["operation"].as_str().unwrap()).collect();
        assert!(operations.contains(&"members_add") && operations.contains(&"group_update"), "{log}");

        assert_eq!(app.delete(&format!("/v1/connections/hr/groups/{id}")).await.status.as_u16(), 204);
        app.get(&format!("/v1/connections/hr/groups/{id}")).await.assert_problem(404, "group_not_found");
    }
}

/// A mock SCIM app with Groups and PATCH, holding group `g1` with member `u0`.
async fn group_app() -> MockServer {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ServiceProviderConfig"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"patch": {"supported": true}})),
        )
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/ResourceTypes"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"Resources": [
            {"name": "User", "endpoint": "/Users"}, {"name": "Group", "endpoint": "/Groups"}]})),
        )
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/Groups/g1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "g1", "displayName": "Eng",
            "members": [{"value": "u0"}], "meta": {"version": "W/\"7\""}})),
        )
        .mount(&mock)
        .await;
    mock
}

async fn bodies(mock: &MockServer, verb: &str) -> Vec<Value> {
    mock.received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r: &&Request| r.method.as_str() == verb)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn members_are_added_in_one_patch_per_hundred_and_removed_by_value_paths() {
    let app = spawn_app(Backend::Sqlite).await;
    let mock = group_app().await;
    Mock::given(method("PATCH"))
        .and(path("/Groups/g1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    connect(&app, &mock.uri(), json!({})).await;
    let add: Vec<String> = (1..=250).map(|i| format!("u{i}")).collect();
    let reply = app
        .post(
            "/v1/connections/hr/groups/g1/members",
            json!({"add": add, "remove": ["u0", "nobody"]}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({"added": 250, "removed": 1, "unchanged": 1})
    );
    let patches = bodies(&mock, "PATCH").await;
    assert_eq!(
        patches.len(),
        4,
        "3 batches of adds (100, 100, 50) and 1 of removes"
    );
    let adds: Vec<usize> = patches[..3]
        .iter()
        .map(|p| {
            let op = &p["Operations"][0];
            assert_eq!(op["op"], "add");
            assert_eq!(op["path"], "members");
            op["value"].as_array().unwrap().len()
        })
        .collect();
    assert_eq!(adds, [100, 100, 50]);
    let first = &patches[0]["Operations"][0]["value"][0];
    assert_eq!(first["value"], "u1");
    assert_eq!(first["$ref"], format!("{}/Users/u1", mock.uri()));
    assert_eq!(
        patches[0]["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:PatchOp"])
    );
    assert_eq!(
        patches[3]["Operations"],
        json!([{"op": "remove", "path": "members[value eq \"u0\"]"}])
    );
}

#[tokio::test]
async fn an_app_without_patch_gets_its_group_back_with_only_the_asked_changes() {
    let app = spawn_app(Backend::Sqlite).await;
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ServiceProviderConfig"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"patch": {"supported": false}})),
        )
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/ResourceTypes"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"Resources": [{"name": "Group"}]})),
        )
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/Groups/g1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "g1", "displayName": "Eng",
            "members": [{"value": "keep", "display": "someone else"}, {"value": "gone"}],
            "meta": {"version": "W/\"7\""}}),
        ))
        .mount(&mock)
        .await;
    Mock::given(method("PUT"))
        .and(path("/Groups/g1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "g1", "displayName": "Eng"})),
        )
        .mount(&mock)
        .await;
    connect(&app, &mock.uri(), json!({})).await;
    let reply = app
        .post(
            "/v1/connections/hr/groups/g1/members",
            json!({"add": ["new"], "remove": ["gone"]}),
        )
        .await;
    assert_eq!(
        reply.json(),
        json!({"added": 1, "removed": 1, "unchanged": 0})
    );
    let requests = mock.received_requests().await.unwrap();
    let puts: Vec<&Request> = requests
        .iter()
        .filter(|r| r.method.as_str() == "PUT")
        .collect();
    assert_eq!(
        puts.len(),
        2,
        "one GET-merge-PUT for the add, one for the remove"
    );
    assert!(
        puts.iter()
            .all(|p| p.headers.get("if-match").unwrap() == "W/\"7\"")
    );
    let added: Value = serde_json::from_slice(&puts[0].body).unwrap();
    let values: Vec<&str> = added["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    // The mock answers the same group each time: the add keeps `keep` and `gone`.
    assert_eq!(values, ["keep", "gone", "new"]);
    assert_eq!(
        added["members"][0]["display"], "someone else",
        "unmentioned members go back as they were"
    );
    let removed: Value = serde_json::from_slice(&puts[1].body).unwrap();
    let values: Vec<&str> = removed["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["keep"]);
}

#[tokio::test]
async fn a_batch_that_fails_half_way_stops_and_the_log_says_which_landed() {
    let app = spawn_app(Backend::Sqlite).await;
    let mock = group_app().await;
    Mock::given(method("PATCH"))
        .and(path("/Groups/g1"))
        .respond_with(ResponseTemplate::new(204))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/Groups/g1"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"detail": "no such user u150"})),
        )
        .mount(&mock)
        .await;
    connect(&app, &mock.uri(), json!({})).await;
    let add: Vec<String> = (1..=250).map(|i| format!("u{i}")).collect();
    app.post("/v1/connections/hr/groups/g1/members", json!({"add": add}))
        .await
        .assert_problem(422, "provider_rejected");
    assert_eq!(
        bodies(&mock, "PATCH").await.len(),
        2,
        "the third batch is not sent"
    );
    let log = app.get("/v1/operations?group_id=g1").await.json();
    let entries: Vec<(String, Value)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["outcome"].as_str().unwrap().to_owned(),
                e["count"].clone(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("failure".to_owned(), json!(100)),
            ("success".to_owned(), json!(100))
        ]
    );
}

#[tokio::test]
async fn an_app_without_groups_is_refused_before_it_is_called() {
    let app = spawn_app(Backend::Sqlite).await;
    let mock = MockServer::start().await;
    app.create_connection(json!({"name": "ex", "provider": "8x8", "instance_url": format!("{}/udi/customers/0012abcd/scim/v2", mock.uri()),
        "credentials": {"type": "api_key", "token": TOKEN}}))
        .await;
    app.get("/v1/connections/ex/groups")
        .await
        .assert_problem(422, "unsupported_operation");
    app.post("/v1/connections/ex/groups", json!({"display_name": "Eng"}))
        .await
        .assert_problem(422, "unsupported_operation");
    assert!(mock.received_requests().await.unwrap().is_empty());

    // A generic app says so in its /ResourceTypes, once.
    Mock::given(method("GET"))
        .and(path("/ResourceTypes"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"Resources": [{"name": "User"}]})),
        )
        .mount(&mock)
        .await;
    connect(&app, &mock.uri(), json!({})).await;
    for _ in 0..2 {
        app.get("/v1/connections/hr/groups")
            .await
            .assert_problem(422, "unsupported_operation");
    }
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);
    let profile = app.get("/v1/connections/hr").await.json()["app_profile"].clone();
    assert_eq!(profile["groups"], false);
}
