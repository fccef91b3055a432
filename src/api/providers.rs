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
    settings: Vec<&'static SettingSpec>,
    capabilities: Capabilities,
    /// Targets a sync mapping (`PUT /v1/connections/{connection}/rules`) may set;
    /// `extensions.<urn>.<attribute>` reaches the app's own extension attributes too.
    mappable_fields: &'static [&'static str],
    /// The provider's own SCIM documentation.
    documentation_url: &'static str,
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
