//! Interact intranet. The SCIM API lives under `/api/v2/scim/v2` on the intranet's
//! host; creating a user needs `externalId`, given and family name, and a `loginType`
//! in Interact's extension, which a connection sets a default for.

use serde_json::{Map, Value};

use super::{GroupSupport, 
    ConnectionDraft, Descriptor, InstanceUrlRule, Provider, SettingKind, SettingSpec,
    keep_given_and_family_name, mapping, parse_url, require_given_and_family_name,
};
use crate::domain::{
    Connection, CredentialKind, FieldErrors, Patch, UserFields, UserPatch,
};

/// Interact's user extension, holding `loginType`.
pub const EXTENSION: &str = "urn:ietf:params:scim:schemas:extension:interactsoftware:2.0:User";
const LOGIN_TYPE: &str = "loginType";

pub struct Interact;

const SCIM_PATH: &str = "/api/v2/scim/v2";
pub const LOGIN_TYPES: &[&str] = &["SAML", "Local Login", "Windows Login"];

static DESCRIPTOR: Descriptor = Descriptor {
    display_name: "Interact",
    description: "The Interact intranet: a SCIM profile source's generated key, and the login type new users get.",
    auth_types: &[CredentialKind::Bearer],
    instance_url: InstanceUrlRule {
        required: true,
        default: None,
        help: "your intranet's address (e.g. https://intranet.example.com); /api/v2/scim/v2 is added if missing",
    },
    settings: &[SettingSpec {
        name: "login_type",
        description: "how new users sign in unless a user says otherwise: SAML, Local Login or Windows Login",
        required: true,
        kind: SettingKind::OneOf {
            values: LOGIN_TYPES,
        },
    }],
    filters: &["userName", "externalId"],
    notes: &[
        "new users need external_id, name.given_name and name.family_name; loginType defaults to the connection's login_type",
    ],
    documentation_url: "https://developer.interactsoftware.com/docs/scim-v20",
};

impl Provider for Interact {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    /// Interact provisions groups too.
    fn groups(&self) -> GroupSupport {
        GroupSupport::Yes
    }

    /// `https://intranet.example.com` becomes `https://intranet.example.com/api/v2/scim/v2`.
    fn prepare_connection(&self, draft: &mut ConnectionDraft, _errors: &mut FieldErrors) {
        let Some(mut url) = draft.instance_url.as_deref().and_then(parse_url) else {
            return;
        };
        let path = url.path().trim_end_matches('/').to_owned();
        if !path.to_ascii_lowercase().ends_with(SCIM_PATH) {
            url.set_path(&format!("{path}{SCIM_PATH}"));
        }
        draft.instance_url = Some(url.to_string());
    }

    /// A user's `loginType` lives in Interact's extension.
    fn user_attributes(&self) -> Vec<&'static str> {
        mapping::read_attributes(&[EXTENSION])
    }

    fn validate_new_user(&self, user: &UserFields, _connection: &Connection) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if user.external_id.as_deref().is_none_or(str::is_empty) {
            errors.push("external_id", "is required by Interact");
        }
        require_given_and_family_name(user, "Interact", &mut errors);
        check_login_type(user.extensions.get(EXTENSION), &mut errors);
        errors
    }

    fn validate_patch(&self, patch: &UserPatch) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if matches!(patch.external_id, Patch::Null) {
            errors.push("external_id", "cannot be removed: Interact requires it");
        }
        keep_given_and_family_name(patch, "Interact", &mut errors);
        if let Patch::Value(extensions) = &patch.extensions {
            check_login_type(extensions.get(EXTENSION), &mut errors);
        }
        errors
    }

    /// Every new user carries a `loginType`: its own, or the connection's default.
    fn user_resource(&self, user: &UserFields, connection: &Connection) -> Map<String, Value> {
        let mut resource = mapping::to_scim(user, self.dialect());
        let default = connection
            .settings
            .get_str("login_type")
            .unwrap_or(LOGIN_TYPES[0]);
        let extension = resource
            .entry(EXTENSION)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(extension) = extension {
            extension
                .entry(LOGIN_TYPE)
                .or_insert_with(|| default.into());
        }
        if let Some(Value::Array(schemas)) = resource.get_mut("schemas")
            && !schemas.iter().any(|s| s == EXTENSION)
        {
            schemas.push(EXTENSION.into());
        }
        resource
    }
}

/// A `loginType` given in the extension must be one Interact knows (`null` removes it in a patch).
fn check_login_type(extension: Option<&Value>, errors: &mut FieldErrors) {
    let Some(value) = extension.and_then(|e| e.get(LOGIN_TYPE)) else {
        return;
    };
    let known = value.as_str().is_some_and(|v| LOGIN_TYPES.contains(&v));
    if !known {
        errors.push(
            format!("extensions.{EXTENSION}.{LOGIN_TYPE}"),
            format!("must be one of: {}", LOGIN_TYPES.join(", ")),
        );
    }
}
