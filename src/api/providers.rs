//! `GET /v1/providers`: the catalogue a frontend renders connection forms from.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{AppState, openapi::responses as r};
use crate::{
    domain::ProviderKind,
    providers::{Descriptor, provider},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_providers))
}

/// One provider and what a connection to it needs.
#[derive(Serialize, ToSchema)]
pub struct ProviderOut {
    id: ProviderKind,
    #[serde(flatten)]
    descriptor: &'static Descriptor,
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
async fn list_providers() -> Json<ProviderList> {
    Json(ProviderList {
        items: ProviderKind::ALL
            .into_iter()
            .map(|id| ProviderOut {
                id,
                descriptor: provider(id).descriptor(),
            })
            .collect(),
    })
}
