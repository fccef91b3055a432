//! Declarative connection settings: each provider lists the settings it takes,
//! and one validator checks them, so the catalogue and the validation cannot disagree.

use serde_json::{Map, Value};

use crate::domain::{FieldErrors, SettingKind, SettingSpec};

pub const REQUEST_TIMEOUT_SECONDS: &str = "request_timeout_seconds";
pub const MAX_REQUESTS_PER_SECOND: &str = "max_requests_per_second";
pub const MAX_CONCURRENCY: &str = "max_concurrency";
pub const MEMBER_BATCH_SIZE: &str = "member_batch_size";
/// Defaults of the rate budget: gentle on an app, quick enough for an HR sync.
pub const DEFAULT_MAX_REQUESTS_PER_SECOND: u32 = 25;
pub const DEFAULT_MAX_CONCURRENCY: u32 = 8;

/// Settings every connection may carry, whatever its provider.
pub static COMMON_SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        name: REQUEST_TIMEOUT_SECONDS,
        description: "how long one call to the app may take before it counts as timed out (default 30)",
        required: false,
        kind: SettingKind::Integer { min: 1, max: 300 },
    },
    SettingSpec {
        name: MAX_REQUESTS_PER_SECOND,
        description: "the most calls per second provisio makes to the app, shared by all requests (default 25)",
        required: false,
        kind: SettingKind::Integer { min: 1, max: 1000 },
    },
    SettingSpec {
        name: MAX_CONCURRENCY,
        description: "the most calls in flight to the app at once (default 8)",
        required: false,
        kind: SettingKind::Integer { min: 1, max: 100 },
    },
    SettingSpec {
        name: MEMBER_BATCH_SIZE,
        description: "the most group members one call adds or removes (default 100, or what the provider needs)",
        required: false,
        kind: SettingKind::Integer { min: 1, max: 1000 },
    },
];

/// A connection's rate budget: (calls per second, calls in flight).
pub fn rate_budget(settings: &crate::domain::ConnectionSettings) -> (u32, u32) {
    let get = |key, default| {
        settings
            .get_u64(key)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(default)
    };
    (
        get(MAX_REQUESTS_PER_SECOND, DEFAULT_MAX_REQUESTS_PER_SECOND),
        get(MAX_CONCURRENCY, DEFAULT_MAX_CONCURRENCY),
    )
}

/// Checks `settings` against `specs`: unknown keys, missing required ones, wrong
/// types. Normalises `one_of` values to their canonical spelling.
pub fn validate(
    provider_specs: &[SettingSpec],
    settings: &mut Map<String, Value>,
    errors: &mut FieldErrors,
) {
    let specs: Vec<&SettingSpec> = provider_specs.iter().chain(COMMON_SETTINGS).collect();
    for key in settings.keys() {
        if !specs.iter().any(|s| s.name == key) {
            let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            let hint = format!("known settings: {}", known.join(", "));
            errors.push(
                format!("settings.{key}"),
                format!("is not a setting of this provider; {hint}"),
            );
        }
    }
    for spec in specs {
        let field = format!("settings.{}", spec.name);
        match settings.get(spec.name) {
            None | Some(Value::Null) => {
                settings.remove(spec.name);
                if spec.required {
                    errors.push(field, format!("is required: {}", spec.description));
                }
            }
            Some(value) => match check(&spec.kind, value) {
                Ok(normalised) => {
                    settings.insert(spec.name.to_owned(), normalised);
                }
                Err(message) => errors.push(field, message),
            },
        }
    }
}

fn check(kind: &SettingKind, value: &Value) -> Result<Value, String> {
    match kind {
        SettingKind::Identifier { max_len } => {
            let s = value.as_str().map(str::trim).ok_or("must be a string")?;
            let ok = !s.is_empty()
                && s.len() <= *max_len
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            // An identifier becomes a path segment (8x8's customer id), where
            // `.` and `..` would name the current and parent directory.
            if !ok {
                Err(format!(
                    "must be 1 to {max_len} of letters, digits, `.`, `_` and `-`"
                ))
            } else if s.bytes().all(|b| b == b'.') {
                Err("must not consist of dots only".to_owned())
            } else {
                Ok(Value::String(s.to_owned()))
            }
        }
        SettingKind::OneOf { values } => {
            let s = value.as_str().map(str::trim).ok_or("must be a string")?;
            values
                .iter()
                .find(|v| v.eq_ignore_ascii_case(s) || v.replace(' ', "_").eq_ignore_ascii_case(s))
                .map(|v| Value::String((*v).to_owned()))
                .ok_or_else(|| format!("must be one of: {}", values.join(", ")))
        }
        SettingKind::Integer { min, max } => value
            .as_u64()
            .filter(|n| (min..=max).contains(&n))
            .map(Value::from)
            .ok_or_else(|| format!("must be a whole number from {min} to {max}")),
    }
}
