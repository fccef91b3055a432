//! Interact intranet. The SCIM API lives under `/api/v2/scim/v2` on the intranet's
//! host; creating a user needs `externalId`, given and family name, and a `loginType`
//! in Interact's extension, which a connection sets a default for.

use super::{
    Capabilities, ConnectionDraft, Descriptor, InstanceUrlRule, Provider, SettingKind, SettingSpec,
    UpdateStrategy, parse_url,
};
use crate::domain::{CredentialKind, FieldErrors, ProviderKind};

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
    capabilities: Capabilities {
        update: UpdateStrategy::Patch,
        delete: true,
        reactivate: true,
        filters: &["userName", "externalId"],
    },
    documentation_url: "https://developer.interactsoftware.com/docs/scim-v20",
};

impl Provider for Interact {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Interact
    }

    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
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
}
