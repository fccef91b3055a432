//! The users API against a real SCIM 2.0 server (scim2-server), on both
//! storage backends, with bearer and with Basic auth.

use serde_json::{Value, json};

use crate::{
    both_backends,
    helpers::TestApp,
    proxy::CountingProxy,
    scim_server::{ScimAuth, ScimServer},
};

const TOKEN: &str = "scim-test-token-0123456789";

/// Starts a SCIM server and a `scim` connection `hr` to it.
async fn connect(app: &TestApp, auth: ScimAuth) -> ScimServer {
    let credentials = match auth {
        ScimAuth::Bearer(token) => json!({"type": "bearer", "token": token}),
        ScimAuth::Basic(user, password) => {
            json!({"type": "basic", "username": user, "password": password})
        }
    };
    let server = ScimServer::start(auth).await;
    app.create_connection(json!({"name": "hr", "provider": "scim", "instance_url": server.base_url, "credentials": credentials}))
        .await;
    server
}

fn ada() -> Value {
    json!({
        "user_name": "ada.lovelace@example.com",
        "external_id": "E-1815",
        "name": {"given_name": "Ada", "family_name": "Lovelace"},
        "display_name": "Ada Lovelace",
        "title": "Analyst",
        "emails": [{"value": "ada.lovelace@example.com", "type": "work", "primary": true}],
        "phone_numbers": [{"value": "+44 20 7946 0000", "type": "work"}],
        "employee_number": "1815",
        "department": "Analytical Engines",
        "manager_id": "babbage"
    })
}

/// Hire → read → find → change → leave → rehire → delete, asserting each answer.
pub async fn lifecycle(app: &TestApp) {
    let created = app.post("/v1/connections/hr/users", ada()).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    let user = created.json();
    let id = user["id"].as_str().unwrap().to_owned();
    let location = created.header("location").unwrap().to_owned();
    assert!(location.ends_with(&format!("/users/{id}")), "{location}");
    assert_eq!(user["user_name"], "ada.lovelace@example.com");
    assert_eq!(user["active"], true);
    assert_eq!(
        user["name"],
        json!({"given_name": "Ada", "family_name": "Lovelace"})
    );
    assert_eq!(user["department"], "Analytical Engines");
    assert_eq!(user["manager_id"], "babbage");
    assert!(user["created_at"].is_string());

    let fetched = app.get(&location).await;
    assert_eq!(fetched.json(), user);

    // A second person, so the filters have something to leave out.
    app.post(
        "/v1/connections/hr/users",
        json!({"user_name": "charles@example.com", "external_id": "E-1791"}),
    )
    .await;
    let by_name = app
        .get("/v1/connections/hr/users?user_name=ADA.LOVELACE@example.com")
        .await
        .json();
    assert_eq!(
        by_name["items"].as_array().unwrap().len(),
        1,
        "userName matches ignoring case"
    );
    assert_eq!(by_name["items"][0]["id"], id.as_str());
    let by_external = app
        .get("/v1/connections/hr/users?external_id=E-1815")
        .await
        .json();
    assert_eq!(by_external["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_external["items"][0]["id"], id.as_str());
    let nobody = app
        .get("/v1/connections/hr/users?external_id=e-1815")
        .await
        .json();
    assert_eq!(nobody["items"], json!([]), "externalId matches exactly");

    let changed = app
        .patch(&location, json!({"title": null, "department": "Difference Engines", "name": {"given_name": "Augusta"},
            "emails": [{"value": "augusta@example.com", "type": "work", "primary": true}]}))
        .await;
    assert_eq!(changed.status.as_u16(), 200, "{}", changed.text);
    let changed = changed.json();
    assert!(changed.get("title").is_none(), "{changed}");
    assert_eq!(changed["department"], "Difference Engines");
    assert_eq!(
        changed["name"],
        json!({"given_name": "Augusta", "family_name": "Lovelace"})
    );
    assert_eq!(
        changed["emails"],
        json!([{"value": "augusta@example.com", "type": "work", "primary": true}])
    );
    assert_eq!(changed["manager_id"], "babbage", "absent fields are kept");
    assert_eq!(app.get(&location).await.json(), changed);

    let left = app
        .post(&format!("{location}/deactivate"), json!(null))
        .await;
    assert_eq!(left.status.as_u16(), 200, "{}", left.text);
    assert_eq!(left.json()["active"], false);
    assert_eq!(app.get(&location).await.json()["active"], false);

    let back = app
        .post(&format!("{location}/reactivate"), json!(null))
        .await
        .json();
    assert_eq!(back["active"], true);

    let deleted = app.delete(&location).await;
    assert_eq!(deleted.status.as_u16(), 204, "{}", deleted.text);
    app.get(&location)
        .await
        .assert_problem(404, "user_not_found");
}

both_backends! {
    async fn the_whole_lifecycle_works_with_a_bearer_token(app: TestApp) {
        let _server = connect(&app, ScimAuth::Bearer(TOKEN)).await;
        lifecycle(&app).await;
    }

    async fn the_whole_lifecycle_works_with_basic_auth(app: TestApp) {
        let _server = connect(&app, ScimAuth::Basic("provisio", "basic-secret-0123")).await;
        lifecycle(&app).await;
    }

    async fn listing_pages_through_more_than_a_hundred_users(app: TestApp) {
        let _server = connect(&app, ScimAuth::Bearer(TOKEN)).await;
        for i in 0..120 {
            let reply = app.post("/v1/connections/hr/users", json!({"user_name": format!("user-{i:03}@example.com")})).await;
            assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
        }
        let mut ids = std::collections::HashSet::new();
        let mut path = "/v1/connections/hr/users?page_size=50".to_owned();
        let mut pages = 0;
        loop {
            let page = app.get(&path).await.json();
            pages += 1;
            for user in page["items"].as_array().unwrap() {
                assert!(ids.insert(user["id"].as_str().unwrap().to_owned()), "a user appeared twice");
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/v1/connections/hr/users?page_size=50&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(ids.len(), 120);
        assert_eq!(pages, 3);
    }

    async fn a_duplicate_user_name_is_user_exists(app: TestApp) {
        let _server = connect(&app, ScimAuth::Bearer(TOKEN)).await;
        app.post("/v1/connections/hr/users", ada()).await;
        let again = app.post("/v1/connections/hr/users", ada()).await;
        let problem = again.assert_problem(409, "user_exists");
        assert_eq!(problem["provider"]["status"], 409);
        assert_eq!(problem["provider"]["scim_type"], "uniqueness");
    }

    async fn a_wrong_token_is_provider_unauthorized(app: TestApp) {
        let _server = connect(&app, ScimAuth::Bearer(TOKEN)).await;
        app.patch("/v1/connections/hr", json!({"credentials": {"type": "bearer", "token": "wrong-token-0123456789"}})).await;
        let problem = app.get("/v1/connections/hr/users").await.assert_problem(502, "provider_unauthorized");
        assert_eq!(problem["provider"]["status"], 401);
        let report = app.post("/v1/connections/hr/test", json!(null)).await;
        assert_eq!(report.status.as_u16(), 200, "a failing app is reported, not an error: {}", report.text);
        let report = report.json();
        assert_eq!(report["ok"], false);
        let auth = report["checks"].as_array().unwrap().iter().find(|c| c["name"] == "authenticate").unwrap();
        assert_eq!(auth["ok"], false);
        assert_eq!(auth["code"], "provider_unauthorized");
    }

    async fn testing_a_good_connection_reports_every_check(app: TestApp) {
        let _server = connect(&app, ScimAuth::Bearer(TOKEN)).await;
        app.post("/v1/connections/hr/users", ada()).await;
        let report = app.post("/v1/connections/hr/test", json!(null)).await.json();
        assert_eq!(report["ok"], true, "{report}");
        let names: Vec<&str> = report["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["reach", "authenticate", "list_users", "count_parameter", "service_provider_config",
            "filter", "filter_case", "paging", "page_size", "groups"]);
        assert!(report["checks"][2]["detail"].as_str().unwrap().contains("1 users"));
        assert!(report["latency_ms"].is_u64());
    }

    async fn a_changed_user_comes_back_in_the_patch_itself_once_the_app_is_seen_answering_204(app: TestApp) {
        let server = ScimServer::start(ScimAuth::Bearer(TOKEN)).await;
        let proxy = CountingProxy::start(&server.base_url).await;
        app.create_connection(json!({"name": "hr", "provider": "scim", "instance_url": proxy.base_url,
            "credentials": {"type": "bearer", "token": TOKEN}})).await;
        let created = app.post("/v1/connections/hr/users", ada()).await;
        let location = created.header("location").unwrap().to_owned();
        // scim2-server answers a plain PATCH with 204: the first change reads the user back …
        let first = app.patch(&location, json!({"title": "Lead"})).await;
        assert_eq!(first.status.as_u16(), 200, "{}", first.text);
        assert_eq!(proxy.user_reads(), 1);
        // … and from then on a PATCH asks for it (`attributes`), and gets it.
        let second = app.patch(&location, json!({"department": "Difference Engines", "title": null})).await;
        assert_eq!(second.status.as_u16(), 200, "{}", second.text);
        assert_eq!(proxy.user_reads(), 1, "no GET /Users/{{id}} after the second PATCH");
        let left = app.post(&format!("{location}/deactivate"), json!(null)).await;
        assert_eq!(proxy.user_reads(), 1, "none after a deactivation either");
        let left = left.json();
        assert_eq!(left["department"], "Difference Engines");
        assert!(left.get("title").is_none(), "{left}");
        assert_eq!(left["active"], false);
        // What came back is the user as the app holds it, whole.
        assert_eq!(app.get(&location).await.json(), left);
        let profile = app.get("/v1/connections/hr").await.json()["app_profile"].clone();
        assert_eq!(profile["patch_returns_resource"], false, "{profile}");
        assert_eq!(profile["patch_honours_attributes"], true, "{profile}");
    }

    async fn an_unknown_user_is_user_not_found(app: TestApp) {
        let _server = connect(&app, ScimAuth::Bearer(TOKEN)).await;
        for reply in [
            app.get("/v1/connections/hr/users/no-such-id").await,
            app.patch("/v1/connections/hr/users/no-such-id", json!({"title": "x"})).await,
            app.post("/v1/connections/hr/users/no-such-id/deactivate", json!(null)).await,
            app.delete("/v1/connections/hr/users/no-such-id").await,
        ] {
            reply.assert_problem(404, "user_not_found");
        }
    }

    async fn invalid_users_are_refused_before_calling_the_app(app: TestApp) {
        let _server = connect(&app, ScimAuth::Bearer(TOKEN)).await;
        app.post("/v1/connections/hr/users", json!({"display_name": "No user name"}))
            .await
            .assert_invalid_fields(&["user_name"]);
        app.post("/v1/connections/hr/users", json!({"user_name": "a@example.com", "emails": [{"value": "nope"}], "colour": "red"}))
            .await
            .assert_invalid_fields(&["colour"]);
        app.post("/v1/connections/hr/users", json!({"user_name": " ", "emails": [{"value": "nope"}]}))
            .await
            .assert_invalid_fields(&["user_name", "emails[0].value"]);
        app.patch("/v1/connections/hr/users/some-id", json!({"user_name": null, "active": null}))
            .await
            .assert_invalid_fields(&["user_name", "active"]);
        let listed = app.get("/v1/connections/hr/users").await.json();
        assert_eq!(listed["items"], json!([]), "nothing reached the app");
    }
}
