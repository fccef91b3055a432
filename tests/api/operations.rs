//! The operation log: every provisioning call recorded, filterable, paginated,
//! without secrets or bodies, and pruned by retention.

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_partial_json, method, path},
};

use crate::{both_backends, helpers::TestApp};

const TOKEN: &str = "wp-token-secret-0123456789";

async fn seeded(app: &TestApp) -> MockServer {
    let mock = MockServer::start().await;
    for (i, name) in ["ada", "grace", "katherine"].iter().enumerate() {
        Mock::given(method("POST"))
            .and(path("/Users"))
            .and(body_partial_json(
                json!({"userName": format!("{name}@example.com")}),
            ))
            .respond_with(ResponseTemplate::new(201).set_body_json(
                json!({"id": format!("u{i}"), "userName": format!("{name}@example.com")}),
            ))
            .mount(&mock)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/Users"))
        .and(body_partial_json(json!({"userName": "taken@example.com"})))
        .respond_with(
            ResponseTemplate::new(409).set_body_json(
                json!({"status": "409", "scimType": "uniqueness", "detail": "taken"}),
            ),
        )
        .mount(&mock)
        .await;
    app.create_connection(
        json!({"name": "wp", "provider": "workplace", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": TOKEN}}),
    )
    .await;
    for name in ["ada", "grace", "katherine", "taken"] {
        app.post(
            "/v1/connections/wp/users",
            json!({"user_name": format!("{name}@example.com"), "title": "secret-title-value"}),
        )
        .await;
    }
    mock
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["user_name"].as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn every_write_is_recorded_newest_first(app: TestApp) {
        let _mock = seeded(&app).await;
        let log = app.get("/v1/operations").await;
        assert_eq!(names(&log.json()), ["taken@example.com", "katherine@example.com", "grace@example.com", "ada@example.com"]);
        let failed = &log.json()["items"][0];
        assert_eq!(failed["operation"], "create_user");
        assert_eq!(failed["outcome"], "failure");
        assert_eq!(failed["error_code"], "user_exists");
        assert_eq!(failed["provider_status"], 409);
        assert_eq!(failed["connection_name"], "wp");
        assert!(failed["duration_ms"].is_i64());
        for secret in [TOKEN, "secret-title-value"] {
            assert!(!log.text.contains(secret), "the log holds no secrets and no bodies");
        }
    }

    async fn the_log_filters_by_connection_user_and_outcome(app: TestApp) {
        let _mock = seeded(&app).await;
        let connection_id = app.get("/v1/connections/wp").await.json()["id"].as_str().unwrap().to_owned();
        assert_eq!(names(&app.get("/v1/operations?outcome=failure").await.json()), ["taken@example.com"]);
        assert_eq!(names(&app.get("/v1/operations?user_name=GRACE@example.com").await.json()), ["grace@example.com"]);
        assert_eq!(names(&app.get("/v1/operations?user_id=u0").await.json()), ["ada@example.com"]);
        assert_eq!(app.get("/v1/operations?connection=wp").await.json()["items"].as_array().unwrap().len(), 4);
        assert_eq!(app.get(&format!("/v1/operations?connection={connection_id}")).await.json()["items"].as_array().unwrap().len(), 4);
        assert_eq!(app.get("/v1/operations?connection=other").await.json()["items"], json!([]));
        assert_eq!(app.get("/v1/operations?from=2999-01-01T00:00:00Z").await.json()["items"], json!([]));
        assert_eq!(app.get("/v1/operations?to=2000-01-01T00:00:00Z").await.json()["items"], json!([]));
        assert_eq!(app.get("/v1/operations?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z").await.json()["items"].as_array().unwrap().len(), 4);
        app.get("/v1/operations?outcome=maybe").await.assert_invalid_fields(&["outcome"]);
        app.get("/v1/operations?from=yesterday").await.assert_invalid_fields(&["from"]);
        app.get("/v1/operations?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z").await.assert_invalid_fields(&["from"]);
    }

    async fn the_log_pages_with_a_cursor(app: TestApp) {
        let _mock = seeded(&app).await;
        let first = app.get("/v1/operations?page_size=3").await.json();
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = app.get(&format!("/v1/operations?page_size=3&cursor={cursor}")).await.json();
        assert_eq!(names(&first).len(), 3);
        assert_eq!(names(&second), ["ada@example.com"]);
        assert_eq!(second["next_cursor"], Value::Null);
    }

    async fn old_entries_are_pruned_by_retention(app: TestApp) {
        let _mock = seeded(&app).await;
        let old = if app.db.backend == crate::helpers::Backend::Postgres {
            "now() - interval '100 days'".to_owned()
        } else {
            "'2000-01-01T00:00:00.000000Z'".to_owned()
        };
        app.db.execute(&format!("update operation set created_at = {old} where user_id = 'u0'")).await;
        let store = provisio::store::connect(&secrecy::SecretString::from(app.db.url.clone()), &Default::default()).await.unwrap();
        let log = provisio::service::OperationService::new(store, None);
        let pruned = log.prune(std::time::Duration::from_secs(90 * 86_400), chrono::Utc::now()).await.unwrap();
        assert_eq!(pruned, 1);
        assert_eq!(app.get("/v1/operations").await.json()["items"].as_array().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn a_date_without_a_time_is_refused_as_not_rfc_3339() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let reply = app.get("/v1/operations?from=2026-11-24").await;
    let problem = reply.assert_problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "from");
    assert_eq!(
        problem["errors"][0]["message"],
        "must be an RFC 3339 date-time, e.g. 2026-11-24T00:00:00Z"
    );
}
