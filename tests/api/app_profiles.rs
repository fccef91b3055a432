//! Apps that bend the standard (the stand-in with one habit at a time, and
//! wiremock for exact request sequences): each habit reproduced, then shown
//! handled — learned into the connection's app profile and adapted to.

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path, query_param_is_missing},
};

use crate::{
    both_backends,
    helpers::{Backend, TestApp, spawn_app},
    scim_app::{Options, Quirk, ScimApp},
};

pub const TOKEN: &str = "quirky-app-token-0123456789";

/// A stand-in app with these habits, and a connection `app` to it.
async fn quirky(app: &TestApp, quirks: &[Quirk]) -> ScimApp {
    stand_in(app, "app", quirks).await
}

/// A stand-in app with these habits, and a connection `name` to it.
pub async fn stand_in(app: &TestApp, name: &str, quirks: &[Quirk]) -> ScimApp {
    let options = quirks
        .iter()
        .fold(Options::default().bearer_token(TOKEN), |o, q| o.quirk(*q));
    let scim = ScimApp::start(options).await;
    connect_as(app, name, scim.base_url()).await;
    scim
}

/// A connection `app` to the SCIM app at `base_url`.
async fn connect(app: &TestApp, base_url: &str) {
    connect_as(app, "app", base_url).await;
}

/// A connection `name` to the SCIM app at `base_url`.
pub async fn connect_as(app: &TestApp, name: &str, base_url: &str) {
    app.create_connection(
        json!({"name": name, "provider": "scim", "instance_url": base_url,
        "credentials": {"type": "bearer", "token": TOKEN}}),
    )
    .await;
}

fn seed(scim: &ScimApp, n: usize) -> Vec<String> {
    scim.seed_users(n, |i| {
        json!({"userName": format!("user{i}@example.com"), "externalId": format!("E-{i}"),
               "name": {"givenName": "Given", "familyName": format!("Family{i}")}, "active": true})
    })
}

async fn profile(app: &TestApp) -> Value {
    app.get("/v1/connections/app").await.json()["app_profile"].clone()
}

fn names(reply: &Value) -> Vec<String> {
    reply["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_listing_the_app_fails_with_count_is_retried_without_it_and_remembered() {
    let app = spawn_app(Backend::Sqlite).await;
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .and(query_param_is_missing("count"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"totalResults": 1,
            "Resources": [{"id": "u1", "userName": "ada@example.com", "active": true}]})),
        )
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(
            ResponseTemplate::new(500).set_body_string("<html>Internal Server Error</html>"),
        )
        .mount(&mock)
        .await;
    connect(&app, &mock.uri()).await;
    for _ in 0..2 {
        let reply = app.get("/v1/connections/app/users?page_size=10").await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
        assert_eq!(names(&reply.json()), ["ada@example.com"]);
    }
    let queries: Vec<String> = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.query().unwrap_or_default().to_owned())
        .collect();
    // Once with count (500), once without; then never with it again.
    assert_eq!(
        queries.iter().filter(|q| q.contains("count=")).count(),
        1,
        "{queries:?}"
    );
    assert_eq!(queries.len(), 3, "{queries:?}");
    assert_eq!(profile(&app).await["count_param"], false);
}

both_backends! {
    async fn a_user_name_is_found_where_the_app_ignores_filters(app: TestApp) {
        let scim = quirky(&app, &[Quirk::IgnoreFilter]).await;
        seed(&scim, 250);
        let reply = app.get("/v1/connections/app/users?user_name=USER217@example.com").await;
        assert_eq!(names(&reply.json()), ["user217@example.com"]);
        assert_eq!(reply.json()["next_cursor"], Value::Null);
        assert_eq!(profile(&app).await["filters"], false);
        // Known now: the next lookup does not ask the app to filter.
        scim.reset_requests();
        app.get("/v1/connections/app/users?external_id=E-3").await;
        assert!(scim.requests().iter().all(|r| !r.query.contains("filter=")));
    }

    async fn a_user_name_is_found_in_another_case_where_the_apps_filter_is_case_sensitive(app: TestApp) {
        let scim = quirky(&app, &[Quirk::CaseSensitiveFilter]).await;
        seed(&scim, 30);
        let created = app.post("/v1/connections/app/users", json!({"user_name": "Ada.Lovelace@Example.com"})).await;
        assert_eq!(created.status.as_u16(), 201, "{}", created.text);
        // The same name in another case is refused as taken …
        app.post("/v1/connections/app/users", json!({"user_name": "ada.lovelace@example.com"}))
            .await
            .assert_problem(409, "user_exists");
        // … and can be found, as the API promises.
        let found = app.get("/v1/connections/app/users?user_name=ada.lovelace@example.com").await.json();
        assert_eq!(names(&found), ["Ada.Lovelace@Example.com"]);
        assert_eq!(profile(&app).await["filter_ignores_case"], false);
        // An account provisio does not manage is found too (by reading every account).
        let found = app.get("/v1/connections/app/users?user_name=USER7@EXAMPLE.COM").await.json();
        assert_eq!(names(&found), ["user7@example.com"]);
    }

    async fn cursor_paging_never_lists_an_id_twice_where_the_app_repeats_its_first_page(app: TestApp) {
        let scim = quirky(&app, &[Quirk::RepeatFirstPage]).await;
        let ids = seed(&scim, 4);
        let first = app.get("/v1/connections/app/users?page_size=3").await.json();
        assert_eq!(first["items"].as_array().unwrap().len(), 3);
        // Users deleted between two pages: the app answers startIndex 4 of 3 with page 1.
        app.delete(&format!("/v1/connections/app/users/{}", ids[0])).await;
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = app.get(&format!("/v1/connections/app/users?page_size=3&cursor={cursor}")).await.json();
        let mut all = names(&first);
        all.extend(names(&second));
        let unique: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "listed twice: {all:?}");
        assert_eq!(second["next_cursor"], Value::Null);
        assert_eq!(profile(&app).await["paging_consistent"], false);
    }

    async fn an_app_that_drops_external_ids_is_noticed_and_sync_matches_by_user_name(app: TestApp) {
        let scim = quirky(&app, &[Quirk::DropExternalId]).await;
        let created = app.post("/v1/connections/app/users",
            json!({"user_name": "grace@example.com", "external_id": "E-1"})).await;
        assert_eq!(created.status.as_u16(), 201);
        assert_eq!(profile(&app).await["keeps_external_id"], false);
        scim.insert_user(json!({"userName": "alan@example.com", "active": true}));
        let plan = app.post("/v1/connections/app/sync", json!({"people": [
            {"external_id": "E-1", "user_name": "grace@example.com"},
            {"external_id": "E-2", "user_name": "alan@example.com"}
        ]})).await.json();
        assert_eq!(plan["totals"]["create"], 0, "{plan}");
        assert_eq!(plan["totals"]["unchanged"], 2, "{plan}");
        let warnings = plan["warnings"].to_string();
        assert!(warnings.contains("does not keep externalId"), "{warnings}");
    }

    async fn deleting_a_user_unlinks_it_so_the_deprovision_limit_counts_only_real_accounts(app: TestApp) {
        let _scim = quirky(&app, &[]).await;
        let mut ids = Vec::new();
        for n in 0..11 {
            let created = app.post("/v1/connections/app/users",
                json!({"user_name": format!("p{n}@example.com"), "external_id": format!("E-{n}")})).await;
            ids.push(created.json()["id"].as_str().unwrap().to_owned());
        }
        for id in &ids[..10] {
            assert_eq!(app.delete(&format!("/v1/connections/app/users/{id}")).await.status.as_u16(), 204);
        }
        // Nobody is left in the HR data: the one real managed account is 100% of them.
        let plan = app.post("/v1/connections/app/sync", json!({"people": []})).await.json();
        assert_eq!(plan["totals"]["deactivate"], 1, "{plan}");
        assert!(plan["warnings"].to_string().contains("of the 1 account managed"), "{plan}");
    }

    async fn profile_facts_set_by_hand_win_over_what_was_learned_and_can_be_forgotten(app: TestApp) {
        let scim = quirky(&app, &[Quirk::IgnoreFilter]).await;
        seed(&scim, 3);
        app.get("/v1/connections/app/users?user_name=user1@example.com").await;
        assert_eq!(profile(&app).await["filters"], false);
        let patched = app.patch("/v1/connections/app", json!({"app_profile": {"filters": true, "max_page_size": 50}})).await;
        assert_eq!(patched.status.as_u16(), 200, "{}", patched.text);
        let shown = &patched.json()["app_profile"];
        assert_eq!(shown["filters"], true);
        assert_eq!(shown["overrides"], json!({"filters": true, "max_page_size": 50}));
        app.patch("/v1/connections/app", json!({"app_profile": {"filters": null}})).await;
        assert_eq!(profile(&app).await["filters"], false, "back to what was learned");
        let wrong = app.patch("/v1/connections/app", json!({"app_profile": {"filter": true, "patch": "yes"}})).await;
        wrong.assert_problem(422, "validation_failed");
        wrong.assert_invalid_fields(&["app_profile.filter", "app_profile.patch"]);
        app.patch("/v1/connections/app", json!({"app_profile": null})).await;
        assert_eq!(profile(&app).await["overrides"], json!({}));
    }
}

#[tokio::test]
async fn a_refusal_in_html_reaches_the_caller_as_a_short_clean_detail() {
    let app = spawn_app(Backend::Sqlite).await;
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(400).insert_header("content-type", "text/html").set_body_string(
            "<html><head><title>Bad Request</title></head><body><h1>Oops</h1></body></html>",
        ))
        .mount(&mock)
        .await;
    connect(&app, &mock.uri()).await;
    let problem = app
        .post(
            "/v1/connections/app/users",
            json!({"user_name": "ada@example.com"}),
        )
        .await
        .assert_problem(422, "provider_rejected");
    assert_eq!(problem["provider"]["detail"], "Bad Request", "{problem}");
}

#[tokio::test]
async fn a_change_the_app_answers_500_to_but_applies_is_done_in_the_run_without_a_retry() {
    let app = spawn_app(Backend::Sqlite).await;
    let mock = MockServer::start().await;
    let before = json!({"id": "u1", "userName": "ada@example.com", "externalId": "E-1", "title": "Analyst", "active": true});
    let mut after = before.clone();
    after["title"] = json!("Lead");
    Mock::given(method("GET"))
        .and(path("/ServiceProviderConfig"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"patch": {"supported": true}})),
        )
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"totalResults": 1, "Resources": [before]})),
        )
        .mount(&mock)
        .await;
    // The app applies the change and still answers 500; a read shows it.
    Mock::given(method("PATCH"))
        .and(path("/Users/u1"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(after))
        .mount(&mock)
        .await;
    connect(&app, &mock.uri()).await;
    let reply = app
        .post(
            "/v1/connections/app/sync",
            json!({"mode": "apply",
            "people": [{"external_id": "E-1", "user_name": "ada@example.com", "title": "Lead"}]}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 202, "{}", reply.text);
    let run_id = reply.json()["run_id"].as_str().unwrap().to_owned();
    let finished = async {
        loop {
            let items = app
                .get(&format!("/v1/sync-runs/{run_id}/items"))
                .await
                .json();
            if items["items"][0]["status"] != "pending" && items["items"][0]["status"] != "running"
            {
                return items;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let items = tokio::time::timeout(std::time::Duration::from_secs(60), finished)
        .await
        .expect("the run finishes within a minute");
    assert_eq!(items["items"][0]["status"], "done", "{items}");
    assert_eq!(items["items"][0]["attempts"], 1, "{items}");
}

both_backends! {
    async fn the_probe_reports_each_habit_of_a_bent_app_and_stores_what_it_found(app: TestApp) {
        let scim = quirky(&app, &[Quirk::Count500, Quirk::RepeatFirstPage, Quirk::CaseSensitiveFilter,
            Quirk::DropExternalId, Quirk::Patch204]).await;
        seed(&scim, 5);
        let report = app.post("/v1/connections/app/test", json!({"write": true})).await;
        assert_eq!(report.status.as_u16(), 200, "{}", report.text);
        let report = report.json();
        let check = |name: &str| report["checks"].as_array().unwrap().iter()
            .find(|c| c["name"] == name).unwrap_or_else(|| panic!("no {name}: {report}")).clone();
        assert_eq!(report["usable"], true, "{report}");
        assert_eq!(report["ok"], false);
        for bent in ["count_parameter", "filter_case", "paging", "external_id"] {
            assert_eq!(check(bent)["ok"], false, "{bent}: {report}");
            assert!(check(bent)["consequence"].is_string(), "{bent}: {report}");
        }
        for fine in ["reach", "authenticate", "list_users", "filter", "groups", "create", "location",
            "patch_attributes", "cleanup"] {
            assert_eq!(check(fine)["ok"], true, "{fine}: {report}");
        }
        assert!(check("patch_answer")["detail"].as_str().unwrap().contains("204"), "{report}");
        let expected = json!({"count_param": false, "filters": true, "filter_ignores_case": false,
            "paging_consistent": false, "patch": true, "patch_returns_resource": false,
            "patch_honours_attributes": true, "groups": true, "keeps_external_id": false, "etag": true});
        for (fact, value) in expected.as_object().unwrap() {
            assert_eq!(&report["app_profile"][fact], value, "{fact}: {report}");
        }
        let stored = profile(&app).await;
        assert_eq!(stored["count_param"], false);
        assert!(stored["probed_at"].is_string(), "{stored}");
        // The throwaway user is gone again.
        assert_eq!(scim.users().len(), 5);
    }
}
