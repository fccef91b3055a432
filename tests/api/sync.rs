//! Hire-to-retire sync against a real SCIM server (scim2-server): plans whose
//! totals are exact, applies that make the app equal the HR data, stale plans
//! and the deprovision threshold refused, runs that survive a crash and are
//! shared safely by two instances on one Postgres.

use std::{collections::HashMap, time::Duration};

use serde_json::{Value, json};

use crate::{
    both_backends,
    helpers::{API_KEY, Backend, TestApp, spawn_app},
    process::Process,
    proxy::CountingProxy,
    replicas::Replicas,
    scim_server::{ScimAuth, ScimServer},
};

const TOKEN: &str = "scim-sync-token-0123456789";

/// A person as the HR system sends them.
pub fn person(n: usize, job_title: &str, status: &str) -> Value {
    json!({
        "external_id": format!("E-{n:04}"),
        "user_name": format!("person{n}@example.com"),
        "name": {"given_name": format!("Given{n}"), "family_name": format!("Family{n}")},
        "emails": [{"value": format!("person{n}@example.com"), "type": "work", "primary": true}],
        "attributes": {"job_title": job_title, "employment_status": status, "location": "London"}
    })
}

pub fn people(range: std::ops::Range<usize>) -> Vec<Value> {
    range.map(|n| person(n, "Engineer", "active")).collect()
}

/// Rules that exercise eligibility and mapping: the title comes from the HR
/// job title, the display name from a template.
pub fn rules() -> Value {
    json!({
        "eligibility": {"all": [
            {"attribute": "attributes.location", "in": ["London", "Paris"]},
            {"not": {"attribute": "attributes.employment_status", "equals": "contractor_ended"}}
        ]},
        "leaving_statuses": ["terminated", "retired"],
        "mapping": {
            "title": {"from": "attributes.job_title"},
            "display_name": {"template": "{given_name} {family_name}"}
        }
    })
}

/// Starts a SCIM server (behind a counting proxy) and a connection `hr` to it;
/// both stop when what is returned is dropped.
#[must_use]
async fn connect(app: &TestApp, settings: Value) -> (ScimServer, CountingProxy) {
    let server = ScimServer::start(ScimAuth::Bearer(TOKEN)).await;
    let proxy = CountingProxy::start(&server.base_url).await;
    app.create_connection(json!({
        "name": "hr", "provider": "scim", "instance_url": proxy.base_url,
        "credentials": {"type": "bearer", "token": TOKEN}, "settings": settings
    }))
    .await;
    put_rules(app).await;
    (server, proxy)
}

/// Sets [`rules`] on the connection `hr`.
pub async fn put_rules(app: &TestApp) {
    let reply = app
        .request(
            reqwest::Method::PUT,
            "/v1/connections/hr/rules",
            Some(rules()),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
}

pub async fn plan(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/v1/connections/hr/sync", body).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    reply.json()
}

/// Applies and waits for the run to finish; returns the finished run.
pub async fn apply(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/v1/connections/hr/sync", body).await;
    assert_eq!(reply.status.as_u16(), 202, "{}", reply.text);
    let location = reply.header("location").unwrap().to_owned();
    assert_eq!(
        location,
        format!("/v1/sync-runs/{}", reply.json()["run_id"].as_str().unwrap())
    );
    wait_for_run(&app.address, &location).await
}

/// Polls a run until it has finished (it is applied in the background).
pub async fn wait_for_run(base: &str, location: &str) -> Value {
    let client = reqwest::Client::new();
    tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let run: Value = client
                .get(format!("{base}{location}"))
                .bearer_auth(API_KEY)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if run["finished_at"].is_string() {
                return run;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the run finishes within two minutes")
}

fn totals(plan: &Value) -> Value {
    let t = &plan["totals"];
    json!({"create": t["create"], "update": t["update"], "deactivate": t["deactivate"],
           "reactivate": t["reactivate"], "unchanged": t["unchanged"], "conflict": t["conflict"], "orphans": t["orphans"]})
}

/// Every account in the app, read directly (not through provisio), by userName.
async fn app_accounts(server: &ScimServer) -> HashMap<String, Value> {
    let client = reqwest::Client::new();
    let mut accounts = HashMap::new();
    let mut start = 1;
    loop {
        let page: Value = client
            .get(format!(
                "{}/Users?startIndex={start}&count=100",
                server.base_url
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        if resources.is_empty() {
            return accounts;
        }
        start += resources.len();
        for r in resources {
            accounts.insert(r["userName"].as_str().unwrap().to_owned(), r);
        }
    }
}

/// Creates an account directly in the app: provisio does not manage it.
async fn create_directly(server: &ScimServer, user_name: &str) {
    let reply = reqwest::Client::new()
        .post(format!("{}/Users", server.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, "active": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 201);
}

/// A run's items read a page at a time are the run's items, in order; the
/// filters pick the ones asked for; a cursor works only for its own run.
async fn check_item_pages(app: &TestApp, run: &Value, other_run_id: &str) {
    let base = format!("/v1/sync-runs/{}/items", run["run_id"].as_str().unwrap());
    let mut paged = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}?page_size=20&cursor={c}"),
            None => format!("{base}?page_size=20"),
        };
        let page = app.get(&url).await.json();
        let items = page["items"].as_array().unwrap().clone();
        sizes.push(items.len());
        paged.extend(items);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(sizes, [20, 20, 10]);
    assert_eq!(
        &paged,
        run["items"].as_array().unwrap(),
        "pages add up to the run's items, in order"
    );

    let count = |query: &'static str| {
        let url = format!("{base}?page_size=100&{query}");
        async move {
            app.get(&url).await.json()["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count("action=deactivate").await, 15);
    assert_eq!(count("action=reactivate&status=done").await, 5);
    assert_eq!(count("status=failed").await, 0);

    // A cursor of one run's items does not page another's.
    let first = app.get(&format!("{base}?page_size=1")).await.json();
    let cursor = first["next_cursor"].as_str().unwrap();
    let reply = app
        .get(&format!(
            "/v1/sync-runs/{other_run_id}/items?cursor={cursor}"
        ))
        .await;
    reply.assert_invalid_fields(&["cursor"]);
    app.get(&format!("{base}?status=lost"))
        .await
        .assert_invalid_fields(&["status"]);
    app.get(&format!("{base}?page_size=0"))
        .await
        .assert_invalid_fields(&["page_size"]);
    app.get("/v1/sync-runs/0190a0b0-0000-7000-8000-000000000000/items")
        .await
        .assert_problem(404, "sync_run_not_found");
}

both_backends! {
    async fn a_sync_plans_exact_totals_and_applies_the_desired_state(app: TestApp) {
        let (server, proxy) = connect(&app, json!({"max_requests_per_second": 1000})).await;

        // Seed: 300 people hired through a first sync; 5 of them later leave.
        let seeded = apply(&app, json!({"mode": "apply", "people": people(0..300)})).await;
        assert_eq!(seeded["status"], "succeeded", "{seeded}");
        assert_eq!(seeded["progress"]["done"], 300);
        let mut leavers = people(0..300);
        for p in &mut leavers[0..5] {
            p["attributes"]["employment_status"] = json!("terminated");
        }
        let left = apply(&app, json!({"mode": "apply", "people": leavers})).await;
        assert_eq!(left["progress"]["done"], 5, "{left}");
        // Three accounts someone made by hand: orphans.
        for name in ["orphan1@example.com", "orphan2@example.com", "orphan3@example.com"] {
            create_directly(&server, name).await;
        }

        // The desired set: 5 rehires (0..5), 20 changed titles (5..25),
        // 10 gone (25..35), 5 terminated (35..40), 260 unchanged, 10 new hires.
        let mut desired: Vec<Value> = Vec::new();
        for n in 0..300 {
            match n {
                5..25 => desired.push(person(n, "Senior Engineer", "active")),
                25..35 => {}
                35..40 => desired.push(person(n, "Engineer", "terminated")),
                _ => desired.push(person(n, "Engineer", "active")),
            }
        }
        desired.extend(people(1000..1010));

        let writes_before = proxy.writes("POST") + proxy.writes("PATCH") + proxy.writes("PUT");
        let planned = plan(&app, json!({"people": desired})).await;
        assert_eq!(totals(&planned), json!({"create": 10, "update": 20, "deactivate": 15, "reactivate": 5,
            "unchanged": 260, "conflict": 0, "orphans": 3}), "{}", planned["totals"]);
        assert_eq!(planned["totals"]["people"], 300);
        assert_eq!(planned["totals"]["accounts"], 303);
        assert_eq!(planned["warnings"], json!([]));
        // Planning reads; it never writes.
        assert_eq!(proxy.writes("POST") + proxy.writes("PATCH") + proxy.writes("PUT"), writes_before);

        // The diff says field by field what changes.
        let item = planned["items"].as_array().unwrap().iter()
            .find(|i| i["external_id"] == "E-0005").unwrap();
        assert_eq!(item["action"], "update");
        assert_eq!(item["changes"], json!([{"field": "title", "before": "Engineer", "after": "Senior Engineer"}]));
        let gone = planned["items"].as_array().unwrap().iter()
            .find(|i| i["external_id"] == "E-0025").unwrap();
        assert_eq!(gone["action"], "deactivate");
        assert!(gone["reason"].as_str().unwrap().contains("no longer in the HR data"), "{gone}");
        let orphans: Vec<&str> = planned["orphans"].as_array().unwrap().iter()
            .map(|o| o["user_name"].as_str().unwrap()).collect();
        assert_eq!(orphans.len(), 3);
        assert!(orphans.iter().all(|o| o.starts_with("orphan")), "{orphans:?}");

        // Apply exactly that plan. scim2-server answers PATCH with 204 (the
        // leavers' run taught provisio so): each PATCH asks for the user back
        // (`attributes`), so no change is followed by a read of the user.
        let user_reads = proxy.user_reads();
        let run = apply(&app, json!({"mode": "apply", "plan_id": planned["plan_id"]})).await;
        assert_eq!(proxy.user_reads(), user_reads, "a GET /Users/{{id}} after a PATCH");
        assert_eq!(run["status"], "succeeded", "{run}");
        assert_eq!(run["plan_id"], planned["plan_id"]);
        assert_eq!(run["progress"], json!({"total": 50, "pending": 0, "running": 0, "done": 50, "failed": 0}));
        assert!(run["items"].as_array().unwrap().iter().all(|i| i["attempts"] == 1));
        assert_eq!(proxy.writes("POST") - 300, 10, "one create per new hire");

        check_item_pages(&app, &run, seeded["run_id"].as_str().unwrap()).await;

        // The app now holds exactly the desired state.
        let accounts = app_accounts(&server).await;
        assert_eq!(accounts.len(), 313);
        for n in (0..300).chain(1000..1010) {
            let account = &accounts[&format!("person{n}@example.com")];
            let (active, title) = match n {
                5..25 => (true, "Senior Engineer"),
                25..40 => (false, "Engineer"),
                _ => (true, "Engineer"),
            };
            assert_eq!(account["active"], active, "person {n}: {account}");
            assert_eq!(account["title"], title, "person {n}: {account}");
            assert_eq!(account["externalId"], format!("E-{n:04}"));
            assert_eq!(account["displayName"], format!("Given{n} Family{n}"));
        }
        for name in ["orphan1@example.com", "orphan2@example.com", "orphan3@example.com"] {
            assert_eq!(accounts[name]["active"], true, "orphans are never touched");
        }

        // Every change is in the operation log under the run id.
        let log = app.get(&format!("/v1/operations?run_id={}&page_size=100", run["run_id"].as_str().unwrap())).await.json();
        assert_eq!(log["items"].as_array().unwrap().len(), 50, "{log}");

        // An immediate second plan changes nothing.
        let again = plan(&app, json!({"people": desired})).await;
        assert_eq!(totals(&again), json!({"create": 0, "update": 0, "deactivate": 0, "reactivate": 0,
            "unchanged": 310, "conflict": 0, "orphans": 3}), "{}", again["totals"]);

        let runs = app.get("/v1/sync-runs?connection=hr").await.json();
        assert_eq!(runs["items"].as_array().unwrap().len(), 3);
        assert!(runs["items"][0]["items"].is_null(), "listings leave the items out");
        assert_eq!(runs["items"][0]["run_id"], run["run_id"], "newest first");
    }

    async fn a_stale_or_reused_plan_is_refused(app: TestApp) {
        let (server, _proxy) = connect(&app, json!({"max_requests_per_second": 1000})).await;
        apply(&app, json!({"mode": "apply", "people": people(0..10)})).await;
        let mut changed = people(0..10);
        changed[0]["attributes"]["job_title"] = json!("Director");

        // The app changes after the plan: applying it is refused.
        let planned = plan(&app, json!({"people": changed})).await;
        let accounts = app_accounts(&server).await;
        let id = accounts["person1@example.com"]["id"].as_str().unwrap();
        let reply = app.post(&format!("/v1/connections/hr/users/{id}/deactivate"), json!({})).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
        let reply = app.post("/v1/connections/hr/sync", json!({"mode": "apply", "plan_id": planned["plan_id"]})).await;
        let problem = reply.assert_problem(409, "plan_stale");
        assert_eq!(problem["errors"][0]["field"], "plan_id");

        // Different people than were planned: refused.
        let planned = plan(&app, json!({"people": changed})).await;
        let mut other = changed.clone();
        other.pop();
        let reply = app.post("/v1/connections/hr/sync", json!({"mode": "apply", "plan_id": planned["plan_id"], "people": other})).await;
        reply.assert_problem(409, "plan_stale");

        // The same people, sent again with the plan id: applied; then never again.
        let reply = app.post("/v1/connections/hr/sync", json!({"mode": "apply", "plan_id": planned["plan_id"], "people": changed})).await;
        assert_eq!(reply.status.as_u16(), 202, "{}", reply.text);
        let location = reply.header("location").unwrap().to_owned();
        wait_for_run(&app.address, &location).await;
        let reply = app.post("/v1/connections/hr/sync", json!({"mode": "apply", "plan_id": planned["plan_id"]})).await;
        reply.assert_problem(409, "plan_stale");

        // Options that differ from the plan's are refused, naming them.
        let planned = plan(&app, json!({"people": people(0..10)})).await;
        let reply = app.post("/v1/connections/hr/sync", json!({"mode": "apply", "plan_id": planned["plan_id"], "deprovision": "none", "adopt": true})).await;
        reply.assert_invalid_fields(&["deprovision", "adopt"]);

        // Unknown plans, and plan ids in plan mode.
        let reply = app.post("/v1/connections/hr/sync", json!({"mode": "apply", "plan_id": "0190a0b0-0000-7000-8000-000000000000"})).await;
        reply.assert_problem(404, "plan_not_found");
        let reply = app.post("/v1/connections/hr/sync", json!({"plan_id": planned["plan_id"], "people": changed})).await;
        reply.assert_invalid_fields(&["plan_id"]);
    }

    async fn a_mass_deprovision_needs_force(app: TestApp) {
        let (server, _proxy) = connect(&app, json!({"max_requests_per_second": 1000})).await;
        apply(&app, json!({"mode": "apply", "people": people(0..30)})).await;

        // 4 of 30 managed accounts leaving is more than 10%.
        let planned = plan(&app, json!({"people": people(0..26)})).await;
        assert_eq!(planned["totals"]["deactivate"], 4);
        let warning = planned["warnings"][0].as_str().unwrap();
        assert!(warning.contains("deprovisions 4 accounts"), "{warning}");
        let reply = app.post("/v1/connections/hr/sync", json!({"mode": "apply", "plan_id": planned["plan_id"]})).await;
        let problem = reply.assert_problem(409, "deprovision_threshold");
        assert!(problem["detail"].as_str().unwrap().contains("force"), "{problem}");
        assert!(app_accounts(&server).await.values().all(|a| a["active"] == true), "nothing was applied");

        // `force` lets it through.
        let run = apply(&app, json!({"mode": "apply", "plan_id": planned["plan_id"], "force": true})).await;
        assert_eq!(run["progress"]["done"], 4, "{run}");
        let inactive = app_accounts(&server).await.values().filter(|a| a["active"] == false).count();
        assert_eq!(inactive, 4);

        // `deprovision: none` reports leavers without touching them.
        let planned = plan(&app, json!({"people": people(0..20), "deprovision": "none"})).await;
        assert_eq!(planned["totals"]["deactivate"], 0);
        assert_eq!(planned["totals"]["unchanged"], 30);
    }

    async fn one_run_at_a_time_per_connection(app: TestApp) {
        let (_server, proxy) = connect(&app, json!({"max_requests_per_second": 4})).await;
        let first = app.post("/v1/connections/hr/sync", json!({"mode": "apply", "people": people(0..12)})).await;
        assert_eq!(first.status.as_u16(), 202, "{}", first.text);
        let run_id = first.json()["run_id"].as_str().unwrap().to_owned();
        // Planning is allowed meanwhile; applying is not.
        plan(&app, json!({"people": people(0..12)})).await;
        let second = app.post("/v1/connections/hr/sync", json!({"mode": "apply", "people": people(0..12)})).await;
        let problem = second.assert_problem(409, "sync_in_progress");
        assert!(problem["detail"].as_str().unwrap().contains(&run_id), "{problem}");

        let location = first.header("location").unwrap().to_owned();
        assert_eq!(wait_for_run(&app.address, &location).await["status"], "succeeded");
        let third = apply(&app, json!({"mode": "apply", "people": people(0..12)})).await;
        assert_eq!(third["progress"]["total"], 0, "nothing left to do: {third}");
        assert_eq!(proxy.writes("POST"), 12, "no person was created twice");
    }

    async fn orphans_are_only_deactivated_when_adopted(app: TestApp) {
        let (server, _proxy) = connect(&app, json!({"max_requests_per_second": 1000})).await;
        apply(&app, json!({"mode": "apply", "people": people(0..5)})).await;
        create_directly(&server, "stray@example.com").await;
        let planned = plan(&app, json!({"people": people(0..5)})).await;
        assert_eq!(planned["totals"]["orphans"], 1);
        assert_eq!(planned["totals"]["deactivate"], 0);
        let adopted = plan(&app, json!({"people": people(0..5), "adopt": true})).await;
        assert_eq!(adopted["totals"]["deactivate"], 1);
        let run = apply(&app, json!({"mode": "apply", "plan_id": adopted["plan_id"], "force": true})).await;
        assert_eq!(run["progress"]["done"], 1, "{run}");
        assert_eq!(app_accounts(&server).await["stray@example.com"]["active"], false);
    }

    async fn accounts_matched_when_onboarding_an_app_become_managed(app: TestApp) {
        let (server, proxy) = connect(&app, json!({"max_requests_per_second": 1000})).await;
        // An app that already has everyone's account, exactly as the HR data wants it.
        for n in 0..5 {
            let reply = reqwest::Client::new()
                .post(format!("{}/Users", server.base_url))
                .bearer_auth(TOKEN)
                .json(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": format!("person{n}@example.com"), "externalId": format!("E-{n:04}"),
                    "name": {"givenName": format!("Given{n}"), "familyName": format!("Family{n}")},
                    "displayName": format!("Given{n} Family{n}"), "title": "Engineer", "active": true,
                    "emails": [{"value": format!("person{n}@example.com"), "type": "work", "primary": true}]}))
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status().as_u16(), 201);
        }
        let planned = plan(&app, json!({"people": people(0..5)})).await;
        assert_eq!(planned["totals"]["unchanged"], 5, "{}", planned["totals"]);
        let run = apply(&app, json!({"mode": "apply", "plan_id": planned["plan_id"]})).await;
        assert_eq!(run["progress"]["total"], 0, "nothing to change: {run}");
        assert_eq!(proxy.writes("POST") + proxy.writes("PATCH") + proxy.writes("PUT"), 0);

        // Linked by that apply: a leaver is now deprovisioned, not reported as an orphan.
        let planned = plan(&app, json!({"people": people(0..4)})).await;
        assert_eq!(planned["totals"]["deactivate"], 1, "{}", planned["totals"]);
        assert_eq!(planned["totals"]["orphans"], 0);
    }

    async fn accounts_created_through_users_are_managed(app: TestApp) {
        let (server, _proxy) = connect(&app, json!({"max_requests_per_second": 1000})).await;
        let reply = app.post("/v1/connections/hr/users", person(7, "Engineer", "active")
            .as_object().unwrap().iter().filter(|(k, _)| *k != "attributes")
            .map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>().into()).await;
        assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
        // Not in the HR data any more: a managed account, so a leaver (not an orphan).
        let planned = plan(&app, json!({"people": []})).await;
        assert_eq!(planned["totals"]["deactivate"], 1, "{}", planned["totals"]);
        assert_eq!(planned["totals"]["orphans"], 0);
        let run = apply(&app, json!({"mode": "apply", "plan_id": planned["plan_id"], "force": true})).await;
        assert_eq!(run["status"], "succeeded", "{run}");
        assert_eq!(app_accounts(&server).await["person7@example.com"]["active"], false);
    }

    async fn invalid_rules_and_people_are_refused_with_their_paths(app: TestApp) {
        app.create_connection(json!({"name": "hr", "provider": "scim", "instance_url": "https://scim.example.com/v2",
            "credentials": {"type": "bearer", "token": TOKEN}})).await;
        let defaults = app.get("/v1/connections/hr/rules").await;
        assert_eq!(defaults.status.as_u16(), 200);
        assert_eq!(defaults.json()["leaving_statuses"], json!(["terminated"]));
        assert_eq!(defaults.json()["deprovision_limit"], json!({"percent": 10, "count": 50}));

        let reply = app.request(reqwest::Method::PUT, "/v1/connections/hr/rules", Some(json!({
            "eligibility": {"all": [
                {"attribute": "attributes.department", "equals": "Sales"},
                {"attribute": "attributes.location", "in": "London"},
                {"any": [{"attribute": "x", "matches": "y"}]}
            ]},
            "mapping": {"title": {"from": ""}, "colour": {"value": "red"}, "user_name": {"template": "{given_name"}},
            "match_order": ["external_id", "phone"],
            "deprovision_limit": {"percent": 150},
            "surprise": true
        }))).await;
        reply.assert_invalid_fields(&[
            "surprise", "eligibility.all[1].in", "eligibility.all[2].any[0].matches", "mapping.colour",
            "mapping.title.from", "mapping.user_name.template", "match_order[1]", "deprovision_limit.percent",
        ]);
        // Nothing was stored.
        assert_eq!(app.get("/v1/connections/hr/rules").await.json(), defaults.json());

        let reply = app.post("/v1/connections/hr/sync", json!({"people": [
            {"user_name": "a@example.com"},
            {"user_name": "b@example.com", "external_id": "E-1"},
            {"user_name": "c@example.com", "external_id": "E-1"}
        ]})).await;
        reply.assert_invalid_fields(&["people[0].external_id", "people[2].external_id"]);
        let reply = app.post("/v1/connections/hr/sync", json!({"mode": "apply"})).await;
        reply.assert_invalid_fields(&["people"]);
        let reply = app.post("/v1/connections/hr/sync", json!({"people": [], "mode": "later"})).await;
        reply.assert_invalid_fields(&["mode"]);
        app.get("/v1/sync-runs/not-a-run").await.assert_problem(404, "sync_run_not_found");
        app.get("/v1/sync-runs/0190a0b0-0000-7000-8000-000000000000").await.assert_problem(404, "sync_run_not_found");
    }
}

/// The `mappable_fields` of every provider are in the catalogue.
#[tokio::test]
async fn the_catalogue_lists_mappable_fields() {
    let app = spawn_app(Backend::Sqlite).await;
    let catalogue = app.get("/v1/providers").await.json();
    for provider in catalogue["items"].as_array().unwrap() {
        let fields = provider["mappable_fields"].as_array().unwrap();
        assert!(fields.contains(&json!("title")), "{provider}");
        assert!(fields.contains(&json!("name.given_name")), "{provider}");
    }
}

/// provisio processes sharing one Postgres database and key ring, with a SCIM
/// server behind a counting proxy.
pub struct Cluster {
    pub replicas: Replicas,
    server: ScimServer,
    pub proxy: CountingProxy,
}

impl Cluster {
    pub async fn new() -> Self {
        let server = ScimServer::start(ScimAuth::Bearer(TOKEN)).await;
        Self {
            replicas: Replicas::start(0, &[]).await,
            proxy: CountingProxy::start(&server.base_url).await,
            server,
        }
    }

    /// Starts a process with `extra` environment.
    pub async fn start(&mut self, extra: &[(&str, &str)]) -> Process {
        self.replicas.spawn(extra).await
    }

    /// Connects `hr` with `settings` and applies `people` through `process`;
    /// returns the run's location.
    pub async fn apply(&self, process: &Process, settings: Value, people: Vec<Value>) -> String {
        let client = reqwest::Client::new();
        let created = client
            .post(process.url("/v1/connections"))
            .bearer_auth(API_KEY)
            .json(
                &json!({"name": "hr", "provider": "scim", "instance_url": self.proxy.base_url,
                "credentials": {"type": "bearer", "token": TOKEN}, "settings": settings}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
        let reply = client
            .post(process.url("/v1/connections/hr/sync"))
            .bearer_auth(API_KEY)
            .json(&json!({"mode": "apply", "people": people}))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status().as_u16(), 202);
        reply.headers()["location"].to_str().unwrap().to_owned()
    }
}

/// provisio killed (SIGKILL) in the middle of a run, then restarted, finishes
/// the run, and every change reaches the app exactly once.
#[tokio::test]
async fn a_run_interrupted_by_a_crash_resumes_and_applies_each_change_once() {
    let mut cluster = Cluster::new().await;
    let lease = [("PROVISIO_SYNC_LEASE_SECONDS", "3")];
    let mut first = cluster.start(&lease).await;
    let location = cluster
        .apply(
            &first,
            json!({"max_requests_per_second": 25}),
            people(0..120),
        )
        .await;

    // Kill it once part of the run reached the app.
    cluster.proxy.wait_for_writes(30).await;
    first.signal("KILL");
    first.wait().await;
    let applied_before_crash = cluster.proxy.writes("POST");
    assert!(
        applied_before_crash < 120,
        "the crash came mid-run ({applied_before_crash} applied)"
    );

    let second = cluster.start(&lease).await;
    let run = wait_for_run(&second.url(""), &location).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["progress"]["done"], 120);
    assert_eq!(
        cluster.proxy.writes("POST"),
        120,
        "each create reached the app exactly once"
    );
    assert_eq!(app_accounts(&cluster.server).await.len(), 120);
    // The items in hand at the crash (at most the worker's concurrency) were
    // taken again after their lease lapsed, and checked before being applied.
    let retaken = run["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["attempts"] == 2)
        .count();
    assert!(
        (1..=8).contains(&retaken),
        "{retaken} items were taken again"
    );
}

/// Two provisio processes on one Postgres share a run's items and never apply one twice.
#[tokio::test]
async fn two_processes_on_one_postgres_never_apply_an_item_twice() {
    let mut cluster = Cluster::new().await;
    let (a, b) = (cluster.start(&[]).await, cluster.start(&[]).await);
    let location = cluster
        .apply(&a, json!({"max_requests_per_second": 40}), people(0..150))
        .await;

    let run = wait_for_run(&b.url(""), &location).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert!(
        run["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["attempts"] == 1),
        "{run}"
    );
    assert_eq!(
        cluster.proxy.writes("POST"),
        150,
        "each create reached the app exactly once"
    );
    assert_eq!(app_accounts(&cluster.server).await.len(), 150);
    assert_eq!(
        cluster.replicas.db.distinct_sync_owners().await,
        2,
        "both processes applied items"
    );
}

/// An item taken over after its lease lapsed (the instance that held it died
/// after the app took the change) is checked against the app first: a change
/// already there is not sent again.
#[tokio::test]
async fn a_retaken_item_whose_change_already_landed_is_not_sent_again() {
    let app = spawn_app(Backend::Postgres).await;
    let (server, proxy) = connect(&app, json!({"max_requests_per_second": 1000})).await;
    apply(&app, json!({"mode": "apply", "people": people(0..10)})).await;
    let mut changed = people(0..8);
    for p in &mut changed[0..4] {
        p["attributes"]["job_title"] = json!("Lead");
    }
    let run = apply(
        &app,
        json!({"mode": "apply", "people": changed, "force": true}),
    )
    .await;
    assert_eq!(
        run["progress"]["done"], 6,
        "4 updates and 2 deactivations: {run}"
    );
    let writes = proxy.writes("POST") + proxy.writes("PATCH") + proxy.writes("PUT");

    // As if the instance holding them had died just after the app took each change.
    app.db
        .execute(&format!(
            "update sync_item set status = 'running', lease_until = now() - interval '1 minute' where run_id = '{0}'; \
             update sync_run set finished_at = null where run_id = '{0}'",
            run["run_id"].as_str().unwrap()
        ))
        .await;
    let location = format!("/v1/sync-runs/{}", run["run_id"].as_str().unwrap());
    let again = wait_for_run(&app.address, &location).await;
    assert_eq!(again["status"], "succeeded", "{again}");
    assert!(
        again["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["attempts"] == 2),
        "{again}"
    );
    assert_eq!(
        proxy.writes("POST") + proxy.writes("PATCH") + proxy.writes("PUT"),
        writes,
        "nothing was sent twice"
    );
    let accounts = app_accounts(&server).await;
    assert_eq!(accounts["person0@example.com"]["title"], "Lead");
    assert_eq!(accounts["person9@example.com"]["active"], false);
}

/// A sync carries a whole workforce: its body limit is its own.
#[tokio::test]
async fn a_sync_body_may_exceed_the_general_limit_up_to_its_own() {
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, |config| {
        config.http.max_body_bytes = 64 * 1024;
        config.sync.max_body_bytes = 4 * 1024 * 1024;
    })
    .await;
    let (_server, _proxy) = connect(&app, json!({"max_requests_per_second": 1000})).await;
    let body = json!({"people": people(0..5000)});
    assert!(body.to_string().len() > 1024 * 1024);
    let planned = app
        .send(
            app.client
                .post(app.url("/v1/connections/hr/sync"))
                .bearer_auth(API_KEY)
                .header("idempotency-key", "big-plan-1")
                .json(&body),
        )
        .await;
    assert_eq!(planned.status.as_u16(), 200, "{}", planned.text);
    assert_eq!(planned.json()["totals"]["create"], 5000);

    let too_big = json!({"people": people(0..15000)});
    app.post("/v1/connections/hr/sync", too_big)
        .await
        .assert_problem(413, "payload_too_large");
    // Other routes keep the general limit.
    let padded = json!({"user_name": "x".repeat(100 * 1024)});
    app.post("/v1/connections/hr/users", padded)
        .await
        .assert_problem(413, "payload_too_large");
}

/// An item that fails for a reason that may pass (the app unavailable past the
/// call's own retries) goes back to the queue and is applied on a later try.
#[tokio::test]
async fn an_item_that_fails_for_a_passing_reason_is_tried_again() {
    use wiremock::{
        Mock, MockServer, ResponseTemplate,
        matchers::{method, path},
    };
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 0, "Resources": []
        })))
        .mount(&mock)
        .await;
    // Every try of the first attempt fails; the run's second attempt succeeds.
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(4)
        .with_priority(1)
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1", "userName": "person0@example.com", "active": true
        })))
        .with_priority(2)
        .mount(&mock)
        .await;
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, |config| {
        config.sync.worker.retry = Duration::from_secs(1);
    })
    .await;
    app.create_connection(
        json!({"name": "hr", "provider": "workplace", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "wp-token-0123456789"}}),
    )
    .await;
    let run = apply(&app, json!({"mode": "apply", "people": people(0..1)})).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let item = &run["items"][0];
    assert_eq!(item["attempts"], 2, "{item}");
    assert_eq!(
        item["error_code"],
        Value::Null,
        "the last attempt's outcome is what shows"
    );
    let posts = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 5, "4 tries that failed, then one that landed");
}

/// An item this version cannot read (an action a newer version queued, a row
/// edited by hand) fails on its own: the items claimed with it are applied.
#[tokio::test]
async fn an_unreadable_item_fails_alone() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_server, _proxy) = connect(&app, json!({"max_requests_per_second": 1000})).await;
    let run = apply(&app, json!({"mode": "apply", "people": people(0..3)})).await;
    let run_id = run["run_id"].as_str().unwrap();
    app.db
        .execute(&format!(
            "update sync_item set status = 'pending', lease_until = null where run_id = '{run_id}' and seq < 2; \
             update sync_item set action = 'merge' where run_id = '{run_id}' and seq = 0; \
             update sync_run set finished_at = null where run_id = '{run_id}'"
        ))
        .await;
    let listed = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let runs = app.get("/v1/sync-runs?connection=hr").await.json();
            if runs["items"][0]["finished_at"].is_string() {
                return runs["items"][0].clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the run finishes again");
    assert_eq!(listed["status"], "completed_with_errors", "{listed}");
    assert_eq!(listed["progress"]["failed"], 1, "{listed}");
    assert_eq!(listed["progress"]["done"], 2, "{listed}");
}
