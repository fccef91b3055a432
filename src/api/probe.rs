//! `POST /v1/connections/{connection}/test`: the connection test, a
//! conformance probe of the app whose findings become its app profile.

use std::time::Instant;

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    AppState,
    error::{ErrorCode, Result},
    extract::{ConnectionRef, OptionalJson},
    openapi::responses as r,
};
use crate::{
    domain::{AppProfile, Caller},
    service::Check,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(test_connection))
}

/// What to try. The body may be left out.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestOptions {
    /// Also create a throwaway user (`provisio-probe-<random>`, with an
    /// externalId), change it, and remove it again (delete, or deactivate
    /// where provisio does not delete users in the app), to see what writes do.
    #[serde(default)]
    write: bool,
}

/// The result of testing a connection.
#[derive(Serialize, ToSchema)]
pub struct TestReport {
    /// Whether every check passed.
    ok: bool,
    /// Whether provisio can work with the app: it was reached, accepted the
    /// credentials and listed users (checks the app fails after that are
    /// adapted to; see each check's `consequence`).
    usable: bool,
    checks: Vec<CheckOut>,
    /// How the app behaves, as provisio now knows it (stored on the connection
    /// as its `app_profile` and used by every call).
    app_profile: AppProfile,
    /// Wall time of all checks, in milliseconds.
    latency_ms: u64,
}

#[derive(Serialize, ToSchema)]
pub struct CheckOut {
    /// `reach`, `authenticate`, `list_users`, `service_provider_config`,
    /// `count_parameter`, `filter`, `filter_case`, `paging`, `page_size`,
    /// `groups`; with `write`: `create`, `location`, `external_id`,
    /// `patch_answer`, `etag`, `patch_attributes`, `cleanup`.
    name: &'static str,
    ok: bool,
    /// What was found, for a person to act on.
    detail: String,
    /// The error code the failure would have as an API error.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<ErrorCode>,
    /// What the finding costs and how provisio adapts, where the app bends the standard.
    #[serde(skip_serializing_if = "Option::is_none")]
    consequence: Option<String>,
}

impl From<Check> for CheckOut {
    fn from(check: Check) -> Self {
        Self {
            name: check.name,
            ok: check.ok,
            detail: check.detail,
            code: check.code,
            consequence: check.consequence,
        }
    }
}

/// The checks without which provisio cannot work with an app.
const ESSENTIAL: [&str; 3] = ["reach", "authenticate", "list_users"];

/// Test a connection: reach the app, authenticate, list users, read its
/// ServiceProviderConfig, and probe what it really does (`count`, filters and
/// their case, paging, page sizes, Groups); with `write: true`, also with a
/// throwaway user. What is found is stored as the connection's `app_profile`.
/// A failing app is reported in the body (`ok: false`), not as an error of provisio's.
#[utoipa::path(
    post, path = "/connections/{connection}/test", tag = "connections",
    params(("connection" = String, Path, description = "The connection's id or name")),
    request_body(content = Option<TestOptions>, description = "Optional; `{\"write\": true}` to probe writes too"),
    responses(
        (status = 200, description = "What each check found", body = TestReport),
        (status = 400, response = r::MalformedJson),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::ConnectionNotFound),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::ValidationFailed),
    )
)]
async fn test_connection(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    OptionalJson(options): OptionalJson<TestOptions>,
) -> Result<Json<TestReport>> {
    let started = Instant::now();
    let write = options.unwrap_or_default().write;
    let report = state.users.probe(&key, &caller, write).await?;
    let checks: Vec<CheckOut> = report.checks.into_iter().map(CheckOut::from).collect();
    let usable = ESSENTIAL
        .iter()
        .all(|name| checks.iter().any(|c| c.name == *name && c.ok));
    Ok(Json(TestReport {
        ok: checks.iter().all(|c| c.ok),
        usable,
        checks,
        app_profile: report.profile,
        latency_ms: started.elapsed().as_millis() as u64,
    }))
}
