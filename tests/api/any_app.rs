//! provisio works with any SCIM app that works at all: the whole users
//! lifecycle and a 150-person sync (plan, apply, a second plan with nothing
//! left to do) against the strict scim2-server and against a stand-in with
//! four bad habits real apps have (it fails with `count`, answers a page past
//! the end with its first page, matches `userName` case-sensitively, and
//! drops `externalId`).

use serde_json::{Value, json};

use crate::{
    app_profiles::{TOKEN, connect_as, stand_in},
    both_backends,
    helpers::TestApp,
    scim_app::{Quirk, ScimApp},
    scim_server::{ScimAuth, ScimServer},
    sync::{apply, people, plan, put_rules},
    users::lifecycle,
};

/// The four habits of the defects seen in the field.
const BAD_HABITS: [Quirk; 4] = [
    Quirk::Count500,
    Quirk::RepeatFirstPage,
    Quirk::CaseSensitiveFilter,
    Quirk::DropExternalId,
];

async fn strict(app: &TestApp) -> ScimServer {
    let server = ScimServer::start(ScimAuth::Bearer(TOKEN)).await;
    connect_as(app, "hr", &server.base_url).await;
    server
}

async fn bent(app: &TestApp) -> ScimApp {
    stand_in(app, "hr", &BAD_HABITS).await
}

/// 150 people planned, applied, and planned again: nothing left to do.
async fn a_sync_settles(app: &TestApp) {
    put_rules(app).await;
    let first = plan(app, json!({"people": people(0..150)})).await;
    assert_eq!(first["totals"]["create"], 150, "{}", first["totals"]);
    let run = apply(app, json!({"mode": "apply", "plan_id": first["plan_id"]})).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["progress"]["done"], 150);
    let second = plan(app, json!({"people": people(0..150)})).await;
    let totals = &second["totals"];
    assert_eq!(totals["unchanged"], 150, "{totals}");
    for action in [
        "create",
        "update",
        "deactivate",
        "reactivate",
        "conflict",
        "orphans",
    ] {
        assert_eq!(totals[action], 0, "{action}: {second}");
    }
}

fn profile_of(connection: &Value) -> &Value {
    &connection["app_profile"]
}

both_backends! {
    async fn the_whole_lifecycle_works_against_an_app_with_four_bad_habits(app: TestApp) {
        let _scim = bent(&app).await;
        lifecycle(&app).await;
        let profile = app.get("/v1/connections/hr").await.json();
        let profile = profile_of(&profile);
        assert_eq!(profile["count_param"], false, "{profile}");
        assert_eq!(profile["filter_ignores_case"], false, "{profile}");
        assert_eq!(profile["keeps_external_id"], false, "{profile}");
    }

    async fn a_150_person_sync_settles_against_scim2_server(app: TestApp) {
        let _server = strict(&app).await;
        a_sync_settles(&app).await;
    }

    async fn a_150_person_sync_settles_against_an_app_with_four_bad_habits(app: TestApp) {
        let scim = bent(&app).await;
        a_sync_settles(&app).await;
        assert_eq!(scim.users().len(), 150, "every person has exactly one account");
    }
}
