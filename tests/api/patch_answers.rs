//! What a change costs where an app answers PATCH with 204: once that is
//! seen, the PATCH asks for the user back (`attributes`, RFC 7644 §3.5.2), so
//! no read follows it; where the app does not honour that (204 anyway, or a
//! 400 for the parameter), the user is read back and the habit remembered.
//! The stand-in's habits show the outcome; wiremock the exact query sent.

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_string_contains, method, path, query_param, query_param_is_missing},
};

use crate::{
    app_profiles::{TOKEN, stand_in},
    both_backends,
    helpers::{API_KEY, Backend, TestApp, send_all, spawn_app},
    scim_app::{Quirk, ScimApp, USER_SCHEMA},
};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const INTERACT: &str = "urn:ietf:params:scim:schemas:extension:interactsoftware:2.0:User";
/// What provisio reads of a user, as it names them in `attributes`.
const CORE: &str = "userName,active,name,emails,phoneNumbers,groups,meta,externalId,displayName,\
                    nickName,title,userType,locale,timezone,preferredLanguage";

/// A stand-in with these habits, connected as `app`, holding one user; its path in the API.
async fn one_user(app: &TestApp, quirks: &[Quirk]) -> (ScimApp, String, String) {
    let scim = stand_in(app, "app", quirks).await;
    let id = scim
        .insert_user(json!({"userName": "ada@example.com", "externalId": "E-1", "active": true}));
    let user = format!("/v1/connections/app/users/{id}");
    (scim, id, user)
}

async fn profile(app: &TestApp) -> Value {
    app.get("/v1/connections/app").await.json()["app_profile"].clone()
}

/// The PATCHes the app received: their status, and whether they named `attributes`.
fn patches(scim: &ScimApp) -> Vec<(u16, bool)> {
    scim.requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| (r.status, r.query.starts_with("attributes=")))
        .collect()
}

/// Changes the title three times, each answered with the user as changed.
async fn three_titles(app: &TestApp, user: &str) {
    for title in ["Analyst", "Lead", "Head"] {
        let reply = app.patch(user, json!({"title": title})).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
        assert_eq!(reply.json()["title"], title);
    }
}

both_backends! {
    async fn an_app_that_answers_patch_with_204_is_asked_for_the_user_in_the_patch_itself(app: TestApp) {
        let (scim, _, user) = one_user(&app, &[Quirk::Patch204]).await;
        let reply = app.patch(&user, json!({"title": "Lead"})).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
        assert_eq!(reply.json()["title"], "Lead");
        assert_eq!(profile(&app).await["patch_returns_resource"], false);
        assert_eq!(scim.count("GET", "/Users/"), 1, "the first 204 is read back");
        scim.reset_requests();
        let changed = app.patch(&user, json!({"department": "Engines"})).await.json();
        assert_eq!((&changed["title"], &changed["department"]), (&json!("Lead"), &json!("Engines")));
        assert_eq!(patches(&scim), [(200, true)]);
        assert_eq!(scim.count("GET", "/Users/"), 0, "{:?}", scim.requests());
        assert_eq!(profile(&app).await["patch_honours_attributes"], true);
        assert_eq!(app.get(&user).await.json(), changed, "what came back is what the app holds");
    }

    async fn an_extension_left_out_of_the_patchs_answer_is_read_back(app: TestApp) {
        let scim = stand_in(&app, "app", &[Quirk::Patch204]).await;
        let badge = "urn:example:badge:2.0:User";
        let id = scim.insert_user(json!({"schemas": [USER_SCHEMA, badge], "userName": "ada@example.com",
            badge: {"badge": "42"}}));
        let user = format!("/v1/connections/app/users/{id}");
        app.patch(&user, json!({"title": "Analyst"})).await;
        scim.reset_requests();
        // The answer, cut to what provisio names, lists the extension in
        // `schemas` without holding it: the user is read back whole.
        let changed = app.patch(&user, json!({"title": "Lead"})).await.json();
        assert_eq!(changed["extensions"][badge], json!({"badge": "42"}), "{changed}");
        assert_eq!(patches(&scim), [(200, true)]);
        assert_eq!(scim.count("GET", "/Users/"), 1);
    }

    async fn an_app_that_answers_204_even_when_asked_is_read_back_and_asked_no_more(app: TestApp) {
        let (scim, _, user) = one_user(&app, &[Quirk::Patch204Always]).await;
        three_titles(&app, &user).await;
        // Plain (204: learned), asking (204 anyway: learned), plain; each read back.
        assert_eq!(patches(&scim), [(204, false), (204, true), (204, false)]);
        assert_eq!(scim.count("GET", "/Users/"), 3);
        assert_eq!(profile(&app).await["patch_honours_attributes"], false);
    }

    async fn an_app_that_refuses_attributes_on_patch_gets_each_change_once_and_the_caller_no_error(app: TestApp) {
        let (scim, id, user) = one_user(&app, &[Quirk::Patch204, Quirk::PatchRefusesAttributes]).await;
        three_titles(&app, &user).await;
        // The refused PATCH is sent again without `attributes`; then it is never asked again.
        assert_eq!(patches(&scim), [(204, false), (400, true), (204, false), (204, false)]);
        assert_eq!(profile(&app).await["patch_honours_attributes"], false);
        // Inserted as version 1: three changes, each applied once.
        assert_eq!(scim.user(&id).unwrap()["meta"]["version"], "W/\"4\"");
    }
}

#[tokio::test]
async fn a_burst_of_changes_to_a_new_connection_reads_one_user_back() {
    let app = spawn_app(Backend::Sqlite).await;
    let scim = stand_in(&app, "app", &[Quirk::Patch204]).await;
    let ids = scim.seed_users(
        8,
        |i| json!({"userName": format!("u{i}@example.com"), "active": true}),
    );
    let client = reqwest::Client::new();
    let statuses = send_all(ids.iter().map(|id| {
        client
            .patch(app.url(&format!("/v1/connections/app/users/{id}")))
            .bearer_auth(API_KEY)
            .json(&json!({"title": "Lead"}))
    }))
    .await;
    assert_eq!(statuses, [200; 8]);
    // One PATCH found out that the app answers 204, while the others waited.
    let mut sent = patches(&scim);
    sent.sort();
    assert_eq!(
        sent,
        [[(200, true); 7].as_slice(), &[(204, false)]].concat()
    );
    assert_eq!(scim.count("GET", "/Users/"), 1);
    assert!(
        ids.iter()
            .all(|id| scim.user(id).unwrap()["title"] == "Lead")
    );
}

/// A connection `name` of `provider` to the mock, which answers a plain PATCH
/// with 204 and a GET with `user`; one change teaches provisio the 204.
async fn seen_answering_204(
    mock: &MockServer,
    connection: Value,
    base: &str,
    user: &Value,
) -> TestApp {
    Mock::given(method("GET"))
        .and(path(format!("{base}/ServiceProviderConfig")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"patch": {"supported": true}})),
        )
        .mount(mock)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{base}/Users/u1")))
        .and(query_param_is_missing("attributes"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(mock)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{base}/Users/u1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(user))
        .expect(1)
        .mount(mock)
        .await;
    let app = spawn_app(Backend::Sqlite).await;
    let name = connection["name"].as_str().unwrap().to_owned();
    app.create_connection(connection).await;
    let reply = app
        .patch(
            &format!("/v1/connections/{name}/users/u1"),
            json!({"title": "Analyst"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    app
}

#[tokio::test]
async fn the_patch_names_every_attribute_provisio_reads_and_a_refused_change_is_not_sent_twice() {
    let mock = MockServer::start().await;
    let user = json!({"schemas": [USER_SCHEMA], "id": "u1", "userName": "ada@example.com", "title": "Lead"});
    let app = seen_answering_204(&mock, json!({"name": "s", "provider": "scim",
        "instance_url": format!("{}/scim", mock.uri()), "credentials": {"type": "bearer", "token": TOKEN}}),
        "/scim", &user).await;
    let attributes = format!("{CORE},{ENTERPRISE}");
    Mock::given(method("PATCH"))
        .and(path("/scim/Users/u1"))
        .and(query_param("attributes", attributes.as_str()))
        .and(body_string_contains("Refused"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"status": "400",
            "scimType": "invalidValue", "detail": "no such title"})),
        )
        .expect(1)
        .mount(&mock)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/scim/Users/u1"))
        .and(query_param("attributes", attributes.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&user))
        .expect(1)
        .mount(&mock)
        .await;
    let reply = app
        .patch("/v1/connections/s/users/u1", json!({"title": "Lead"}))
        .await;
    assert_eq!(reply.json()["title"], "Lead", "{}", reply.text);
    // A refusal of the change itself is the caller's answer, not a reason to send it again.
    app.patch("/v1/connections/s/users/u1", json!({"title": "Refused"}))
        .await
        .assert_problem(422, "provider_rejected");
}

#[tokio::test]
async fn interact_names_its_own_extension_in_the_patch() {
    let mock = MockServer::start().await;
    let user = json!({"schemas": [USER_SCHEMA, INTERACT], "id": "u1", "userName": "ada@example.com",
        INTERACT: {"loginType": "SAML"}});
    let app = seen_answering_204(
        &mock,
        json!({"name": "intra", "provider": "interact", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": TOKEN}, "settings": {"login_type": "SAML"}}),
        "/api/v2/scim/v2",
        &user,
    )
    .await;
    Mock::given(method("PATCH"))
        .and(path("/api/v2/scim/v2/Users/u1"))
        .and(query_param(
            "attributes",
            format!("{CORE},{ENTERPRISE},{INTERACT}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(&user))
        .expect(1)
        .mount(&mock)
        .await;
    let reply = app
        .patch("/v1/connections/intra/users/u1", json!({"title": "Lead"}))
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.json()["extensions"][INTERACT]["loginType"], "SAML");
}
