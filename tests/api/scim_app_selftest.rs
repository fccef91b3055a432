//! The stand-in SCIM app (tests/support/scim_app.rs) driven over HTTP: its core
//! behaviour and each quirk, so the tests that lean on it lean on what it claims.

use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

use crate::scim_app::{ENTERPRISE_USER, Options, PATCH_SCHEMA, Quirk, ScimApp, USER_SCHEMA};

struct Stand {
    app: ScimApp,
    http: reqwest::Client,
    token: Option<&'static str>,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }

    fn names(&self) -> Vec<&str> {
        let resources = self.body["Resources"].as_array().unwrap();
        resources
            .iter()
            .map(|r| r["userName"].as_str().unwrap())
            .collect()
    }

    fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.header("content-type"), "application/scim+json");
        assert_eq!(
            self.body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
        assert_eq!(self.body["status"], status.to_string());
        assert_eq!(self.body["scimType"].as_str(), scim_type, "{}", self.body);
    }
}

impl Stand {
    async fn start(options: Options) -> Self {
        Self {
            app: ScimApp::start(options).await,
            http: reqwest::Client::new(),
            token: None,
        }
    }

    async fn with(quirk: Quirk) -> Self {
        Self::start(Options::default().quirk(quirk)).await
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let url = format!("{}{path}", self.app.base_url());
        let mut request = self.http.request(method, url);
        if let Some(token) = self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let text = response.text().await.unwrap();
        let body = match text.as_str() {
            "" => Value::Null,
            _ => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn patch(&self, path: &str, operations: Value) -> Answer {
        let body = json!({"schemas": [PATCH_SCHEMA], "Operations": operations});
        self.call(Method::PATCH, path, Some(body)).await
    }

    fn user(&self, user_name: &str) -> String {
        self.app
            .insert_user(json!({"userName": user_name, "externalId": format!("x-{user_name}")}))
    }
}

fn filter(expression: &str) -> String {
    format!(
        "/Users?filter={}",
        url::form_urlencoded::byte_serialize(expression.as_bytes()).collect::<String>()
    )
}

#[tokio::test]
async fn a_user_is_created_read_patched_replaced_and_deleted() {
    let s = Stand::start(Options::default()).await;
    let created = s
        .post("/Users", json!({"schemas": [USER_SCHEMA], "userName": "ada@example.com", "externalId": "e-1", "name": {"givenName": "Ada"}, "active": true}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let location = format!("{}/Users/{id}", s.app.base_url());
    assert_eq!(created.header("location"), location);
    assert_eq!(created.header("etag"), "W/\"1\"");
    assert_eq!(created.header("content-type"), "application/scim+json");
    assert_eq!(created.body["meta"]["resourceType"], "User");
    assert_eq!(created.body["meta"]["location"], location);
    assert_eq!(created.body["meta"]["version"], "W/\"1\"");
    assert_eq!(s.get(&format!("/Users/{id}")).await.body, created.body);

    let department = format!("{ENTERPRISE_USER}:department");
    let patched = s
        .patch(&format!("/Users/{id}"), json!([
            {"op": "replace", "path": "active", "value": false},
            {"op": "add", "path": "name.familyName", "value": "Lovelace"},
            {"op": "replace", "path": department, "value": "Engines"},
            {"op": "replace", "path": format!("{ENTERPRISE_USER}:manager"), "value": {"value": "m-1"}},
            {"op": "Replace", "value": {"title": "Countess", "displayName": "Ada L"}},
            {"op": "replace", "path": "emails", "value": [{"value": "ada@example.com", "type": "work", "primary": true}]},
        ]))
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    let user = &patched.body;
    assert_eq!(
        (user["active"].clone(), user["title"].clone()),
        (json!(false), json!("Countess"))
    );
    assert_eq!(
        user["name"],
        json!({"givenName": "Ada", "familyName": "Lovelace"})
    );
    assert_eq!(
        user[ENTERPRISE_USER],
        json!({"department": "Engines", "manager": {"value": "m-1"}})
    );
    assert_eq!(user["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER]));
    assert_eq!(user["emails"][0]["type"], "work");
    assert_eq!(
        (patched.header("etag"), user["meta"]["version"].as_str()),
        ("W/\"2\"", Some("W/\"2\""))
    );

    let removed = s
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "remove", "path": department}, {"op": "remove", "path": "emails"}]),
        )
        .await;
    assert_eq!(
        removed.body[ENTERPRISE_USER],
        json!({"manager": {"value": "m-1"}})
    );
    assert!(removed.body.get("emails").is_none());

    let replaced = s
        .call(
            Method::PUT,
            &format!("/Users/{id}"),
            Some(json!({"userName": "ada@example.com", "active": true})),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK);
    assert!(replaced.body.get("name").is_none() && replaced.body.get(ENTERPRISE_USER).is_none());
    assert_eq!(replaced.body["meta"]["version"], "W/\"4\"");

    assert_eq!(
        s.call(Method::DELETE, &format!("/Users/{id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    s.get(&format!("/Users/{id}")).await.assert_error(404, None);
}

#[tokio::test]
async fn a_user_name_taken_in_another_case_is_a_uniqueness_conflict() {
    let s = Stand::start(Options::default()).await;
    s.user("ada@example.com");
    let other = s.user("bob@example.com");
    s.post("/Users", json!({"userName": "ADA@example.com"}))
        .await
        .assert_error(409, Some("uniqueness"));
    let rename = json!([{"op": "replace", "path": "userName", "value": "Ada@Example.com"}]);
    s.patch(&format!("/Users/{other}"), rename)
        .await
        .assert_error(409, Some("uniqueness"));
    s.post("/Users", json!({"displayName": "no userName"}))
        .await
        .assert_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn filters_match_user_names_ignoring_case_and_external_ids_and_ids_exactly() {
    let s = Stand::start(Options::default()).await;
    let ada = s.user("ada@example.com");
    s.user("bob@example.com");
    s.user("o\"neil");
    assert_eq!(
        s.get(&filter(r#"userName eq "ADA@example.com""#))
            .await
            .names(),
        ["ada@example.com"]
    );
    assert_eq!(
        s.get(&filter(r#"userName eq "o\"neil""#)).await.names(),
        ["o\"neil"]
    );
    assert_eq!(
        s.get(&filter(r#"externalId eq "x-bob@example.com""#))
            .await
            .names(),
        ["bob@example.com"]
    );
    assert!(
        s.get(&filter(r#"externalId eq "X-BOB@example.com""#))
            .await
            .names()
            .is_empty()
    );
    assert_eq!(
        s.get(&filter(&format!(r#"id eq "{ada}""#))).await.names(),
        ["ada@example.com"]
    );
    let both = r#"userName eq "ada@example.com" and externalId eq "x-ada@example.com""#;
    assert_eq!(s.get(&filter(both)).await.body["totalResults"], 1);
    let neither = r#"userName eq "ada@example.com" and externalId eq "x-bob@example.com""#;
    assert_eq!(s.get(&filter(neither)).await.body["totalResults"], 0);
    for unsupported in [
        r#"userName sw "a""#,
        r#"title eq "x""#,
        r#"userName eq "a" or id eq "b""#,
        "userName eq ada",
    ] {
        s.get(&filter(unsupported))
            .await
            .assert_error(400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn listings_page_from_one_in_creation_order_cut_to_the_max_page_size() {
    let s = Stand::start(Options::default().max_page_size(10)).await;
    let ids = s.app.seed_users(
        25,
        |i| json!({"userName": format!("u{i:02}"), "emails": [{"value": "x@y"}]}),
    );
    let page = s.get("/Users?startIndex=1&count=3").await;
    assert_eq!(page.names(), ["u00", "u01", "u02"]);
    assert_eq!(
        (
            page.body["totalResults"].clone(),
            page.body["startIndex"].clone(),
            page.body["itemsPerPage"].clone()
        ),
        (json!(25), json!(1), json!(3))
    );
    assert_eq!(
        s.get("/Users?startIndex=21&count=10").await.names(),
        ["u20", "u21", "u22", "u23", "u24"]
    );
    assert_eq!(s.get("/Users?count=50").await.names().len(), 10);
    assert_eq!(s.get("/Users").await.names().len(), 10);
    assert!(
        s.get("/Users?startIndex=26&count=5")
            .await
            .names()
            .is_empty()
    );

    s.call(Method::DELETE, &format!("/Users/{}", ids[1]), None)
        .await;
    assert_eq!(
        s.get("/Users?startIndex=1&count=2").await.names(),
        ["u00", "u02"]
    );
    let narrow = s.get("/Users?count=1&attributes=userName").await.body["Resources"][0].clone();
    assert_eq!(
        narrow,
        json!({"id": ids[0], "schemas": [USER_SCHEMA], "userName": "u00"})
    );
    let lean = s
        .get("/Users?count=1&excludedAttributes=emails,meta")
        .await
        .body["Resources"][0]
        .clone();
    assert!(
        lean.get("emails").is_none()
            && lean.get("meta").is_none()
            && lean.get("userName").is_some()
    );
}

#[tokio::test]
async fn a_write_with_a_stale_if_match_is_refused_with_412() {
    let s = Stand::start(Options::default()).await;
    let id = s.user("ada");
    let path = format!("/Users/{id}");
    s.patch(
        &path,
        json!([{"op": "replace", "path": "title", "value": "x"}]),
    )
    .await;
    let put = |tag: &'static str| {
        let request = s
            .http
            .put(format!("{}{path}", s.app.base_url()))
            .header("if-match", tag);
        async move {
            request
                .json(&json!({"userName": "ada"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(put("W/\"1\"").await, StatusCode::PRECONDITION_FAILED);
    assert_eq!(put("W/\"2\"").await, StatusCode::OK);
    assert_eq!(put("*").await, StatusCode::OK);
}

#[tokio::test]
async fn groups_hold_members_added_and_removed_by_patch() {
    let s = Stand::start(Options::default()).await;
    let (ada, bob, cy) = (s.user("ada"), s.user("bob"), s.user("cy"));
    let created = s
        .post(
            "/Groups",
            json!({"displayName": "Eng", "members": [{"value": ada}]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let group = format!("/Groups/{}", created.body["id"].as_str().unwrap());
    let ada_ref = format!("{}/Users/{ada}", s.app.base_url());
    assert_eq!(
        created.body["members"],
        json!([{"value": ada, "display": "ada", "$ref": ada_ref, "type": "User"}])
    );
    s.post("/Groups", json!({"displayName": "ENG"}))
        .await
        .assert_error(409, Some("uniqueness"));

    let member_ids = |answer: &Answer| -> Vec<String> {
        let members = answer.body["members"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        members
            .iter()
            .map(|m| m["value"].as_str().unwrap().to_owned())
            .collect()
    };
    let added = s
        .patch(
            &group,
            json!([{"op": "add", "path": "members", "value": [{"value": bob}, {"value": ada}]}]),
        )
        .await;
    assert_eq!(member_ids(&added), [ada.as_str(), bob.as_str()]);
    assert_eq!(
        s.app.user(&bob).unwrap()["groups"],
        json!([{"value": created.body["id"], "display": "Eng", "$ref": format!("{}{group}", s.app.base_url())}])
    );
    let removed = s
        .patch(
            &group,
            json!([
                {"op": "remove", "path": format!("members[value eq \"{ada}\"]")},
                {"op": "remove", "path": "members[value eq \"not-a-member\"]"},
                {"op": "replace", "path": "displayName", "value": "Engineering"},
                {"op": "replace", "value": {"externalId": "g-1"}},
            ]),
        )
        .await;
    assert_eq!(member_ids(&removed), [bob.as_str()]);
    assert!(s.app.user(&ada).unwrap().get("groups").is_none());
    s.patch(
        &group,
        json!([{"op": "add", "path": "members", "value": [{"value": "nobody"}]}]),
    )
    .await
    .assert_error(400, Some("invalidValue"));

    let found = s
        .get("/Groups?filter=externalId%20eq%20%22g-1%22&excludedAttributes=members")
        .await;
    assert_eq!(found.body["totalResults"], 1);
    assert_eq!(found.body["Resources"][0]["displayName"], "Engineering");
    assert!(found.body["Resources"][0].get("members").is_none());
    assert_eq!(
        s.get("/Groups?filter=displayName%20eq%20%22engineering%22")
            .await
            .body["totalResults"],
        1
    );

    let put = s
        .call(
            Method::PUT,
            &group,
            Some(json!({"displayName": "Engineering", "members": [{"value": cy}, {"value": ada}]})),
        )
        .await;
    assert_eq!(member_ids(&put), [ada.as_str(), cy.as_str()]);
    s.call(Method::DELETE, &format!("/Users/{cy}"), None).await;
    assert_eq!(member_ids(&s.get(&group).await), [ada.as_str()]);
    assert!(
        member_ids(
            &s.patch(&group, json!([{"op": "remove", "path": "members"}]))
                .await
        )
        .is_empty()
    );
    assert_eq!(
        s.call(Method::DELETE, &group, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(s.app.groups().is_empty());
}

#[tokio::test]
async fn a_configured_bearer_token_is_required_and_every_request_is_recorded() {
    let mut s = Stand::start(Options::default().bearer_token("sekrit")).await;
    s.get("/Users").await.assert_error(401, None);
    s.token = Some("wrong");
    s.get("/Users?count=1").await.assert_error(401, None);
    s.token = Some("sekrit");
    assert_eq!(s.get("/Users?count=1").await.status, StatusCode::OK);
    s.get("/Nothing").await.assert_error(404, None);
    s.call(Method::DELETE, "/Users", None)
        .await
        .assert_error(405, None);

    let statuses: Vec<(String, String, String, u16)> = s
        .app
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path, r.query, r.status))
        .collect();
    let expected = [
        ("GET", "/Users", "", 401),
        ("GET", "/Users", "count=1", 401),
        ("GET", "/Users", "count=1", 200),
        ("GET", "/Nothing", "", 404),
        ("DELETE", "/Users", "", 405),
    ];
    assert_eq!(
        statuses,
        expected.map(|(m, p, q, s)| (m.to_owned(), p.to_owned(), q.to_owned(), s))
    );
    assert_eq!(
        (
            s.app.count("GET", "/Users"),
            s.app.count("get", "/"),
            s.app.count("POST", "/")
        ),
        (3, 4, 0)
    );
    s.app.reset_requests();
    assert!(s.app.requests().is_empty());
}

#[tokio::test]
async fn discovery_documents_say_what_the_quirks_change() {
    let s = Stand::start(Options::default()).await;
    let config = s.get("/ServiceProviderConfig").await.body;
    let flags = |c: &Value| {
        [
            c["patch"]["supported"].clone(),
            c["filter"]["supported"].clone(),
            c["etag"]["supported"].clone(),
        ]
    };
    assert_eq!(flags(&config), [json!(true), json!(true), json!(true)]);
    assert_eq!(
        config["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );
    let types = |answer: Answer| -> Vec<String> {
        answer.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(types(s.get("/ResourceTypes").await), ["User", "Group"]);
    assert_eq!(s.get("/Schemas").await.body["totalResults"], 3);

    for quirk in [Quirk::NoPatch, Quirk::Count500, Quirk::NoGroups] {
        s.app.set_quirk(quirk, true);
    }
    assert_eq!(
        flags(&s.get("/ServiceProviderConfig").await.body),
        [json!(false), json!(false), json!(true)]
    );
    assert_eq!(types(s.get("/ResourceTypes").await), ["User"]);
    s.get("/Groups").await.assert_error(404, None);
    s.patch(&format!("/Users/{}", s.user("ada")), json!([]))
        .await
        .assert_error(501, None);
    s.app.set_quirk(Quirk::NoPatch, false);
    assert_eq!(
        s.patch(&format!("/Users/{}", s.user("bob")), json!([]))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn count_500_fails_any_request_with_count_and_lists_everyone_without_it() {
    let s = Stand::with(Quirk::Count500).await;
    s.app
        .seed_users(150, |i| json!({"userName": format!("u{i:03}")}));
    let failed = s.get("/Users?startIndex=1&count=10").await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(failed.header("content-type").starts_with("text/html"));
    assert_eq!(s.get("/Users?startIndex=1").await.names().len(), 150);
    assert_eq!(s.get("/Users?startIndex=101").await.names().len(), 50);
    assert_eq!(s.app.count("GET", "/Users"), 3);
}

#[tokio::test]
async fn ignore_filter_returns_everyone_paged_and_can_be_switched_at_run_time() {
    let s = Stand::with(Quirk::IgnoreFilter).await;
    s.user("ada");
    s.user("bob");
    assert_eq!(
        s.get(&filter(r#"userName eq "bob""#)).await.names(),
        ["ada", "bob"]
    );
    assert_eq!(
        s.get(&filter("anything at all")).await.names(),
        ["ada", "bob"]
    );
    s.app.set_quirk(Quirk::IgnoreFilter, false);
    assert_eq!(
        s.get(&filter(r#"userName eq "bob""#)).await.names(),
        ["bob"]
    );
}

#[tokio::test]
async fn case_sensitive_filter_misses_another_case_while_create_still_conflicts() {
    let s = Stand::with(Quirk::CaseSensitiveFilter).await;
    s.user("Ada@Example.com");
    assert!(
        s.get(&filter(r#"userName eq "ada@example.com""#))
            .await
            .names()
            .is_empty()
    );
    assert_eq!(
        s.get(&filter(r#"userName eq "Ada@Example.com""#))
            .await
            .names(),
        ["Ada@Example.com"]
    );
    s.post("/Users", json!({"userName": "ada@example.com"}))
        .await
        .assert_error(409, Some("uniqueness"));
}

#[tokio::test]
async fn repeat_first_page_answers_a_start_past_the_end_with_the_first_page() {
    let s = Stand::with(Quirk::RepeatFirstPage).await;
    s.app
        .seed_users(3, |i| json!({"userName": format!("u{i}")}));
    let past = s.get("/Users?startIndex=4&count=2").await;
    assert_eq!(past.names(), ["u0", "u1"]);
    assert_eq!(
        (
            past.body["startIndex"].clone(),
            past.body["totalResults"].clone()
        ),
        (json!(4), json!(3))
    );
    assert_eq!(s.get("/Users?startIndex=3&count=2").await.names(), ["u2"]);
}

#[tokio::test]
async fn drop_external_id_never_stores_it() {
    let s = Stand::with(Quirk::DropExternalId).await;
    let created = s
        .post("/Users", json!({"userName": "ada", "externalId": "e-1"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert!(created.body.get("externalId").is_none());
    let path = format!("/Users/{}", created.body["id"].as_str().unwrap());
    let patched = s.patch(&path, json!([{"op": "add", "path": "externalId", "value": "e-1"}, {"op": "add", "value": {"externalId": "e-1"}}])).await;
    assert!(patched.body.get("externalId").is_none());
    let put = s
        .call(
            Method::PUT,
            &path,
            Some(json!({"userName": "ada", "externalId": "e-1"})),
        )
        .await;
    assert!(put.body.get("externalId").is_none());
    assert!(
        s.get(&filter(r#"externalId eq "e-1""#))
            .await
            .names()
            .is_empty()
    );
}

#[tokio::test]
async fn patch_204_answers_without_a_body_but_applies_the_change() {
    let s = Stand::with(Quirk::Patch204).await;
    let id = s.user("ada");
    let answer = s
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": "active", "value": false}]),
        )
        .await;
    assert_eq!(
        (answer.status, answer.body.clone()),
        (StatusCode::NO_CONTENT, Value::Null)
    );
    assert_eq!(answer.header("etag"), "W/\"2\"");
    assert_eq!(s.app.user(&id).unwrap()["active"], false);
}

#[tokio::test]
async fn patch_204_answers_the_resource_cut_to_attributes_when_they_are_named() {
    let s = Stand::with(Quirk::Patch204).await;
    let id = s.user("ada");
    let change = json!([{"op": "replace", "path": "title", "value": "Lead"}]);
    let answer = s
        .patch(&format!("/Users/{id}?attributes=title,meta"), change)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut kept: Vec<&String> = answer.body.as_object().unwrap().keys().collect();
    kept.sort();
    assert_eq!(kept, ["id", "meta", "schemas", "title"], "{}", answer.body);
    assert_eq!(answer.body["title"], "Lead");
    assert_eq!(answer.header("etag"), "W/\"2\"");
}

#[tokio::test]
async fn patch_204_always_answers_without_a_body_even_when_attributes_are_named() {
    let s = Stand::with(Quirk::Patch204Always).await;
    let id = s.user("ada");
    let change = json!([{"op": "replace", "path": "title", "value": "Lead"}]);
    let answer = s
        .patch(&format!("/Users/{id}?attributes=title"), change)
        .await;
    assert_eq!(
        (answer.status, answer.body),
        (StatusCode::NO_CONTENT, Value::Null)
    );
    assert_eq!(s.app.user(&id).unwrap()["title"], "Lead");
}

#[tokio::test]
async fn patch_refuses_attributes_refuses_the_whole_patch_and_applies_nothing() {
    let s = Stand::with(Quirk::PatchRefusesAttributes).await;
    let id = s.user("ada");
    let change = json!([{"op": "replace", "path": "title", "value": "Lead"}]);
    s.patch(&format!("/Users/{id}?attributes=title"), change.clone())
        .await
        .assert_error(400, Some("invalidSyntax"));
    assert!(s.app.user(&id).unwrap().get("title").is_none());
    let answer = s.patch(&format!("/Users/{id}"), change).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["title"], "Lead");
}

#[tokio::test]
async fn members_by_username_answers_user_names_while_requests_use_ids() {
    let s = Stand::with(Quirk::MembersByUsername).await;
    let ada = s.user("ada");
    let group = s
        .app
        .insert_group(json!({"displayName": "Eng", "members": [{"value": ada}]}));
    assert_eq!(
        s.get(&format!("/Groups/{group}")).await.body["members"][0]["value"],
        "ada"
    );
    let removed = s
        .patch(
            &format!("/Groups/{group}"),
            json!([{"op": "remove", "path": format!("members[value eq \"{ada}\"]")}]),
        )
        .await;
    assert!(removed.body.get("members").is_none());
}

#[tokio::test]
async fn require_member_ref_refuses_members_without_a_ref() {
    let s = Stand::with(Quirk::RequireMemberRef).await;
    let ada = s.user("ada");
    let bare = json!({"displayName": "Eng", "members": [{"value": ada}]});
    s.post("/Groups", bare)
        .await
        .assert_error(400, Some("invalidValue"));
    let with_ref = json!({"displayName": "Eng", "members": [{"value": ada, "$ref": format!("{}/Users/{ada}", s.app.base_url())}]});
    assert_eq!(
        s.post("/Groups", with_ref).await.status,
        StatusCode::CREATED
    );
}
