//! The OpenAPI document: metadata, the bearer security scheme and the shared
//! problem responses. Paths come from the handlers via `utoipa_axum::routes!`;
//! [`conventions`] completes every operation once they are in.

mod codes;
pub mod conventions;
mod examples;

use utoipa::{
    Modify, OpenApi,
    openapi::{
        self,
        security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
    },
};

use super::error::{ErrorCode, Problem};
use crate::domain::FieldError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "provisio",
        description = "One REST API to provision and deprovision people in many SaaS apps over SCIM 2.0.\n\n\
            Every `/v1` route needs `Authorization: Bearer <api key>`. Errors are `application/problem+json` \
            with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    modifiers(&BearerAuth),
    components(
        schemas(Problem, ErrorCode, FieldError),
        responses(
            responses::MalformedJson,
            responses::Unauthorized,
            responses::Forbidden,
            responses::Internal,
            responses::ConnectionNotFound,
            responses::Conflict,
            responses::PlanNotFound,
            responses::SyncConflict,
            responses::PayloadTooLarge,
            responses::UnsupportedMediaType,
            responses::ValidationFailed,
            responses::NotReady,
            responses::NotFound,
            responses::GroupNotFound,
            responses::GroupConflict,
            responses::RateLimited,
            responses::BadGateway,
            responses::Busy,
            responses::GatewayTimeout,
        ),
    ),
    tags(
        (name = "connections", description = "Named connections to apps, with sealed credentials"),
        (name = "users", description = "People's accounts in an app, in one uniform shape"),
        (name = "groups", description = "Groups in an app (teams, licences, permission sets) and who is in them"),
        (name = "providers", description = "The supported apps and what connecting to them needs"),
        (name = "operations", description = "The log of every call provisio made to an app"),
        (name = "sync", description = "Hire-to-retire sync: rules, reviewable plans, and durable runs that apply them"),
        (name = "health", description = "Probes for orchestrators"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme and requires it everywhere; open routes opt out with `security(())`.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key: `Authorization: Bearer <key>`"))
                    .build(),
            ),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// Reusable problem responses, so every path documents its errors the same way.
pub mod responses {
    use utoipa::ToResponse;

    use crate::api::error::Problem;

    #[derive(ToResponse)]
    #[response(
        description = "The body is not valid JSON (`malformed_json`)",
        content_type = "application/problem+json"
    )]
    pub struct MalformedJson(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "Missing or invalid API key (`unauthorized`)",
        content_type = "application/problem+json"
    )]
    pub struct Unauthorized(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "The API key is read-only and this is a write (`forbidden`)",
        content_type = "application/problem+json"
    )]
    pub struct Forbidden(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "provisio failed unexpectedly (`internal`); its log has the cause under the `request_id`",
        content_type = "application/problem+json"
    )]
    pub struct Internal(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "No such connection (`connection_not_found`)",
        content_type = "application/problem+json"
    )]
    pub struct ConnectionNotFound(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "Conflicts with the current state (`connection_exists`, `user_exists`, `concurrent_modification`), \
            or a request with this `Idempotency-Key` is still running (`idempotency_key_in_use`)",
        content_type = "application/problem+json"
    )]
    pub struct Conflict(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "No such connection (`connection_not_found`), or no plan with this `plan_id` for it (`plan_not_found`)",
        content_type = "application/problem+json"
    )]
    pub struct PlanNotFound(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "The plan cannot be applied: `plan_stale` (it expired, was applied, or no longer describes the app), \
            `deprovision_threshold` (apply with `force: true` if the plan is right), or `sync_in_progress` \
            (a run for this connection is still being applied)",
        content_type = "application/problem+json"
    )]
    pub struct SyncConflict(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "The body is too large (`payload_too_large`)",
        content_type = "application/problem+json"
    )]
    pub struct PayloadTooLarge(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "The body is not JSON (`unsupported_media_type`)",
        content_type = "application/problem+json"
    )]
    pub struct UnsupportedMediaType(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "A field is missing or invalid (`validation_failed`; `errors` names each), the app rejected \
            the request (`provider_rejected`), the provider has no such operation (`unsupported_operation`), \
            or the `Idempotency-Key` was used with another request (`idempotency_key_reused`)",
        content_type = "application/problem+json"
    )]
    pub struct ValidationFailed(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "The database is not reachable (`not_ready`)",
        content_type = "application/problem+json"
    )]
    pub struct NotReady(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "No such connection or user (`connection_not_found`, `user_not_found`)",
        content_type = "application/problem+json"
    )]
    pub struct NotFound(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "No such connection, group or user (`connection_not_found`, `group_not_found`, `user_not_found`)",
        content_type = "application/problem+json"
    )]
    pub struct GroupNotFound(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "The app already has a group with this name (`group_exists`)",
        content_type = "application/problem+json"
    )]
    pub struct GroupConflict(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "The app is rate limiting (`provider_rate_limited`); the `Retry-After` header says when to retry",
        content_type = "application/problem+json",
        headers(("retry-after" = u64, description = "Seconds to wait before retrying"))
    )]
    pub struct RateLimited(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "The app failed, refused the credentials or answered invalid SCIM \
            (`provider_unavailable`, `provider_unauthorized`, `provider_invalid_response`)",
        content_type = "application/problem+json"
    )]
    pub struct BadGateway(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "provisio holds as many bytes of apps' answers in memory as it may (`busy`; \
            `PROVISIO_MAX_ANSWER_MEMORY_BYTES`); the `Retry-After` header says when to retry",
        content_type = "application/problem+json",
        headers(("retry-after" = u64, description = "Seconds to wait before retrying"))
    )]
    pub struct Busy(#[allow(dead_code)] Problem);

    #[derive(ToResponse)]
    #[response(
        description = "The app did not answer in time (`provider_timeout`)",
        content_type = "application/problem+json"
    )]
    pub struct GatewayTimeout(#[allow(dead_code)] Problem);
}
