//! Any standards-compliant SCIM 2.0 app (RFC 7643/7644): the reference behaviour.

use super::{Descriptor, InstanceUrlRule, PatchSupport, Provider};
use crate::domain::{CredentialKind};

pub struct Scim;

static DESCRIPTOR: Descriptor = Descriptor {
    display_name: "SCIM 2.0",
    description: "Any app with a standards-compliant SCIM 2.0 API: give its SCIM base URL and a bearer token or Basic credentials.",
    auth_types: &[CredentialKind::Bearer, CredentialKind::Basic],
    instance_url: InstanceUrlRule {
        required: true,
        default: None,
        help: "the app's SCIM base URL, the one `/Users` hangs off (e.g. https://app.example.com/scim/v2)",
    },
    settings: &[],
    filters: &["userName", "externalId"],
    notes: &[],
    documentation_url: "https://www.rfc-editor.org/rfc/rfc7644",
};

impl Provider for Scim {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    /// RFC 7644 makes PATCH optional: use it where ServiceProviderConfig says so.
    fn patch_support(&self) -> PatchSupport {
        PatchSupport::AsAdvertised
    }
}
