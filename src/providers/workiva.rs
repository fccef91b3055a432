//! Workiva. The SCIM URL and credentials come from Workiva's Identity Provider
//! page (Organization Admin > Security > Provisioning); deactivating suspends the user.

use super::{GroupSupport, Descriptor, InstanceUrlRule, Provider};
use crate::domain::{CredentialKind};

pub struct Workiva;

static DESCRIPTOR: Descriptor = Descriptor {
    display_name: "Workiva",
    description: "Workiva's SCIM provisioning: Basic credentials (provisioning id and secret) or a bearer token from the Identity Provider page.",
    auth_types: &[CredentialKind::Basic, CredentialKind::Bearer],
    instance_url: InstanceUrlRule {
        required: true,
        default: None,
        help: "the SCIM URL shown on Workiva's Identity Provider page (Organization Admin > Security > Provisioning)",
    },
    settings: &[],
    filters: &["userName", "externalId"],
    notes: &["deactivating suspends the user in Workiva"],
    documentation_url: "https://support.workiva.com/hc/en-us/articles/360040824152",
};

impl Provider for Workiva {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    /// Workiva groups carry organization roles and workspace memberships.
    fn groups(&self) -> GroupSupport {
        GroupSupport::Yes
    }

    fn delete_refusal(&self) -> Option<&'static str> {
        Some(
            "Workiva offers no hard delete through SCIM; deactivate the user instead (POST …/deactivate suspends it)",
        )
    }

    fn has_service_provider_config(&self) -> bool {
        false
    }
}
