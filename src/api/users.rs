//! `/v1/connections/{connection}/users`: one uniform users API over every
//! provider's SCIM dialect.
use axum::{
    Json,
    extract::{FromRequestParts, Path, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
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
    domain::{Caller, User, UserFields, UserPatch},
    service::{Provisioned, UserQuery},
};

const LISTING: &str = "users";
/// Longest user id accepted in a path.
const MAX_USER_ID_LEN: usize = 256;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_user, list_users))
        .routes(routes!(get_user, update_user, delete_user))
        .routes(routes!(deactivate_user))
        .routes(routes!(reactivate_user))
}

/// The `{user_id}` path segment: the app's id for the account.
pub struct UserRef(pub String);

impl<S: Send + Sync> FromRequestParts<S> for UserRef {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| user_not_found())?;
        let id = params
            .into_iter()
            .find(|(name, _)| name == "user_id")
            .map(|(_, value)| value)
            .unwrap_or_default();
        if matches!(id.as_str(), "." | "..") {
            // In a URL to the app they would mean this or the parent collection.
            return Err(ApiError::field(
                "user_id",
                "cannot be `.` or `..` (not even percent-encoded)",
            ));
        }
        let plausible =
            !id.is_empty() && id.len() <= MAX_USER_ID_LEN && !id.chars().any(char::is_control);
        if plausible {
            Ok(UserRef(id))
        } else {
            Err(user_not_found())
        }
    }
}

fn user_not_found() -> ApiError {
    ApiError::new(ErrorCode::UserNotFound, "the app has no user with this id")
}

/// Filters and paging for the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Only the user with this `user_name` (matched ignoring case).
    user_name: Option<String>,
    /// Only the user with this `external_id` (matched exactly).
    external_id: Option<String>,
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

/// Where a users listing continues: the app's 1-based index, the last page's
/// fingerprint, and its ids' short hashes (base64 of 4 bytes each), so that an
/// id the app moves onto the next page is not listed twice.
#[derive(Serialize, Deserialize)]
struct Position {
    s: u64,
    f: u64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    h: String,
}

impl Position {
    fn seen(&self) -> Vec<u32> {
        let bytes = URL_SAFE_NO_PAD.decode(&self.h).unwrap_or_default();
        bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    fn hashes(seen: &[u32]) -> String {
        URL_SAFE_NO_PAD.encode(
            seen.iter()
                .flat_map(|h| h.to_le_bytes())
                .collect::<Vec<u8>>(),
        )
    }
}

/// One page of users.
#[derive(Serialize, ToSchema)]
pub struct UserList {
    items: Vec<User>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

fn user_path(created: &Provisioned) -> String {
    format!(
        "/v1/connections/{}/users/{}",
        created.connection_id, created.user.id
    )
}

/// Provision a user (hire).
#[utoipa::path(
    post, path = "/connections/{connection}/users", tag = "users",
    params(("connection" = String, Path, description = "The connection's id or name")),
    request_body = UserFields,
    responses(
        (status = 201, description = "Created in the app", body = User,
            headers(("location" = String, description = "URL of the new user"))),
        (status = 400, response = r::MalformedJson),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::ConnectionNotFound),
        (status = 409, response = r::Conflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn create_user(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    ApiJson(fields): ApiJson<UserFields>,
) -> Result<Response> {
    let created = state.users.create(&key, &caller, fields).await?;
    let location = user_path(&created);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(created.user),
    )
        .into_response())
}

/// List users, optionally by `user_name` or `external_id`.
#[utoipa::path(
    get, path = "/connections/{connection}/users", tag = "users",
    params(("connection" = String, Path, description = "The connection's id or name"), UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = UserList),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::ConnectionNotFound),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn list_users(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    ApiQuery(query): ApiQuery<UserListQuery>,
) -> Result<Json<UserList>> {
    let paging = PageQuery {
        page_size: query.page_size,
        cursor: query.cursor,
    };
    let count = paging.limit()?;
    let position: Option<Position> = paging.position(LISTING)?;
    let page = state
        .users
        .list(
            &key,
            &caller,
            &UserQuery {
                user_name: query.user_name,
                external_id: query.external_id,
                start: position.as_ref().map_or(1, |p| p.s),
                count: u64::from(count),
                seen: position.as_ref().map(Position::seen).unwrap_or_default(),
                previous: position.map(|p| p.f),
            },
        )
        .await?;
    Ok(Json(UserList {
        items: page.items,
        next_cursor: page.next_start.map(|s| {
            pagination::encode(
                LISTING,
                Position {
                    s,
                    f: page.fingerprint,
                    h: Position::hashes(&page.seen),
                },
            )
        }),
    }))
}

/// Get one user.
#[utoipa::path(
    get, path = "/connections/{connection}/users/{user_id}", tag = "users",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("user_id" = String, Path, description = "The app's id for the user"),
    ),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn get_user(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    UserRef(id): UserRef,
) -> Result<Json<User>> {
    Ok(Json(state.users.get(&key, &caller, &id).await?))
}

/// Change a user (JSON merge patch: present = set, `null` = remove, absent = keep).
#[utoipa::path(
    patch, path = "/connections/{connection}/users/{user_id}", tag = "users",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("user_id" = String, Path, description = "The app's id for the user"),
    ),
    request_body(content = UserPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed user", body = User),
        (status = 400, response = r::MalformedJson),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn update_user(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    UserRef(id): UserRef,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Json<User>> {
    Ok(Json(state.users.update(&key, &caller, &id, &patch).await?))
}

/// Deactivate a user (leaver): `active=false`, the provider's way.
#[utoipa::path(
    post, path = "/connections/{connection}/users/{user_id}/deactivate", tag = "users",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("user_id" = String, Path, description = "The app's id for the user"),
    ),
    responses(
        (status = 200, description = "The deactivated user", body = User),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn deactivate_user(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    UserRef(id): UserRef,
) -> Result<Json<User>> {
    Ok(Json(
        state.users.set_active(&key, &caller, &id, false).await?,
    ))
}

/// Reactivate a user (rehire).
#[utoipa::path(
    post, path = "/connections/{connection}/users/{user_id}/reactivate", tag = "users",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("user_id" = String, Path, description = "The app's id for the user"),
    ),
    responses(
        (status = 200, description = "The reactivated user", body = User),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn reactivate_user(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    UserRef(id): UserRef,
) -> Result<Json<User>> {
    Ok(Json(
        state.users.set_active(&key, &caller, &id, true).await?,
    ))
}

/// Delete a user, where the provider has a real delete (else 422 `unsupported_operation`).
#[utoipa::path(
    delete, path = "/connections/{connection}/users/{user_id}", tag = "users",
    params(
        ("connection" = String, Path, description = "The connection's id or name"),
        ("user_id" = String, Path, description = "The app's id for the user"),
    ),
    responses(
        (status = 204, description = "Deleted in the app"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::ValidationFailed),
        (status = 429, response = r::RateLimited),
        (status = 502, response = r::BadGateway),
        (status = 503, response = r::Busy),
        (status = 504, response = r::GatewayTimeout),
    )
)]
async fn delete_user(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    caller: Caller,
    UserRef(id): UserRef,
) -> Result<StatusCode> {
    state.users.delete(&key, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
