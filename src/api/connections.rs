//! `/v1/connections`: named connections to apps, with write-only credentials.

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    AppState,
    error::Result,
    extract::{ApiJson, ApiQuery, ConnectionRef},
    openapi::responses as r,
    pagination::{self, PageQuery},
};
use crate::{
    domain::{
        AppProfile, Connection, ConnectionName, CredentialKind, CredentialSummary, Credentials,
        FieldError, FieldErrors, Patch, ProviderKind, json,
    },
    service::{ConnectionChanges, NewConnection},
};

const LISTING: &str = "connections";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_connection, list_connections))
        .routes(routes!(
            get_connection,
            update_connection,
            delete_connection
        ))
}

/// A connection to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionIn {
    /// Unique name, 1-64 of `[a-z0-9._-]`; usable in paths instead of the id.
    #[schema(example = "acme-workplace", pattern = "^[a-z0-9._-]{1,64}$")]
    name: String,
    #[schema(value_type = ProviderKind)]
    provider: String,
    /// The app's SCIM base URL; optional where the provider has a default (see `GET /v1/providers`).
    #[serde(default)]
    #[schema(format = "uri", example = "https://scim.example.com/scim/v2")]
    instance_url: Option<String>,
    #[schema(value_type = CredentialsIn)]
    #[serde(deserialize_with = "json::required_object")]
    credentials: CredentialsFields,
    /// Provider settings such as `customer_id` (8x8) or `login_type` (Interact).
    #[serde(default)]
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    settings: Option<Map<String, Value>>,
}

/// Credentials for the app. Write-only: never returned.
// Only the documented shape: requests are parsed through `CredentialsFields`,
// so that every missing or misplaced field is reported at once.
#[derive(ToSchema)]
#[schema(as = CredentialsIn)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(dead_code)]
pub enum CredentialsIn {
    /// Sent as `Authorization: Bearer <token>`.
    #[schema(title = "BearerCredentials")]
    Bearer {
        #[schema(format = Password, write_only, min_length = 1)]
        token: String,
    },
    /// Sent as HTTP Basic.
    #[schema(title = "BasicCredentials")]
    Basic {
        #[schema(min_length = 1)]
        username: String,
        #[schema(format = Password, write_only, min_length = 1)]
        password: String,
    },
    /// An app-issued API token (8x8).
    #[schema(title = "ApiKeyCredentials")]
    ApiKey {
        #[schema(format = Password, write_only, min_length = 1)]
        token: String,
    },
}

/// What a credentials object may contain, before its `type` says which fields it needs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsFields {
    #[serde(rename = "type")]
    kind: String,
    token: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

impl CredentialsFields {
    fn parse(self) -> Result<Credentials, FieldErrors> {
        let mut errors = FieldErrors::new();
        let Some(kind) = CredentialKind::parse(&self.kind) else {
            errors.push("credentials.type", "must be one of: bearer, basic, api_key");
            return Err(errors);
        };
        let mut require = |name: &str, value: Option<String>| {
            if value.is_none() {
                errors.push(
                    format!("credentials.{name}"),
                    format!("is required for `{kind}` credentials"),
                );
            }
            value.unwrap_or_default()
        };
        let result = match kind {
            CredentialKind::Bearer | CredentialKind::ApiKey => {
                let token = require("token", self.token);
                for (name, value) in [("username", &self.username), ("password", &self.password)] {
                    if value.is_some() {
                        errors.push(
                            format!("credentials.{name}"),
                            format!("is not used by `{kind}` credentials"),
                        );
                    }
                }
                if !errors.is_empty() {
                    return Err(errors);
                }
                let made = if kind == CredentialKind::Bearer {
                    Credentials::bearer(token)
                } else {
                    Credentials::api_key(token)
                };
                made.map_err(|e| vec![e])
            }
            CredentialKind::Basic => {
                let username = require("username", self.username);
                let password = require("password", self.password);
                if self.token.is_some() {
                    errors.push("credentials.token", "is not used by `basic` credentials");
                }
                if !errors.is_empty() {
                    return Err(errors);
                }
                Credentials::basic(username, password)
            }
        };
        result.map_err(|field_errors| {
            let mut all = FieldErrors::new();
            for e in field_errors {
                all.push(format!("credentials.{}", e.field), e.message);
            }
            all
        })
    }
}

impl ConnectionIn {
    fn parse(self) -> Result<NewConnection, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.take(ConnectionName::parse(&self.name));
        let provider = errors.take(
            self.provider
                .parse::<ProviderKind>()
                .map_err(|e| FieldError::new("provider", e.to_string())),
        );
        let credentials = match self.credentials.parse() {
            Ok(c) => Some(c),
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        match (name, provider, credentials) {
            (Some(name), Some(provider), Some(credentials)) if errors.is_empty() => {
                Ok(NewConnection {
                    name,
                    provider,
                    instance_url: self.instance_url,
                    credentials,
                    settings: self.settings.unwrap_or_default(),
                })
            }
            _ => Err(errors),
        }
    }
}

/// Changes to a connection (JSON merge patch): absent keeps, `null` resets.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionPatch {
    /// A new unique name.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[a-z0-9._-]{1,64}$")]
    name: Patch<String>,
    /// A new SCIM base URL; `null` resets it to the provider's default.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "uri")]
    instance_url: Patch<String>,
    /// Replacement credentials.
    #[serde(default, deserialize_with = "json::optional_object")]
    #[schema(value_type = Option<CredentialsIn>)]
    credentials: Option<CredentialsFields>,
    /// Merged into the current settings; a `null` value removes that setting.
    #[serde(default)]
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    settings: Patch<Map<String, Value>>,
    /// A connection's provider cannot change; accepted only if it is unchanged.
    #[serde(default)]
    #[schema(value_type = Option<ProviderKind>)]
    provider: Option<String>,
    /// Facts about the app set by hand, over what provisio learned (for what the
    /// connection test cannot probe): a fact set is set, `null` forgets that
    /// override, and `app_profile: null` forgets them all.
    #[serde(default)]
    #[schema(value_type = Option<AppProfile>)]
    app_profile: Patch<Map<String, Value>>,
}

impl ConnectionPatch {
    fn parse(self, current: ProviderKind) -> Result<ConnectionChanges, FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Some(provider) = &self.provider
            && provider != current.as_str()
        {
            errors.push(
                "provider",
                "cannot be changed; create a new connection for another provider",
            );
        }
        let name = match self.name {
            Patch::Absent => None,
            Patch::Null => {
                errors.push("name", "cannot be removed");
                None
            }
            Patch::Value(name) => errors.take(ConnectionName::parse(&name)),
        };
        let credentials = match self.credentials.map(CredentialsFields::parse) {
            Some(Ok(credentials)) => Some(credentials),
            Some(Err(e)) => {
                errors.extend(e);
                None
            }
            None => None,
        };
        let profile_overrides = match self.app_profile {
            Patch::Absent => None,
            Patch::Null => Some(
                AppProfile::FACTS
                    .iter()
                    .map(|fact| ((*fact).to_owned(), Value::Null))
                    .collect(),
            ),
            Patch::Value(patch) => Some(patch),
        };
        errors.into_result(ConnectionChanges {
            name,
            instance_url: self.instance_url.into_option(),
            credentials,
            settings: self.settings.into_option(),
            profile_overrides,
        })
    }
}

/// A stored connection. Credentials appear only as their type and a hint.
#[derive(Serialize, ToSchema)]
pub struct ConnectionOut {
    id: Uuid,
    name: String,
    provider: ProviderKind,
    #[schema(format = "uri")]
    instance_url: String,
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    settings: Map<String, Value>,
    credentials: CredentialSummary,
    app_profile: AppProfileOut,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// How the app behaves, as far as provisio knows: what it acts on (learned by
/// `POST …/test` and by ordinary calls, with the overrides over it), and the
/// overrides set by hand. A fact left out is not known; provisio then assumes
/// what the SCIM standard says.
#[derive(Serialize, ToSchema)]
pub struct AppProfileOut {
    #[serde(flatten)]
    effective: AppProfile,
    /// Facts set by hand (`PATCH …` with `app_profile`); they win over what was learned.
    overrides: AppProfile,
    /// When the connection test last probed the app.
    probed_at: Option<DateTime<Utc>>,
}

impl From<Connection> for ConnectionOut {
    fn from(c: Connection) -> Self {
        Self {
            id: c.id,
            name: c.name.to_string(),
            provider: c.provider,
            instance_url: c.instance_url.to_string(),
            settings: c.settings.into_map(),
            credentials: c.credentials,
            app_profile: AppProfileOut {
                effective: c.profile.effective(),
                overrides: c.profile.overrides,
                probed_at: c.profile.probed_at,
            },
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// One page of connections, ordered by name.
#[derive(Serialize, ToSchema)]
pub struct ConnectionList {
    items: Vec<ConnectionOut>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// Create a connection.
#[utoipa::path(
    post, path = "/connections", tag = "connections",
    request_body = ConnectionIn,
    responses(
        (status = 201, description = "Created", body = ConnectionOut,
            headers(("location" = String, description = "URL of the new connection"))),
        (status = 400, response = r::MalformedJson),
        (status = 401, response = r::Unauthorized),
        (status = 409, response = r::Conflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::ValidationFailed),
    )
)]
async fn create_connection(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ConnectionIn>,
) -> Result<Response> {
    let new = body.parse()?;
    let connection = state.connections.create(new).await?;
    let location = format!("/v1/connections/{}", connection.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ConnectionOut::from(connection)),
    )
        .into_response())
}

/// List connections, by name.
#[utoipa::path(
    get, path = "/connections", tag = "connections",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of connections", body = ConnectionList),
        (status = 401, response = r::Unauthorized),
        (status = 422, response = r::ValidationFailed),
    )
)]
async fn list_connections(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<ConnectionList>> {
    let limit = query.limit()?;
    let after: Option<String> = query.position(LISTING)?;
    let page = state.connections.list(after.as_deref(), limit).await?;
    Ok(Json(ConnectionList {
        items: page.items.into_iter().map(ConnectionOut::from).collect(),
        next_cursor: page
            .next_after
            .map(|name| pagination::encode(LISTING, name)),
    }))
}

/// Get one connection by id or name.
#[utoipa::path(
    get, path = "/connections/{connection}", tag = "connections",
    params(("connection" = String, Path, description = "The connection's id or name")),
    responses(
        (status = 200, description = "The connection", body = ConnectionOut),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::ConnectionNotFound),
    )
)]
async fn get_connection(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
) -> Result<Json<ConnectionOut>> {
    Ok(Json(state.connections.get(&key).await?.into()))
}

/// Change a connection: rename it, move it, replace its credentials or settings.
#[utoipa::path(
    patch, path = "/connections/{connection}", tag = "connections",
    params(("connection" = String, Path, description = "The connection's id or name")),
    request_body(content = ConnectionPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed connection", body = ConnectionOut),
        (status = 400, response = r::MalformedJson),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::ConnectionNotFound),
        (status = 409, response = r::Conflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::ValidationFailed),
    )
)]
async fn update_connection(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
    ApiJson(body): ApiJson<ConnectionPatch>,
) -> Result<Json<ConnectionOut>> {
    let current = state.connections.get(&key).await?;
    let changes = body.parse(current.provider)?;
    Ok(Json(state.connections.update(&key, changes).await?.into()))
}

/// Delete a connection and erase its credentials.
#[utoipa::path(
    delete, path = "/connections/{connection}", tag = "connections",
    params(("connection" = String, Path, description = "The connection's id or name")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::ConnectionNotFound),
    )
)]
async fn delete_connection(
    State(state): State<AppState>,
    ConnectionRef(key): ConnectionRef,
) -> Result<StatusCode> {
    state.connections.delete(&key).await?;
    Ok(StatusCode::NO_CONTENT)
}
