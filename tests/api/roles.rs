//! Roles against a real SCIM server (scim2-server): 300 people, 4 roles over
//! 6 groups — the memberships come out exactly as the roles say, a second
//! plan has nothing to do, moving one person between departments moves them
//! between groups and nothing else, and a membership added by hand is removed
//! from a managed group and left in an unmanaged one.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::{
    both_backends,
    helpers::TestApp,
    scim_server::{ScimAuth, ScimServer},
    sync::{apply, plan},
};

const TOKEN: &str = "scim-roles-token-0123456789";
const GROUPS: [&str; 7] = [
    "All Staff",
    "Engineering",
    "Sales",
    "Customer Facing",
    "Managers",
    "London Office",
    "Social Club", // named by no role: not managed
];

fn department(n: usize) -> &'static str {
    ["Engineering", "Sales", "Support"][n % 3]
}

fn person(n: usize, department: &str) -> Value {
    json!({
        "external_id": format!("E-{n:04}"),
        "user_name": format!("person{n}@example.com"),
        "department": department,
        "attributes": {"location": if n.is_multiple_of(2) { "London" } else { "Paris" }, "is_manager": n.is_multiple_of(10)}
    })
}

fn people() -> Vec<Value> {
    (0..300).map(|n| person(n, department(n))).collect()
}

fn rules() -> Value {
    json!({
        "roles": [
            {"name": "everyone", "groups": ["All Staff"]},
            {"name": "engineers", "when": {"attribute": "department", "equals": "Engineering"}, "groups": ["Engineering"]},
            {"name": "sellers", "when": {"attribute": "department", "equals": "Sales"}, "groups": ["sales", "Customer Facing"]},
            {"name": "london managers", "when": {"all": [
                {"attribute": "attributes.location", "equals": "London"},
                {"attribute": "attributes.is_manager", "equals": true}
            ]}, "groups": ["Managers", "London Office"]}
        ]
    })
}

/// What the roles say each managed group holds, by user name.
fn expected(departments: &BTreeMap<usize, &str>) -> BTreeMap<&'static str, BTreeSet<String>> {
    let mut groups: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for (&n, &dept) in departments {
        let name = format!("person{n}@example.com");
        let mut of = vec!["All Staff"];
        match dept {
            "Engineering" => of.push("Engineering"),
            "Sales" => of.extend(["Sales", "Customer Facing"]),
            _ => {}
        }
        if n.is_multiple_of(10) {
            of.extend(["Managers", "London Office"]);
        }
        for group in of {
            groups.entry(group).or_default().insert(name.clone());
        }
    }
    groups
}

/// Every page of a listing's items.
async fn all_items(app: &TestApp, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(&format!("{path}?page_size=100{cursor}"))
            .await
            .json();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return items,
        }
    }
}

/// Every group's members as the app holds them, by user name.
async fn memberships(
    app: &TestApp,
    ids: &BTreeMap<&str, String>,
) -> BTreeMap<&'static str, BTreeSet<String>> {
    let names: BTreeMap<String, String> = all_items(app, "/v1/connections/hr/users")
        .await
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap().to_owned(),
                u["user_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut all = BTreeMap::new();
    for group in GROUPS {
        let path = format!("/v1/connections/hr/groups/{}/members", ids[group]);
        let members: BTreeSet<String> = all_items(app, &path)
            .await
            .iter()
            .map(|m| names[m["user_id"].as_str().unwrap()].clone())
            .collect();
        if !members.is_empty() {
            all.insert(group, members);
        }
    }
    all
}

async fn setup(app: &TestApp) -> (ScimServer, BTreeMap<&'static str, String>) {
    let server = ScimServer::start(ScimAuth::Bearer(TOKEN)).await;
    app.create_connection(json!({"name": "hr", "provider": "scim", "instance_url": server.base_url,
        "credentials": {"type": "bearer", "token": TOKEN}, "settings": {"max_requests_per_second": 1000}}))
        .await;
    let mut ids = BTreeMap::new();
    for group in GROUPS {
        let created = app
            .post("/v1/connections/hr/groups", json!({"display_name": group}))
            .await;
        assert_eq!(created.status.as_u16(), 201, "{}", created.text);
        ids.insert(group, created.json()["id"].as_str().unwrap().to_owned());
    }
    let reply = app
        .request(
            reqwest::Method::PUT,
            "/v1/connections/hr/rules",
            Some(rules()),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    (server, ids)
}

both_backends! {
    async fn roles_give_exactly_the_memberships_they_say_and_move_people_between_groups(app: TestApp) {
        let (_server, ids) = setup(&app).await;
        let first = plan(&app, json!({"people": people()})).await;
        let totals = &first["totals"];
        assert_eq!(totals["create"], 300, "{totals}");
        let mut departments: BTreeMap<usize, &str> = (0..300).map(|n| (n, department(n))).collect();
        let wanted: usize = expected(&departments).values().map(BTreeSet::len).sum();
        assert_eq!(totals["memberships_added"], wanted, "{totals}");
        assert_eq!(totals["memberships_removed"], 0);
        let run = apply(&app, json!({"mode": "apply", "plan_id": first["plan_id"]})).await;
        assert_eq!(run["status"], "succeeded", "{run}");
        assert_eq!(memberships(&app, &ids).await, expected(&departments));

        let second = plan(&app, json!({"people": people()})).await;
        assert_eq!(second["group_changes"], json!([]), "{}", second["group_changes"]);
        assert_eq!(second["totals"]["unchanged"], 300);

        let mover = 3; // Engineering, Paris, not a manager
        let mut moved = people();
        moved[mover] = person(mover, "Sales");
        departments.insert(mover, "Sales");
        let third = plan(&app, json!({"people": moved})).await;
        let changed: Vec<&Value> = third["items"].as_array().unwrap().iter()
            .filter(|i| i["action"] != "unchanged" || !i["changes"].as_array().unwrap().is_empty())
            .collect();
        assert_eq!(changed.len(), 1, "{changed:?}");
        let fields: BTreeSet<&str> = changed[0]["changes"].as_array().unwrap().iter()
            .map(|c| c["field"].as_str().unwrap()).collect();
        assert_eq!(fields, BTreeSet::from(["department", "groups"]));
        let group_changes: BTreeMap<&str, (usize, usize)> = third["group_changes"].as_array().unwrap().iter()
            .map(|g| (g["group"].as_str().unwrap(), (g["add"].as_array().unwrap().len(), g["remove"].as_array().unwrap().len())))
            .collect();
        assert_eq!(group_changes, BTreeMap::from([("Engineering", (0, 1)), ("Sales", (1, 0)), ("Customer Facing", (1, 0))]));
        apply(&app, json!({"mode": "apply", "plan_id": third["plan_id"]})).await;
        assert_eq!(memberships(&app, &ids).await, expected(&departments));

        // By hand: person 1 (a seller) into Managers (managed) and into Social Club (not).
        let person1 = app.get("/v1/connections/hr/users?user_name=person1@example.com").await.json()["items"][0]["id"]
            .as_str().unwrap().to_owned();
        for group in ["Managers", "Social Club"] {
            let put = app.request(reqwest::Method::PUT,
                &format!("/v1/connections/hr/groups/{}/members/{person1}", ids[group]), None).await;
            assert_eq!(put.status.as_u16(), 204);
        }
        let fourth = plan(&app, json!({"people": moved})).await;
        assert_eq!(fourth["group_changes"].as_array().unwrap().len(), 1, "{}", fourth["group_changes"]);
        assert_eq!(fourth["group_changes"][0]["group"], "Managers");
        assert_eq!(fourth["group_changes"][0]["remove"][0]["user_id"], person1.as_str());
        apply(&app, json!({"mode": "apply", "plan_id": fourth["plan_id"]})).await;
        let mut now = memberships(&app, &ids).await;
        assert!(now.remove("Social Club").unwrap().contains("person1@example.com"), "an unmanaged group is left alone");
        assert_eq!(now, expected(&departments));
    }
}

/// provisio killed (SIGKILL) while it applies membership batches, then
/// restarted: the run finishes, and each membership lands once at the app.
#[tokio::test]
async fn a_membership_apply_interrupted_by_a_crash_lands_each_change_once() {
    use provisio::crypto::KeyRing;

    use crate::{
        helpers::{API_KEY, Backend, TestDb},
        process::Process,
        scim_app::{Options, ScimApp},
        sync::wait_for_run,
    };

    let scim = ScimApp::start(Options::default().bearer_token(TOKEN)).await;
    let group = scim.insert_group(json!({"displayName": "All Staff"}));
    scim.seed_users(60, |n| json!({"userName": format!("person{n}@example.com"), "externalId": format!("E-{n:04}"), "active": true}));
    let db = TestDb::new(Backend::Sqlite).await;
    let keys = KeyRing::generate_entry("roles-k1").unwrap().to_string();
    let data = tempfile::TempDir::new().unwrap();
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("PROVISIO_DATA_DIR", data.path().to_str().unwrap()),
        ("PROVISIO_ENCRYPTION_KEYS", keys.as_str()),
        ("PROVISIO_API_KEYS", API_KEY),
        ("PROVISIO_ALLOW_PRIVATE_NETWORKS", "true"),
        ("PROVISIO_SYNC_LEASE_SECONDS", "3"),
    ];
    let mut first = Process::start(&env).await;
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, url: String, body: Value| {
        client
            .request(method, url)
            .bearer_auth(API_KEY)
            .json(&body)
            .send()
    };
    let created = call(
        reqwest::Method::POST,
        first.url("/v1/connections"),
        json!({"name": "hr", "provider": "scim",
        "instance_url": scim.base_url(), "credentials": {"type": "bearer", "token": TOKEN},
        "settings": {"max_requests_per_second": 5, "member_batch_size": 2}}),
    )
    .await
    .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let rules = json!({"roles": [{"name": "everyone", "groups": ["All Staff"]}]});
    call(
        reqwest::Method::PUT,
        first.url("/v1/connections/hr/rules"),
        rules,
    )
    .await
    .unwrap();
    let people: Vec<Value> = (0..60)
        .map(|n| json!({"external_id": format!("E-{n:04}"), "user_name": format!("person{n}@example.com")}))
        .collect();
    let reply = call(
        reqwest::Method::POST,
        first.url("/v1/connections/hr/sync"),
        json!({"mode": "apply", "people": people}),
    )
    .await
    .unwrap();
    assert_eq!(reply.status().as_u16(), 202);
    let location = reply.headers()["location"].to_str().unwrap().to_owned();

    // Kill it once part of the memberships reached the app.
    tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while scim.member_writes().added < 16 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("memberships start landing");
    first.signal("KILL");
    first.wait().await;
    assert!(scim.member_writes().added < 60, "the crash came mid-run");

    let second = Process::start(&env).await;
    let run = wait_for_run(&second.url(""), &location).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let writes = scim.member_writes();
    assert_eq!(
        (writes.added, writes.added_again),
        (60, 0),
        "each membership landed once"
    );
    let members = scim.group(&group).unwrap()["members"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(members, 60);
}

async fn stand_in(app: &TestApp) -> crate::scim_app::ScimApp {
    crate::app_profiles::stand_in(app, "hr", &[]).await
}

async fn put_rules(app: &TestApp, rules: Value) -> crate::helpers::Reply {
    app.request(
        reqwest::Method::PUT,
        "/v1/connections/hr/rules",
        Some(rules),
    )
    .await
}

fn staff(n: usize, status: &str) -> Value {
    json!({"external_id": format!("E-{n}"), "user_name": format!("p{n}@example.com"),
        "attributes": {"employment_status": status}})
}

both_backends! {
    async fn invalid_roles_are_refused_with_the_path_of_each_fault(app: TestApp) {
        let _scim = stand_in(&app).await;
        let reply = put_rules(&app, json!({
            "roles": [
                {"name": "a", "groups": ["Eng", "eng"]},
                {"name": "a", "when": {"attribute": "department", "equal": "x"}, "groups": []},
                {"groups": ["Ops"], "colour": "red"}
            ],
            "groups": {"create_missing": "yes", "on_deprovision": "delete"}
        }))
        .await;
        reply.assert_problem(422, "validation_failed");
        reply.assert_invalid_fields(&[
            "roles[0].groups[1]",
            "roles[1].when.equal",
            "roles[1].groups",
            "roles[2].colour",
            "roles[2].name",
            "groups.create_missing",
            "groups.on_deprovision",
        ]);
    }

    async fn a_role_naming_a_missing_group_warns_unless_the_run_may_create_it(app: TestApp) {
        let scim = stand_in(&app).await;
        put_rules(&app, json!({"roles": [{"name": "everyone", "groups": ["Newcomers"]}]})).await;
        let people = json!({"people": [staff(1, "active"), staff(2, "active")]});
        let planned = plan(&app, people.clone()).await;
        assert!(planned["warnings"].to_string().contains("no group `Newcomers`"), "{planned}");
        assert_eq!(planned["totals"]["membership_conflicts"], 2, "{}", planned["totals"]);
        assert!(planned["group_changes"][0]["conflict"].is_string());

        put_rules(&app, json!({"roles": [{"name": "everyone", "groups": ["Newcomers"]}],
            "groups": {"create_missing": true}})).await;
        let planned = plan(&app, people.clone()).await;
        assert_eq!(planned["totals"]["groups_created"], 1, "{}", planned["totals"]);
        assert_eq!(planned["totals"]["memberships_added"], 2);
        let run = apply(&app, json!({"mode": "apply", "plan_id": planned["plan_id"]})).await;
        assert_eq!(run["status"], "succeeded", "{run}");
        let groups = scim.groups();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0]["displayName"], "Newcomers");
        assert_eq!(groups[0]["members"].as_array().unwrap().len(), 2);
        let again = plan(&app, people).await;
        assert_eq!(again["group_changes"], json!([]), "{again}");
    }

    async fn leavers_lose_their_managed_groups_when_asked_and_rehires_get_them_back(app: TestApp) {
        let scim = stand_in(&app).await;
        let team = scim.insert_group(json!({"displayName": "Team"}));
        let rules = json!({"roles": [{"name": "everyone", "groups": ["Team"]}],
            "groups": {"on_deprovision": "remove"}});
        put_rules(&app, rules).await;
        let both = json!({"people": [staff(1, "active"), staff(2, "active")]});
        apply(&app, json!({"mode": "apply", "people": both["people"]})).await;
        assert_eq!(scim.group(&team).unwrap()["members"].as_array().unwrap().len(), 2);

        let leaving = json!({"people": [staff(1, "active"), staff(2, "terminated")]});
        let planned = plan(&app, leaving.clone()).await;
        let leaver = planned["items"].as_array().unwrap().iter().find(|i| i["external_id"] == "E-2").unwrap();
        assert_eq!(leaver["action"], "deactivate");
        assert!(leaver["changes"].as_array().unwrap().iter().any(|c| c["field"] == "groups" && c["after"] == json!([])), "{leaver}");
        apply(&app, json!({"mode": "apply", "people": leaving["people"], "force": true})).await;
        assert_eq!(scim.group(&team).unwrap()["members"].as_array().unwrap().len(), 1);

        let back = plan(&app, both.clone()).await;
        let rehire = back["items"].as_array().unwrap().iter().find(|i| i["external_id"] == "E-2").unwrap();
        assert_eq!(rehire["action"], "reactivate");
        assert_eq!(back["totals"]["memberships_added"], 1);
        apply(&app, json!({"mode": "apply", "plan_id": back["plan_id"]})).await;
        assert_eq!(scim.group(&team).unwrap()["members"].as_array().unwrap().len(), 2);
    }

    async fn a_membership_changed_in_the_app_since_the_plan_makes_it_stale(app: TestApp) {
        let scim = stand_in(&app).await;
        let team = scim.insert_group(json!({"displayName": "Team"}));
        put_rules(&app, json!({"roles": [{"name": "everyone", "groups": ["Team"]}]})).await;
        let people = json!({"people": [staff(1, "active"), staff(2, "active")]});
        apply(&app, json!({"mode": "apply", "people": people["people"]})).await;
        let user = scim.users()[0]["id"].as_str().unwrap().to_owned();
        // Someone takes a member out by hand after the plan was made.
        let mut planned = plan(&app, people.clone()).await;
        assert_eq!(planned["group_changes"], json!([]));
        app.delete(&format!("/v1/connections/hr/groups/{team}/members/{user}")).await;
        planned = app.post("/v1/connections/hr/sync", json!({"mode": "apply", "plan_id": planned["plan_id"]})).await.json();
        assert_eq!(planned["code"], "plan_stale", "{planned}");
    }
}

both_backends! {
    async fn apps_that_answer_members_by_user_name_or_need_refs_settle_too(app: TestApp) {
        use crate::scim_app::Quirk;
        let scim = crate::app_profiles::stand_in(&app, "hr", &[Quirk::MembersByUsername, Quirk::RequireMemberRef]).await;
        let team = scim.insert_group(json!({"displayName": "Team"}));
        put_rules(&app, json!({"roles": [{"name": "everyone", "groups": ["Team"]}]})).await;
        let people = json!([staff(1, "active"), staff(2, "active"), staff(3, "active")]);
        let run = apply(&app, json!({"mode": "apply", "people": people})).await;
        assert_eq!(run["status"], "succeeded", "{run}");
        assert_eq!(scim.group(&team).unwrap()["members"].as_array().unwrap().len(), 3);
        let again = plan(&app, json!({"people": people})).await;
        assert_eq!(again["group_changes"], json!([]), "{again}");
        assert_eq!(again["unmanaged_members"], json!([]), "{again}");
    }
}
