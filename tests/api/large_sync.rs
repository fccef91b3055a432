//! A sync too large to hold twice: its people stream in, are kept with the
//! plan in chunks of a thousand, and are read back chunk by chunk when the
//! plan is applied by id; the plan's answer streams out in 64 KiB pieces.
//! Against the in-memory stand-in app, so thousands of accounts are instant.

use serde_json::{Value, json};

use crate::{
    app_profiles::{TOKEN, stand_in},
    both_backends,
    scim_app::{Options, ScimApp},
    sync::wait_for_run,
};

const PEOPLE: usize = 2_500;

fn person(i: usize, title: &str) -> Value {
    json!({"external_id": format!("E-{i}"), "user_name": format!("user{i}@example.com"),
           "title": title, "attributes": {"employment_status": "active"}})
}

both_backends! {
    async fn a_plan_of_thousands_is_kept_in_chunks_and_applied_by_id(app: TestApp) {
        let scim = stand_in(&app, "app", &[]).await;
        scim.seed_users(PEOPLE, |i| {
            json!({"userName": format!("user{i}@example.com"), "externalId": format!("E-{i}"),
                   "title": "Engineer", "active": true})
        });
        // The last person of each chunk of a thousand, and the very last, change title.
        let changed = [999, 1999, PEOPLE - 1];
        let people: Vec<Value> = (0..PEOPLE)
            .map(|i| person(i, if changed.contains(&i) { "Lead" } else { "Engineer" }))
            .collect();

        let reply = app.post("/v1/connections/app/sync", json!({"people": people})).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
        // Hundreds of kilobytes, streamed in pieces: still one JSON document.
        assert!(reply.text.len() > 4 * 64 * 1024, "{} bytes", reply.text.len());
        let plan = reply.json();
        assert_eq!(plan["totals"]["people"], PEOPLE);
        assert_eq!(plan["totals"]["update"], changed.len());
        assert_eq!(plan["items"].as_array().unwrap().len(), PEOPLE);

        // Applied by id alone: the people come back from the stored chunks
        // exactly as planned, or the plan would be refused as stale.
        let reply = app
            .post("/v1/connections/app/sync", json!({"mode": "apply", "plan_id": plan["plan_id"]}))
            .await;
        assert_eq!(reply.status.as_u16(), 202, "{}", reply.text);
        let run = wait_for_run(&app.address, reply.header("location").unwrap()).await;
        assert_eq!(run["progress"]["done"], changed.len(), "{run}");
        let leads: Vec<String> = scim
            .users()
            .iter()
            .filter(|u| u["title"] == "Lead")
            .map(|u| u["externalId"].as_str().unwrap().to_owned())
            .collect();
        let mut expected: Vec<String> = changed.iter().map(|i| format!("E-{i}")).collect();
        let mut leads = leads;
        leads.sort();
        expected.sort();
        assert_eq!(leads, expected);

        // The same people sent with the plan id must be what was planned.
        let other: Vec<Value> = (0..PEOPLE).map(|i| person(i, "Engineer")).collect();
        let planned = app.post("/v1/connections/app/sync", json!({"people": other})).await.json();
        let mut sent = other.clone();
        sent[PEOPLE - 1]["title"] = json!("Head");
        let reply = app
            .post("/v1/connections/app/sync", json!({"mode": "apply", "plan_id": planned["plan_id"], "people": sent}))
            .await;
        reply.assert_problem(409, "plan_stale");
    }

    async fn a_run_of_thousands_of_items_is_answered_whole_and_in_order(app: TestApp) {
        // More items than one page of the answer (1,000), on a connection
        // whose budget lets them through quickly.
        const HIRES: usize = 1_100;
        let scim = ScimApp::start(Options::default().bearer_token(TOKEN)).await;
        app.create_connection(json!({"name": "app", "provider": "scim", "instance_url": scim.base_url(),
            "credentials": {"type": "bearer", "token": TOKEN},
            "settings": {"max_requests_per_second": 1000, "max_concurrency": 16}}))
            .await;
        let people: Vec<Value> = (0..HIRES).map(|i| person(i, "Engineer")).collect();
        let reply = app
            .post("/v1/connections/app/sync", json!({"mode": "apply", "people": people}))
            .await;
        assert_eq!(reply.status.as_u16(), 202, "{}", reply.text);
        let location = reply.header("location").unwrap().to_owned();
        wait_for_run(&app.address, &location).await;

        let run = app.get(&location).await;
        assert_eq!(run.status.as_u16(), 200, "{}", run.text);
        let run = run.json();
        assert_eq!(run["progress"]["done"], HIRES, "{}", run["progress"]);
        let items = run["items"].as_array().unwrap();
        let seqs: Vec<u64> = items.iter().map(|i| i["seq"].as_u64().unwrap()).collect();
        assert_eq!(seqs, (0..HIRES as u64).collect::<Vec<_>>());
        let mut hired: Vec<&str> = items.iter().map(|i| i["external_id"].as_str().unwrap()).collect();
        hired.sort_unstable();
        let mut expected: Vec<String> = (0..HIRES).map(|i| format!("E-{i}")).collect();
        expected.sort_unstable();
        assert_eq!(hired, expected);
        assert!(items.iter().all(|i| i["status"] == "done" && i["action"] == "create"));
        assert_eq!(scim.users().len(), HIRES);
    }
}
