//! `/v1/connections/{connection}/groups`: one groups API for every app that
//! has SCIM Groups, and who is in them.

use axum::{
    Json,
    extract::{FromRequestParts, Path, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    AppState,
    error::{ApiError, ErrorCode, Result},
    extract::{ApiJson, ApiQuery, ConnectionRef},
    openapi::responses as r,
    pagination::{self, PageQuery},
};
use crate::{
    domain::{Caller, Group, GroupPatch, Member, MembershipChange, MembershipResult, NewGroup},
    service::GroupQuery,
};

const LISTING: &str = "groups";
const MEMBER_LISTING: &str = "members";
/// Longest id accepted in a path.
const MAX_ID_LEN: usize = 256;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_groups, create_group))
        .routes(routes!(get_group, update_group, delete_group))
        .routes(routes!(list_members, change_members))
        .routes(routes!(add_member, remove_member))
}

/// The `{group_id}` path segment: the app's id for the group.
pub struct GroupRef(pub String);

impl<S: Send + Sync> FromRequestParts<S> for GroupRef {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        segment(parts, state, "group_id", || {
            ApiError::new(
                ErrorCode::GroupNotFound,
                "the app has no group with this id",
            )
        })
        .await
        .map(GroupRef)
    }
}

/// The `{user_id}` path segment of a membership.
pub struct MemberRef(pub String);

impl<S: Send + Sync> FromRequestParts<S> for MemberRef {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        segment(parts, state, "user_id", || {
            ApiError::new(ErrorCode::UserNotFound, "the app has no user with this id")
        })
        .await
        .map(MemberRef)
    }
}

/// A path segment that must be a plausible id: `.` and `..` are refused
/// (422 naming it: in a URL to the app they would mean another collection),
/// anything empty, overlong or with control characters is `not_found`.
async fn segment<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    name: &str,
    not_found: impl Fn() -> ApiError,
) -> std::result::Result<String, ApiError> {
    let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
        .await
        .map_err(|_| not_found())?;
    let id = params
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
        .unwrap_or_default();
    if matches!(id.as_str(), "." | "..") {
        return Err(ApiError::field(
            name,
            "cannot be `.` or `..` (not even percent-encoded)",
        ));
    }
    if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(not_found());
    }
    Ok(id)
}

/// Filters and paging for the group list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GroupListQuery {
    /// Only the group with this `display_name` (matched ignoring case).
    display_name: Option<String>,
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

/// One page of groups (never with their members).
#[derive(Serialize, ToSchema)]
pub struct GroupList {
    items: Vec<Group>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// One page of a group's members.
#[derive(Serialize, ToSchema)]
pub struct MemberList {
    items: Vec<Member>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// Where a listing continues: the 1-based index.
#[derive(Serialize, Deserialize)]
struct Position {
    s: u64,
}

fn cursor(listing: &str, next: Option<u64>) -> Option<String> {
    next.map(|s| pagination::encode(listing, Position { s }))
}

/// List groups, optionally by `display_name`.
#[utoipa::path(
    get, path = "/connections/{connection}/groups", tag = "groups",
    params(("connection" = String, Path, description = "The connection's id or name"), GroupListQuery),
    responses(
        (status = 200, description = "A page of groups", body = GroupList),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::ConnectionNotFound),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn list_groups(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    ApiQuery(query): ApiQuery<GroupListQuery>,
) -> Result<Json<GroupList>> {
    let paging = PageQuery {
        page_size: query.page_size,
        cursor: query.cursor,
    };
    let count = paging.limit()?;
    let start = paging.position::<Position>(LISTING)?.map_or(1, |p| p.s);
    let query = GroupQuery {
        display_name: query.display_name,
        start,
        count: u64::from(count),
    };
    let page = state.groups.list(&key, &caller, &query).await?;
    Ok(Json(GroupList {
        items: page.items,
        next_cursor: cursor(LISTING, page.next_start),
    }))
}

/// Create a group, optionally with members.
#[utoipa::path(
    post, path = "/connections/{connection}/groups", tag = "groups",
    params(("connection" = String, Path, description = "The connection's id or name")),
    request_body = NewGroup,
    responses(
        (status = 201, description = "Created in the app", body = Group,
            headers(("location" = String, description = "URL of the new group"))),
        (status = 400, response = r::MalformedJson),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::ConnectionNotFound),
        (status = 409, response = r::GroupConflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn create_group(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    ApiJson(new): ApiJson<NewGroup>,
) -> Result<Response> {
    let created = state.groups.create(&key, &caller, new).await?;
    let location = format!(
        "/v1/connections/{}/groups/{}",
        created.connection_id, created.group.id
    );
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(created.group),
    )
        .into_response())
}

/// Get one group (with its member count where the app gives members).
#[utoipa::path(
    get, path = "/connections/{connection}/groups/{group_id}", tag = "groups",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("group_id" = String, Path, description = "The app's id for the group"),
    ),
    responses(
        (status = 200, description = "The group", body = Group),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::GroupNotFound),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn get_group(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    GroupRef(id): GroupRef,
) -> Result<Json<Group>> {
    Ok(Json(state.groups.get(&key, &caller, &id).await?))
}

/// Rename a group or change its external id (JSON merge patch).
#[utoipa::path(
    patch, path = "/connections/{connection}/groups/{group_id}", tag = "groups",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("group_id" = String, Path, description = "The app's id for the group"),
    ),
    request_body(content = GroupPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed group", body = Group),
        (status = 400, response = r::MalformedJson),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::GroupNotFound),
        (status = 409, response = r::GroupConflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn update_group(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    GroupRef(id): GroupRef,
    ApiJson(patch): ApiJson<GroupPatch>,
) -> Result<Json<Group>> {
    Ok(Json(state.groups.update(&key, &caller, &id, &patch).await?))
}

/// Delete a group (its members' accounts stay).
#[utoipa::path(
    delete, path = "/connections/{connection}/groups/{group_id}", tag = "groups",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("group_id" = String, Path, description = "The app's id for the group"),
    ),
    responses(
        (status = 204, description = "Deleted in the app"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::GroupNotFound),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn delete_group(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    GroupRef(id): GroupRef,
) -> Result<StatusCode> {
    state.groups.delete(&key, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List a group's members.
#[utoipa::path(
    get, path = "/connections/{connection}/groups/{group_id}/members", tag = "groups",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("group_id" = String, Path, description = "The app's id for the group"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of members", body = MemberList),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::GroupNotFound),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn list_members(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    GroupRef(id): GroupRef,
    ApiQuery(paging): ApiQuery<PageQuery>,
) -> Result<Json<MemberList>> {
    let count = paging.limit()?;
    let start = paging
        .position::<Position>(MEMBER_LISTING)?
        .map_or(1, |p| p.s);
    let page = state
        .groups
        .members(&key, &caller, &id, start, u64::from(count))
        .await?;
    Ok(Json(MemberList {
        items: page.items,
        next_cursor: cursor(MEMBER_LISTING, page.next_start),
    }))
}

/// Add and remove members (up to 1,000 ids). Adding a member twice or
/// removing a non-member is not an error: it counts as `unchanged`.
#[utoipa::path(
    post, path = "/connections/{connection}/groups/{group_id}/members", tag = "groups",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("group_id" = String, Path, description = "The app's id for the group"),
    ),
    request_body = MembershipChange,
    responses(
        (status = 200, description = "What changed", body = MembershipResult),
        (status = 400, response = r::MalformedJson),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::GroupNotFound),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn change_members(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    GroupRef(id): GroupRef,
    ApiJson(change): ApiJson<MembershipChange>,
) -> Result<Json<MembershipResult>> {
    Ok(Json(
        state
            .groups
            .change_members(&key, &caller, &id, &change)
            .await?,
    ))
}

/// Make a user a member (idempotent).
#[utoipa::path(
    put, path = "/connections/{connection}/groups/{group_id}/members/{user_id}", tag = "groups",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("group_id" = String, Path, description = "The app's id for the group"),
        ("user_id" = String, Path, description = "The app's id for the user"),
    ),
    responses(
        (status = 204, description = "The user is a member"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::GroupNotFound),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn add_member(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    GroupRef(id): GroupRef,
    MemberRef(user): MemberRef,
) -> Result<StatusCode> {
    let change = MembershipChange {
        add: vec![user],
        remove: Vec::new(),
    };
    state
        .groups
        .change_members(&key, &caller, &id, &change)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a user from a group (idempotent).
#[utoipa::path(
    delete, path = "/connections/{connection}/groups/{group_id}/members/{user_id}", tag = "groups",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("group_id" = String, Path, description = "The app's id for the group"),
        ("user_id" = String, Path, description = "The app's id for the user"),
    ),
    responses(
        (status = 204, description = "The user is not a member"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::GroupNotFound),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn remove_member(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    GroupRef(id): GroupRef,
    MemberRef(user): MemberRef,
) -> Result<StatusCode> {
    let change = MembershipChange {
        add: Vec::new(),
        remove: vec![user],
    };
    state
        .groups
        .change_members(&key, &caller, &id, &change)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
