//! `GET /v1/providers`: the catalogue a frontend renders connection forms from.

use std::sync::LazyLock;

use axum::{
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{AppState, openapi::responses as r};
use crate::{
    domain::{
        Capabilities, CatalogueEntry, CredentialKind, InstanceUrlRule, MAPPABLE_FIELDS,
        ProviderKind, SettingSpec,
    },
    service,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_providers))
}

/// One provider and what a connection to it needs.
#[derive(Serialize, ToSchema)]
pub struct ProviderOut {
    id: ProviderKind,
    /// Human name of the app.
    display_name: &'static str,
    /// What to connect and where to find the values.
    description: &'static str,
    /// Credential types the app accepts, preferred first.
    auth_types: &'static [CredentialKind],
    instance_url: &'static InstanceUrlRule,
    /// Settings a connection may (or must) carry: the provider's own, then those every connection takes.
    #[schema(value_type = Vec<SettingSpecDoc>)]
    settings: Vec<&'static SettingSpec>,
    capabilities: Capabilities,
    /// Targets a sync mapping (`PUT /v1/connections/{connection}/rules`) may set;
    /// `extensions.<urn>.<attribute>` reaches the app's own extension attributes too.
    mappable_fields: &'static [&'static str],
    /// The provider's own SCIM documentation.
    documentation_url: &'static str,
}

/// One setting a connection may carry. `type` says what its value may be and
/// which of `max_len`, `values`, `min` and `max` come with it.
// The documented shape of `SettingSpec` (a struct with its kind flattened in):
// one flat object, because generators (openapi-python-client) cannot process
// the `allOf` of a `oneOf` that the derive would write.
#[derive(ToSchema)]
#[schema(as = SettingSpec)]
#[allow(dead_code)] // only its schema is used
struct SettingSpecDoc {
    /// The key in a connection's `settings`.
    #[schema(example = "customer_id")]
    name: String,
    description: String,
    /// Whether a connection must carry it.
    required: bool,
    /// `identifier`, `one_of` or `integer` (more may be added).
    #[serde(rename = "type")]
    #[schema(example = "one_of")]
    kind: String,
    /// With `identifier`: a string of `[A-Za-z0-9._-]`, at most this long.
    #[schema(required = false)]
    max_len: u32,
    /// With `one_of`: the accepted values, matched ignoring case and stored in the listed spelling.
    #[schema(required = false)]
    values: Vec<String>,
    /// With `integer`: the smallest accepted value.
    #[schema(required = false)]
    min: u64,
    /// With `integer`: the largest accepted value.
    #[schema(required = false)]
    max: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ProviderList {
    items: Vec<ProviderOut>,
}

/// List the supported providers.
#[utoipa::path(
    get, path = "/providers", tag = "providers",
    responses(
        (status = 200, description = "The provider catalogue", body = ProviderList),
        (status = 401, response = r::Unauthorized),
    )
)]
async fn list_providers() -> Response {
    // The catalogue is fixed for the life of the process: serialised once.
    static BODY: LazyLock<Bytes> = LazyLock::new(|| {
        let list = ProviderList {
            items: service::catalogue()
                .into_iter()
                .map(ProviderOut::from)
                .collect(),
        };
        serde_json::to_vec(&list).unwrap_or_default().into()
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        BODY.clone(),
    )
        .into_response()
}

impl From<CatalogueEntry> for ProviderOut {
    fn from(entry: CatalogueEntry) -> Self {
        Self {
            id: entry.id,
            display_name: entry.display_name,
            description: entry.description,
            auth_types: entry.auth_types,
            instance_url: entry.instance_url,
            settings: entry.settings,
            capabilities: entry.capabilities,
            mappable_fields: MAPPABLE_FIELDS,
            documentation_url: entry.documentation_url,
        }
    }
}
