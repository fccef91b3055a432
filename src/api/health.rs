//! Liveness and readiness probes; no authentication.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::metrics::Exposition;

use super::{
    AppState,
    error::{ApiError, ErrorCode, Result},
    openapi::responses as r,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    #[schema(example = "ok")]
    status: &'static str,
    #[schema(example = "0.1.0")]
    version: &'static str,
}

/// Liveness: the process serves HTTP.
#[utoipa::path(get, path = "/healthz", tag = "health", security(()),
    responses((status = 200, description = "Alive", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "health", security(()),
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, response = r::NotReady),
    ))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Health>> {
    match state.health.ready().await {
        Ok(()) => Ok(Json(Health {
            status: "ready",
            version: env!("CARGO_PKG_VERSION"),
        })),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed: the database does not answer");
            Err(ApiError::new(
                ErrorCode::NotReady,
                "the database is not reachable",
            ))
        }
    }
}

/// Prometheus metrics: OpenMetrics when the `Accept` header asks for
/// `application/openmetrics-text`, else the classic Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "health", security(()),
    responses((status = 200, description = "Metrics, in the format the `Accept` header asks for",
        content(
            (String = "text/plain; version=0.0.4"),
            (String = "application/openmetrics-text; version=1.0.0"),
        ))))]
async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> impl axum::response::IntoResponse {
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let format = Exposition::negotiate(accept);
    let body = state.metrics.render_as(state.health.pool_stats(), format);
    (
        [(axum::http::header::CONTENT_TYPE, format.content_type())],
        body,
    )
}
