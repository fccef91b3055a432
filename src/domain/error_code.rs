//! Stable, machine-readable error codes: part of the API contract, and what the
//! operation log records. How each maps to an HTTP status is the API's business.

use serde::Serialize;

/// Declares the codes once: variant, wire name and title side by side.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident => $code:literal, $title:literal;)*) => {
        /// Stable, machine-readable error codes. Clients branch on these, never on `detail`.
        /// (Documented as an open string: new codes may be added.)
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code as serialized (`validation_failed`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// A short human title for problem bodies.
            pub fn title(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $title,)*
                }
            }

            /// What the code means and what to do about it (its doc comment).
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => concat!($($doc),*).trim_ascii(),)*
                }
            }
        }
    };
}

error_codes! {
    /// Missing or wrong API key.
    Unauthorized => "unauthorized", "Unauthorized";
    /// The API key may not do this (a read-only key on a write).
    Forbidden => "forbidden", "Forbidden";
    /// The request is not valid HTTP/1.1 (a request line or header that cannot be parsed), or its body ended before the length it announced.
    BadRequest => "bad_request", "Bad request";
    /// The request body is not syntactically valid JSON.
    MalformedJson => "malformed_json", "Malformed JSON";
    /// A field (in the body, query, path or a header) is missing or invalid; `errors` names each.
    ValidationFailed => "validation_failed", "Validation failed";
    /// The body is not `application/json`.
    UnsupportedMediaType => "unsupported_media_type", "Unsupported media type";
    /// The body is larger than the configured limit.
    PayloadTooLarge => "payload_too_large", "Payload too large";
    /// The request headers are larger than the configured limit.
    HeadersTooLarge => "headers_too_large", "Request headers too large";
    /// The request URI is longer than the configured limit.
    UriTooLong => "uri_too_long", "URI too long";
    /// No such route.
    NotFound => "not_found", "Not found";
    /// The route exists but not with this method.
    MethodNotAllowed => "method_not_allowed", "Method not allowed";
    /// No connection has this id or name.
    ConnectionNotFound => "connection_not_found", "Connection not found";
    /// Another connection already has this name.
    ConnectionExists => "connection_exists", "Connection exists";
    /// The connection changed concurrently too often to apply the change; retry.
    ConcurrentModification => "concurrent_modification", "Concurrent modification";
    /// The instance URL is not https, or reaches a private, loopback, link-local or reserved address.
    InstanceUrlForbidden => "instance_url_forbidden", "Instance URL forbidden";
    /// The app has no user with this id.
    UserNotFound => "user_not_found", "User not found";
    /// The app already has a user with this `user_name` (or another unique value).
    UserExists => "user_exists", "User exists";
    /// The app has no group with this id.
    GroupNotFound => "group_not_found", "Group not found";
    /// The app already has a group with this `display_name` (or another unique value).
    GroupExists => "group_exists", "Group exists";
    /// The provider has no such operation; `detail` says what to do instead.
    UnsupportedOperation => "unsupported_operation", "Unsupported operation";
    /// This `Idempotency-Key` was used with a different request.
    IdempotencyKeyReused => "idempotency_key_reused", "Idempotency key reused";
    /// A request with this `Idempotency-Key` is still being processed; retry later.
    IdempotencyKeyInUse => "idempotency_key_in_use", "Idempotency key in use";
    /// The app refused the connection's credentials (401/403 upstream).
    ProviderUnauthorized => "provider_unauthorized", "Provider refused the credentials";
    /// The app rejected the request as invalid (400 upstream); `provider.detail` says why.
    ProviderRejected => "provider_rejected", "Provider rejected the request";
    /// The app is rate limiting; retry after `Retry-After` seconds.
    ProviderRateLimited => "provider_rate_limited", "Provider rate limit";
    /// The app failed (5xx) or could not be reached.
    ProviderUnavailable => "provider_unavailable", "Provider unavailable";
    /// The app did not answer within the connection's timeout.
    ProviderTimeout => "provider_timeout", "Provider timeout";
    /// The app answered, but not with valid SCIM.
    ProviderInvalidResponse => "provider_invalid_response", "Provider answered invalid SCIM";
    /// No sync plan with this id for this connection (or it was pruned after expiring).
    PlanNotFound => "plan_not_found", "Plan not found";
    /// The plan expired, or the app, the managed accounts, the rules or the input changed since it was made; plan again.
    PlanStale => "plan_stale", "Plan stale";
    /// The plan deprovisions more accounts than the connection's limit; review it and apply with `force: true`.
    DeprovisionThreshold => "deprovision_threshold", "Deprovision threshold exceeded";
    /// No sync run has this id.
    SyncRunNotFound => "sync_run_not_found", "Sync run not found";
    /// A sync run for this connection is still being applied; wait for it, then plan again.
    SyncInProgress => "sync_in_progress", "Sync in progress";
    /// provisio holds as many bytes of apps' answers in memory as it may (`PROVISIO_MAX_ANSWER_MEMORY_BYTES`); retry after `Retry-After`.
    Busy => "busy", "Busy";
    /// The request did not finish within provisio's per-request deadline.
    DeadlineExceeded => "deadline_exceeded", "Deadline exceeded";
    /// The database is not reachable (readiness).
    NotReady => "not_ready", "Not ready";
    /// An unexpected failure inside provisio; details are in its log under the request id.
    Internal => "internal", "Internal error";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serializes_as_its_wire_name() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
