//! The problem each service failure answers.

use serde_json::{Value, json};
use uuid::Uuid;

use super::*;

async fn problem(error: ServiceError) -> Value {
    let response = ApiError::from(error).into_response();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    serde_json::from_slice(&body).unwrap()
}

fn on(field: &str, message: &str) -> Value {
    json!([{"field": field, "message": message}])
}

/// The bodies as they were when each variant was mapped by hand here.
#[tokio::test]
async fn each_service_failure_answers_its_problem() {
    let run = Uuid::nil();
    let cases = [
        (
            ServiceError::ConnectionNotFound,
            404,
            "connection_not_found",
            "no such connection".to_owned(),
            Value::Null,
        ),
        (
            ServiceError::ConnectionExists,
            409,
            "connection_exists",
            "another connection already has this name".into(),
            on("name", "is already taken"),
        ),
        (
            ServiceError::ConcurrentModification,
            409,
            "concurrent_modification",
            "the connection was changed by another request meanwhile; retry".into(),
            Value::Null,
        ),
        (
            ServiceError::InstanceUrlForbidden("a private address".into()),
            422,
            "instance_url_forbidden",
            "instance_url is not allowed: a private address".into(),
            on("instance_url", "a private address"),
        ),
        (
            ServiceError::Unsupported("deactivate instead".into()),
            422,
            "unsupported_operation",
            "deactivate instead".into(),
            Value::Null,
        ),
        (
            ServiceError::PlanNotFound,
            404,
            "plan_not_found",
            "no plan with this id for this connection; plans expire, so plan again".into(),
            on("plan_id", "is not a plan of this connection"),
        ),
        (
            ServiceError::PlanStale("the plan expired".into()),
            409,
            "plan_stale",
            "the plan expired".into(),
            on("plan_id", "is stale"),
        ),
        (
            ServiceError::PlanApplied,
            409,
            "plan_stale",
            "the plan was already applied; see GET /v1/sync-runs, or plan again".into(),
            on("plan_id", "is stale"),
        ),
        (
            ServiceError::DeprovisionThreshold("too many".into()),
            409,
            "deprovision_threshold",
            "too many".into(),
            Value::Null,
        ),
        (
            ServiceError::SyncRunNotFound,
            404,
            "sync_run_not_found",
            "no sync run has this id".into(),
            Value::Null,
        ),
        (
            ServiceError::SyncInProgress("queued at the same moment".into()),
            409,
            "sync_in_progress",
            "queued at the same moment".into(),
            Value::Null,
        ),
        (
            ServiceError::RunInProgress(run),
            409,
            "sync_in_progress",
            format!(
                "run {run} is still applying changes to this connection; wait for it to finish (GET /v1/sync-runs/{run}), then plan again"
            ),
            Value::Null,
        ),
        (
            ServiceError::Invalid(FieldError::new("name", "is too long").into()),
            422,
            "validation_failed",
            "`name` is too long".into(),
            on("name", "is too long"),
        ),
    ];
    for (error, status, code, detail, errors) in cases {
        let body = problem(error).await;
        assert_eq!(body["status"], status, "{body}");
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["detail"], detail, "{body}");
        assert_eq!(body["errors"], errors, "{body}");
    }
}

#[tokio::test]
async fn internal_failures_answer_an_opaque_500() {
    for error in [
        ServiceError::Aborted("the task panicked".into()),
        ServiceError::Unreadable("a sync item with an unknown action `x`".into()),
    ] {
        let body = problem(error).await;
        assert_eq!(body["status"], 500);
        assert_eq!(body["code"], "internal");
        assert!(!body["detail"].as_str().unwrap().contains("task"), "{body}");
    }
}
