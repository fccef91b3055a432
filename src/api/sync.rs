//! Hire-to-retire sync: a connection's rules, plans worked out from the people
//! an HR system sends, and the runs that apply them.

use axum::{
    Json,
    extract::{FromRequestParts, Path, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    AppState,
    error::{ApiError, ErrorCode, Result},
    extract::{ApiJson, ApiQuery, ConnectionRef, LargeJson},
    openapi::responses as r,
    pagination::{self, PageQuery},
    streamed::{self, StreamedJson},
};
use crate::{
    domain::{
        Action, Caller, Change, ConnectionKey, ItemChange, ItemFilter, ItemStatus, MatchKey,
        People, Person, Rules, RunStatus, SyncItem,
    },
    service::sync::{
        Deprovision, GroupChange, Orphan, RunState, StoredPlan, SyncRequest, Totals,
        UnmanagedMember,
    },
};

const LISTING: &str = "sync-runs";
const ITEM_LISTING: &str = "sync-run-items";
/// Items read at a time for `GET /v1/sync-runs/{run_id}`.
const RUN_ITEM_PAGE: u32 = 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(sync))
        .routes(routes!(list_runs))
        .routes(routes!(get_run))
        .routes(routes!(list_run_items))
}

/// What to do with the people sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// Work out and keep a plan; change nothing.
    #[default]
    Plan,
    /// Apply a plan (`plan_id`), or work one out and apply it at once.
    Apply,
}

/// A sync request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncBody {
    /// Everyone who should have an account, keyed by `external_id`; managed
    /// accounts of people missing here are deprovisioned. Required to plan;
    /// with `plan_id` optional, and if sent must be what was planned.
    // Read one person at a time as the body streams in.
    #[schema(value_type = Option<Vec<Person>>)]
    people: Option<People>,
    /// `plan` (default) or `apply`.
    #[serde(default)]
    mode: SyncMode,
    /// Apply exactly this plan (mode `apply` only); refused with `plan_stale`
    /// if the app, the managed accounts, the rules or the input changed since.
    plan_id: Option<Uuid>,
    /// What happens to leavers' accounts: `deactivate` (default) or `none`
    /// (reported only). With `plan_id`, the plan's; if sent, it must be the same.
    deprovision: Option<Deprovision>,
    /// Also deprovision accounts provisio does not manage: orphans (no person
    /// claims them) and accounts matched to a leaver. Off by default: they are
    /// only reported. With `plan_id`, the plan's; if sent, it must be the same.
    adopt: Option<bool>,
    /// Apply even when the plan deprovisions more than the connection's limit.
    #[serde(default)]
    force: bool,
}

/// One person or account in a plan.
#[derive(Serialize, ToSchema)]
pub struct PlanItemOut {
    action: Action,
    /// The person's key (for accounts nobody claims, the account's own, if any).
    external_id: Option<String>,
    /// The account in the app (none for `create`).
    user_id: Option<String>,
    user_name: Option<String>,
    /// Field by field, what the app has and what it will have (`update`, `reactivate`, `deactivate`).
    changes: Vec<Change>,
    /// Why: the conflict, the deprovision reason, or why nothing happens.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// A plan: what applying it would do. Keep `plan_id` to apply exactly this.
#[derive(Serialize, ToSchema)]
pub struct PlanOut {
    plan_id: Uuid,
    connection_id: Uuid,
    /// After this, the plan cannot be applied; plan again.
    expires_at: DateTime<Utc>,
    totals: Totals,
    /// What to know before applying: why it would be refused unless forced
    /// (the deprovision limit), a role naming a group the app lacks, how the
    /// app bends the standard.
    warnings: Vec<String>,
    items: Vec<PlanItemOut>,
    /// Accounts in the app that provisio does not manage and no person claims:
    /// left alone unless `adopt: true`.
    orphans: Vec<Orphan>,
    /// Per managed group (the groups the roles name), the memberships
    /// applying adds and removes.
    group_changes: Vec<GroupChange>,
    /// Accounts provisio does not manage found in managed groups: left
    /// alone unless `adopt: true`.
    unmanaged_members: Vec<UnmanagedMember>,
}

impl From<StoredPlan> for PlanOut {
    fn from(stored: StoredPlan) -> Self {
        Self {
            plan_id: stored.plan_id,
            connection_id: stored.connection_id,
            expires_at: stored.expires_at,
            totals: stored.plan.totals,
            warnings: stored
                .warnings
                .into_iter()
                .chain(stored.plan.warnings)
                .collect(),
            items: stored
                .plan
                .items
                .into_iter()
                .map(|item| PlanItemOut {
                    action: item.action,
                    external_id: item.external_id,
                    user_id: item.user_id,
                    user_name: item.user_name,
                    changes: item.changes,
                    reason: item.reason,
                })
                .collect(),
            orphans: stored.plan.orphans,
            group_changes: stored.plan.group_changes,
            unmanaged_members: stored.plan.unmanaged_members,
        }
    }
}

/// Item counts by status.
#[derive(Serialize, ToSchema)]
pub struct Progress {
    total: i64,
    pending: i64,
    running: i64,
    done: i64,
    failed: i64,
}

/// One change of a run and how it ended.
#[derive(Serialize, ToSchema)]
pub struct RunItemOut {
    seq: i32,
    action: Action,
    external_id: Option<String>,
    user_id: Option<String>,
    user_name: Option<String>,
    /// The group, for `create_group`, `add_members` and `remove_members`.
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    /// How many members the batch adds or removes.
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<usize>,
    status: ItemStatus,
    /// Times an instance took the item (more than 1 after a crash or a lapsed lease).
    attempts: i32,
    #[schema(value_type = Option<ErrorCode>)]
    error_code: Option<String>,
    error_detail: Option<String>,
    updated_at: DateTime<Utc>,
}

impl From<SyncItem> for RunItemOut {
    fn from(row: SyncItem) -> Self {
        let (group, members) = match &row.change {
            ItemChange::CreateGroup(group) => (Some(group.display_name.clone()), None),
            ItemChange::AddMembers(batch) | ItemChange::RemoveMembers(batch) => (
                Some(batch.group.display_name.clone()),
                Some(batch.members.len()),
            ),
            _ => (None, None),
        };
        Self {
            group,
            members,
            seq: row.seq,
            action: row.change.action(),
            external_id: row.external_id,
            user_id: row.user_id,
            user_name: row.user_name,
            status: row.status,
            attempts: row.attempts,
            error_code: row.error_code,
            error_detail: row.error_detail,
            updated_at: row.updated_at,
        }
    }
}

/// A sync run: a plan being applied, item by item.
#[derive(Serialize, ToSchema)]
pub struct SyncRunOut {
    run_id: Uuid,
    connection_id: Uuid,
    /// The plan applied, when one was named.
    plan_id: Option<Uuid>,
    status: RunStatus,
    /// The plan's totals.
    #[schema(value_type = Totals)]
    totals: Value,
    progress: Progress,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    /// The changes (`GET /v1/sync-runs/{run_id}` only).
    // Always `None` here: that answer writes them after the run's other
    // fields, read a page at a time (`streamed::paged_object`).
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<Vec<RunItemOut>>,
}

impl SyncRunOut {
    /// The run without its items (`GET /v1/sync-runs/{run_id}` writes them after it).
    fn new(state: RunState) -> Self {
        let counts = state.counts;
        let progress = Progress {
            total: counts.total(),
            pending: counts.pending,
            running: counts.running,
            done: counts.done,
            failed: counts.failed,
        };
        Self {
            run_id: state.run.run_id,
            connection_id: state.run.connection_id,
            plan_id: state.run.plan_id,
            status: state.status(),
            totals: state.run.totals,
            progress,
            created_at: state.run.created_at,
            finished_at: state.run.finished_at,
            items: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SyncRunList {
    items: Vec<SyncRunOut>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SyncRunItemList {
    items: Vec<RunItemOut>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// Filters and paging for a run's items.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// Only items in this status, e.g. `failed`.
    status: Option<ItemStatus>,
    /// Only items of this action.
    action: Option<Action>,
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

/// Filters and paging for runs.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// Only runs for this connection (id or name).
    connection: Option<String>,
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

/// A rules document as sent; every part is optional and takes its default when omitted.
///
/// An eligibility condition is `{"all": [..]}`, `{"any": [..]}`, `{"not": {..}}`,
/// or a test `{"attribute": "<path>", "<op>": <value>}` with `<op>` one of
/// `equals`, `not_equals`, `in` (an array), `contains`, `starts_with`, `exists`
/// (a boolean). Paths read the person: `department`, `name.given_name`,
/// `attributes.location`. A mapping rule is `{"from": "<path>"}`,
/// `{"value": <constant>}` or `{"template": "{given_name}.{family_name}@example.com"}`,
/// with an optional `"transform"` of `lower`, `upper` or `trim`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // only its schema is used: the document is parsed by `Rules::parse`
pub struct RulesInput {
    /// Who should have an account; absent means everyone sent.
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    eligibility: Option<Value>,
    /// `attributes.employment_status` values that mean the person is leaving (default `["terminated"]`).
    leaving_statuses: Option<Vec<String>>,
    /// Target field → rule. Targets are listed per provider in `GET /v1/providers` (`mappable_fields`).
    #[schema(value_type = Option<HashMap<String, HashMap<String, serde_json::Value>>>)]
    mapping: Option<Value>,
    /// How existing accounts are matched, in order (default `external_id`, `user_name`, `email`).
    #[schema(min_items = 1)]
    match_order: Option<Vec<MatchKey>>,
    /// More deprovisions than this in one run need `force: true` (default 10 percent or 50).
    deprovision_limit: Option<LimitInput>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // only its schema is used
pub struct LimitInput {
    #[schema(minimum = 0, maximum = 100)]
    percent: Option<u32>,
    // Any u32 is taken: int32, the derive's format for u32, would promise less.
    #[schema(format = Int64, minimum = 0, maximum = 4_294_967_295_u64)]
    count: Option<u32>,
}

/// The `{run_id}` path segment; anything but a UUID is a run that does not exist.
pub struct RunRef(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for RunRef {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let not_found = || ApiError::new(ErrorCode::SyncRunNotFound, "no sync run has this id");
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        params
            .iter()
            .find(|(name, _)| name == "run_id")
            .and_then(|(_, value)| Uuid::parse_str(value).ok())
            .map(RunRef)
            .ok_or_else(not_found)
    }
}

/// Get a connection's sync rules (the defaults until some are set).
#[utoipa::path(
    get, path = "/connections/{connection}/rules", tag = "sync",
    params(("connection" = String, Path, description = "The connection's id or name")),
    responses(
        (status = 200, description = "The rules in force", body = Rules),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::ConnectionNotFound),
    )
)]
async fn get_rules(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
) -> Result<Json<Rules>> {
    Ok(Json(state.sync.rules(&key).await?))
}

/// Replace a connection's sync rules: eligibility, leaving statuses, attribute
/// mapping, match order and the deprovision limit. Omitted parts take their defaults.
#[utoipa::path(
    put, path = "/connections/{connection}/rules", tag = "sync",
    params(("connection" = String, Path, description = "The connection's id or name")),
    request_body = RulesInput,
    responses(
        (status = 200, description = "The rules now in force", body = Rules),
        (status = 400, response = r::MalformedJson),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::ConnectionNotFound),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::ValidationFailed),
    )
)]
async fn put_rules(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    ApiJson(document): ApiJson<Value>,
) -> Result<Json<Rules>> {
    Ok(Json(state.sync.set_rules(&key, &document).await?))
}

/// Plan, or apply, the difference between the people sent and the app's accounts.
///
/// `mode: plan` (the default) answers 200 with the plan and changes nothing.
/// `mode: apply` answers 202 with a queued run (`Location: /v1/sync-runs/{id}`);
/// with `plan_id` it applies exactly that plan.
#[utoipa::path(
    post, path = "/connections/{connection}/sync", tag = "sync",
    params(("connection" = String, Path, description = "The connection's id or name")),
    request_body = SyncBody,
    responses(
        (status = 200, description = "The plan (`mode: plan`)", body = PlanOut),
        (status = 202, description = "The run applying the plan (`mode: apply`)", body = SyncRunOut,
            headers(("location" = String, description = "URL of the run"))),
        (status = 400, response = r::MalformedJson),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::PlanNotFound),
        (status = 409, response = r::SyncConflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn sync(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    LargeJson(body): LargeJson<SyncBody>,
) -> Result<Response> {
    if body.mode == SyncMode::Plan && body.plan_id.is_some() {
        return Err(ApiError::field(
            "plan_id",
            "applies a stored plan: send it with `mode: apply`",
        ));
    }
    let request = SyncRequest {
        people: body.people,
        deprovision: body.deprovision,
        adopt: body.adopt,
        force: body.force,
        plan_id: body.plan_id,
    };
    match body.mode {
        SyncMode::Plan => {
            let plan = state.sync.plan(&key, &caller, &request).await?;
            // The people are kept with the plan; the answer need not wait beside them.
            drop(request);
            Ok(StreamedJson(PlanOut::from(plan)).into_response())
        }
        SyncMode::Apply => {
            let run = state.sync.apply(&key, &caller, &request).await?;
            let location = format!("/v1/sync-runs/{}", run.run.run_id);
            Ok((
                StatusCode::ACCEPTED,
                [(header::LOCATION, location)],
                Json(SyncRunOut::new(run)),
            )
                .into_response())
        }
    }
}

/// List sync runs, newest first.
#[utoipa::path(
    get, path = "/sync-runs", tag = "sync",
    params(RunQuery),
    responses(
        (status = 200, description = "A page of runs (without their items)", body = SyncRunList),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::ConnectionNotFound),
        (status = 422, response = r::ValidationFailed),
    )
)]
async fn list_runs(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RunQuery>,
) -> Result<Json<SyncRunList>> {
    let paging = PageQuery {
        page_size: query.page_size,
        cursor: query.cursor,
    };
    let limit = paging.limit()?;
    let before: Option<(DateTime<Utc>, Uuid)> = paging.position(LISTING)?;
    let connection = match query.connection.as_deref() {
        None => None,
        Some(segment) => Some(
            ConnectionKey::parse(segment)
                .ok_or_else(|| super::extract::not_found_connection(segment))?,
        ),
    };
    let runs = state
        .sync
        .runs(connection.as_ref(), before, limit + 1)
        .await?;
    let (runs, next_cursor) =
        pagination::page(runs, limit, LISTING, |r| (r.run.created_at, r.run.run_id));
    Ok(Json(SyncRunList {
        items: runs.into_iter().map(SyncRunOut::new).collect(),
        next_cursor,
    }))
}

/// Get a sync run: status, progress and every item's outcome.
#[utoipa::path(
    get, path = "/sync-runs/{run_id}", tag = "sync",
    params(("run_id" = Uuid, Path, description = "The run's id")),
    responses(
        (status = 200, description = "The run", body = SyncRunOut),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
    )
)]
async fn get_run(State(state): State<AppState>, RunRef(run_id): RunRef) -> Result<Response> {
    let run = SyncRunOut::new(state.sync.summary(run_id).await?);
    // The items are read and written a page at a time: a run of 100,000 is
    // never held whole, as rows or as JSON.
    let deadline = tokio::time::Instant::now() + state.http.request_timeout;
    let first = state.sync.item_page(run_id, None, RUN_ITEM_PAGE).await?;
    let sync = state.sync.clone();
    let next = move |last: &SyncItem| {
        let (sync, after) = (sync.clone(), last.seq);
        async move { sync.item_page(run_id, Some(after), RUN_ITEM_PAGE).await }
    };
    Ok(streamed::paged_object::<_, _, RunItemOut, _, _, _>(
        &run,
        "items",
        (first, next),
        deadline,
    ))
}

/// List a run's items in order, a page at a time, optionally only those in one
/// status (`failed`, say) or of one action: what a frontend watching a large run
/// reads instead of the whole run.
#[utoipa::path(
    get, path = "/sync-runs/{run_id}/items", tag = "sync",
    params(("run_id" = Uuid, Path, description = "The run's id"), ItemQuery),
    responses(
        (status = 200, description = "A page of the run's items, in order", body = SyncRunItemList),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::ValidationFailed),
    )
)]
async fn list_run_items(
    State(state): State<AppState>,
    RunRef(run_id): RunRef,
    ApiQuery(query): ApiQuery<ItemQuery>,
) -> Result<Json<SyncRunItemList>> {
    let paging = PageQuery {
        page_size: query.page_size,
        cursor: query.cursor,
    };
    let limit = paging.limit()?;
    let after: Option<(Uuid, i32)> = paging.position(ITEM_LISTING)?;
    if after.is_some_and(|(run, _)| run != run_id) {
        return Err(ApiError::field("cursor", "belongs to another run's items"));
    }
    let filter = ItemFilter {
        status: query.status,
        action: query.action,
        after_seq: after.map(|(_, seq)| seq),
        limit: Some(limit + 1),
    };
    let items = state.sync.run_items(run_id, &filter).await?;
    let (items, next_cursor) =
        pagination::page(items, limit, ITEM_LISTING, |item| (run_id, item.seq));
    Ok(Json(SyncRunItemList {
        items: items.into_iter().map(RunItemOut::from).collect(),
        next_cursor,
    }))
}
