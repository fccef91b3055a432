//! `GET /v1/operations`: the operation log, newest first.

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    AppState,
    error::{ApiError, Result},
    extract::ApiQuery,
    openapi::responses as r,
    pagination::{self, PageQuery},
};
use crate::domain::{ConnectionKey, ErrorCode, OperationFilter, OperationRecord, Outcome};

const LISTING: &str = "operations";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_operations))
}

/// Filters and paging for the operation log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OperationQuery {
    /// Only calls to this connection (id or name).
    connection: Option<String>,
    /// Only calls about this user (the app's id).
    user_id: Option<String>,
    /// Only calls about this user name (ignoring case).
    user_name: Option<String>,
    /// `success` or `failure`.
    outcome: Option<Outcome>,
    /// Only calls of this sync run.
    run_id: Option<Uuid>,
    /// Only calls about this group (the app's id).
    group_id: Option<String>,
    /// Only calls at or after this time (RFC 3339).
    #[serde(default, deserialize_with = "rfc3339")]
    from: Option<DateTime<Utc>>,
    /// Only calls before this time (RFC 3339).
    #[serde(default, deserialize_with = "rfc3339")]
    to: Option<DateTime<Utc>>,
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

/// A time in a query: chrono's own refusal ("premature end of input") does
/// not tell a caller that a date alone is not enough.
fn rfc3339<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let raw = String::deserialize(deserializer)?;
    DateTime::parse_from_rfc3339(&raw)
        .map(|time| Some(time.with_timezone(&Utc)))
        .map_err(|_| {
            serde::de::Error::custom("must be an RFC 3339 date-time, e.g. 2026-11-24T00:00:00Z")
        })
}

/// One call provisio made to an app.
#[derive(Serialize, ToSchema)]
pub struct OperationOut {
    id: Uuid,
    connection_id: Uuid,
    connection_name: String,
    /// `create_user`, `update_user`, `deactivate_user`, `reactivate_user`,
    /// `delete_user`, `group_create`, `group_update`, `group_delete`,
    /// `members_add` or `members_remove`.
    operation: String,
    user_id: Option<String>,
    user_name: Option<String>,
    outcome: Outcome,
    /// The app's last HTTP status.
    provider_status: Option<i32>,
    #[schema(value_type = Option<ErrorCode>)]
    error_code: Option<String>,
    /// Tries made, retries included.
    attempts: i32,
    duration_ms: i64,
    request_id: Option<String>,
    /// The API key that asked (its id, never the key).
    api_key_id: Option<String>,
    /// The sync run that made the change, if any.
    run_id: Option<Uuid>,
    /// The group, for group operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<String>,
    /// Members added or removed, for membership changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<i32>,
    created_at: DateTime<Utc>,
}

impl From<OperationRecord> for OperationOut {
    fn from(row: OperationRecord) -> Self {
        Self {
            id: row.operation_id,
            connection_id: row.connection_id,
            connection_name: row.connection_name,
            operation: row.operation,
            user_id: row.user_id,
            user_name: row.user_name,
            outcome: row.outcome,
            provider_status: row.provider_status,
            error_code: row.error_code,
            attempts: row.attempts,
            duration_ms: row.duration_ms,
            request_id: row.request_id,
            api_key_id: row.api_key_id,
            run_id: row.run_id,
            group_id: row.group_id,
            count: row.item_count,
            created_at: row.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OperationList {
    items: Vec<OperationOut>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    next_cursor: Option<String>,
}

/// List the operation log, newest first.
#[utoipa::path(
    get, path = "/operations", tag = "operations",
    params(OperationQuery),
    responses(
        (status = 200, description = "A page of operations", body = OperationList),
        (status = 401, response = r::Unauthorized),
        (status = 422, response = r::ValidationFailed),
    )
)]
async fn list_operations(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<OperationQuery>,
) -> Result<Json<OperationList>> {
    let paging = PageQuery {
        page_size: query.page_size,
        cursor: query.cursor,
    };
    let limit = paging.limit()?;
    let before: Option<(DateTime<Utc>, Uuid)> = paging.position(LISTING)?;
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(ApiError::field("from", "must not be after `to`"));
    }
    let (connection_id, connection_name) =
        match query.connection.as_deref().map(ConnectionKey::parse) {
            None => (None, None),
            Some(Some(ConnectionKey::Id(id))) => (Some(id), None),
            // A current connection is matched by id, so entries from before a rename count;
            // a name no connection has now still finds the entries recorded under it.
            Some(Some(key @ ConnectionKey::Name(_))) => match state.connections.get(&key).await {
                Ok(connection) => (Some(connection.id), None),
                Err(_) => (None, query.connection.clone()),
            },
            // Neither an id nor a name: nothing can match.
            Some(None) => (None, Some(String::new())),
        };
    let filter = OperationFilter {
        connection_id,
        connection_name,
        user_id: query.user_id,
        user_name: query.user_name,
        outcome: query.outcome,
        run_id: query.run_id,
        group_id: query.group_id,
        from: query.from,
        to: query.to,
        before,
    };
    let rows = state.operations.list(&filter, limit + 1).await?;
    let (rows, next_cursor) =
        pagination::page(rows, limit, LISTING, |r| (r.created_at, r.operation_id));
    Ok(Json(OperationList {
        items: rows.into_iter().map(OperationOut::from).collect(),
        next_cursor,
    }))
}
