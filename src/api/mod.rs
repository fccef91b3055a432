//! The HTTP API: routes, request/response types, authentication and problem errors.
//! Handlers stay thin: parse the request, call a service, map the result.

mod auth;
mod connections;
pub mod error;
mod errors_page;
mod extract;
mod groups;
mod health;
mod idempotency;
mod limits;
pub mod openapi;
mod operations;
mod pagination;
mod probe;
mod providers;
pub mod request_id;
mod streamed;
mod sync;
mod users;

use std::sync::Arc;

use axum::{
    Extension, Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, Method, header},
    middleware,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    set_header::SetResponseHeaderLayer,
};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

pub use auth::ApiKeys;
use error::{ApiError, ErrorCode};
use extract::BodyLimit;
pub use limits::MAX_URI_BYTES;

use crate::{
    config::{Config, HttpConfig},
    metrics::Metrics,
    service::{
        ApiKeyService, ConnectionService, GroupService, HealthService, IdempotencyService,
        OperationService, UserService, sync::SyncService,
    },
};

/// What handlers share: one pointer, since every middleware and handler
/// clones it for every request.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services behind the API.
pub struct Services {
    pub health: HealthService,
    pub idempotency: IdempotencyService,
    pub connections: ConnectionService,
    pub users: UserService,
    pub groups: GroupService,
    pub operations: OperationService,
    pub api_keys: Arc<ApiKeys>,
    pub api_key_service: ApiKeyService,
    pub metrics: Arc<Metrics>,
    pub http: Arc<HttpConfig>,
    pub sync: SyncService,
}

/// The `/v1` routes under the general body limit.
fn general_routes() -> OpenApiRouter<AppState> {
    connections::router()
        .merge(users::router())
        .merge(groups::router())
        .merge(probe::router())
        .merge(operations::router())
        .merge(providers::router())
}

fn v1_routes() -> OpenApiRouter<AppState> {
    general_routes().merge(sync::router())
}

/// Every documented route, with `v1` (the `/v1` routes, possibly wrapped in layers) nested.
fn documented(v1: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(health::router())
        .merge(errors_page::router())
        .nest("/v1", v1)
}

/// The OpenAPI document, as `/openapi.json` serves it and `provisio openapi` prints it.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = documented(v1_routes()).into_openapi();
    openapi::conventions::apply(&mut doc);
    doc
}

/// The complete application router, with middleware.
pub fn router(state: AppState, config: &Config) -> Router {
    // Layers wrap what is above them: authentication runs first, then
    // idempotency. A sync request carries a whole workforce, so the sync routes
    // carry their own body limit, outside idempotency, which reads the body.
    let idempotency = middleware::from_fn_with_state(state.clone(), idempotency::middleware);
    let sync = sync::router()
        .layer(idempotency.clone())
        .layer(Extension(BodyLimit(config.sync.max_body_bytes)));
    let v1 = general_routes()
        .layer(idempotency)
        .merge(sync)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_api_key,
        ));
    let (routes, mut spec) = documented(v1).split_for_parts();
    openapi::conventions::apply(&mut spec);
    routes
        .merge(docs(spec))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(config.http.max_body_bytes))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(
            state.http.clone(),
            limits::middleware,
        ))
        .layer(tower::util::option_layer(cors(&config.http)))
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            request_id::middleware,
        ))
        .with_state(state)
}

/// Swagger UI at `/docs/` and the document at `/openapi.json`: compressed (the
/// UI is 1.5 MB of JavaScript), cacheable for a few minutes (long enough for a
/// session, short enough after an upgrade), and pointing at the document by a
/// relative URL, so it works behind a path prefix.
fn docs(spec: utoipa::openapi::OpenApi) -> Router<AppState> {
    let ui = SwaggerUi::new("/docs")
        .url("/openapi.json", spec)
        .config(utoipa_swagger_ui::Config::new(["../openapi.json"]));
    Router::from(ui)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ))
        .layer(CompressionLayer::new())
}

/// A bug must still answer: a 500 problem, with the panic in the log, never a dropped connection.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    ApiError::internal(anyhow::anyhow!("a handler panicked: {message}")).into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route; see /docs for the API")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not support this method",
    )
}

/// CORS for browser frontends on the configured origins; none by default,
/// and then no layer at all (it would add `Vary` to every response and read
/// every request's `Origin` for nothing).
fn cors(http: &HttpConfig) -> Option<CorsLayer> {
    if http.cors_origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_origin(AllowOrigin::list(http.cors_origins.clone()))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
            request_id::X_REQUEST_ID.clone(),
        ])
        .expose_headers([
            header::LOCATION,
            header::RETRY_AFTER,
            request_id::X_REQUEST_ID.clone(),
            HeaderName::from_static("idempotency-replayed"),
        ])
        .max_age(std::time::Duration::from_secs(600));
    Some(layer)
}
