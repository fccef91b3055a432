//! A database that answers but cannot write (a full disk): readiness says so,
//! and a call the app carried out is recorded once the database takes writes
//! again, never silently lost. The full disk is played by triggers that fail
//! every write to the tables concerned, the way a full disk fails them.

use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::{
    both_backends,
    helpers::{Backend, TestApp},
};

const TABLES: [&str; 3] = ["operation", "managed_user", "readiness"];

async fn fill_the_disk(app: &TestApp) {
    let sql = match app.db.backend {
        Backend::Postgres => {
            let mut sql = "create function disk_full() returns trigger language plpgsql as $$ \
                begin raise exception 'could not extend file: No space left on device' \
                using errcode = 'disk_full'; end $$;"
                .to_owned();
            for table in TABLES {
                sql += &format!(
                    "create trigger full_{table} before insert or update or delete on {table} \
                     for each row execute function disk_full();"
                );
            }
            sql
        }
        Backend::Sqlite => TABLES
            .iter()
            .flat_map(|table| {
                ["insert", "update", "delete"].map(|what| {
                    format!(
                        "create trigger full_{table}_{what} before {what} on {table} \
                         begin select raise(abort, 'database or disk is full'); end;"
                    )
                })
            })
            .collect(),
    };
    app.db.execute(&sql).await;
}

async fn free_the_disk(app: &TestApp) {
    let sql = match app.db.backend {
        Backend::Postgres => "drop function disk_full() cascade;".to_owned(),
        Backend::Sqlite => TABLES
            .iter()
            .flat_map(|table| {
                ["insert", "update", "delete"]
                    .map(|what| format!("drop trigger full_{table}_{what};"))
            })
            .collect(),
    };
    app.db.execute(&sql).await;
}

/// The value of the metric line starting with `name`, if any.
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
}

both_backends! {
    async fn a_full_disk_makes_provisio_unready_and_loses_no_record(app: TestApp) {
        let mock = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/Users"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": "u1", "userName": "ada@example.com", "externalId": "e-1", "active": true
            })))
            .mount(&mock)
            .await;
        app.create_connection(json!({"name": "c", "provider": "scim", "instance_url": mock.uri(),
            "credentials": {"type": "bearer", "token": "scim-token-0123456"}}))
            .await;
        assert_eq!(app.get("/readyz").await.status, 200);

        fill_the_disk(&app).await;
        app.get("/readyz").await.assert_problem(503, "not_ready");
        // The app creates the account whatever provisio's disk holds.
        let created = app
            .post("/v1/connections/c/users", json!({"user_name": "ada@example.com", "external_id": "e-1"}))
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let metrics = app.get("/metrics").await.text;
        assert_eq!(metric(&metrics, "provisio_deferred_writes "), Some(2.0), "{metrics}");
        assert_eq!(app.db.count("select count(*) from managed_user").await, 0);

        free_the_disk(&app).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let waiting = metric(&app.get("/metrics").await.text, "provisio_deferred_writes ");
            if waiting == Some(0.0) {
                break;
            }
            assert!(Instant::now() < deadline, "records still waiting: {waiting:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(app.get("/readyz").await.status, 200);
        let log = app.get("/v1/operations?user_id=u1").await.json();
        let entries = log["items"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{log}");
        assert_eq!(entries[0]["user_id"], "u1");
        assert_eq!(entries[0]["outcome"], "success");
        assert_eq!(
            app.db.count("select count(*) from managed_user where provider_user_id = 'u1'").await,
            1,
            "the account is linked as managed"
        );
    }
}
