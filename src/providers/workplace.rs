//! Meta Workplace / Work Accounts. SCIM resources sit at the host root
//! (`https://scim.workplace.com/Users`, no `/scim/v2`), every request must carry a
//! `User-Agent`, and only never-claimed accounts can be deleted.

use super::{Capabilities, Descriptor, InstanceUrlRule, Provider, UpdateStrategy};
use crate::domain::{CredentialKind, ProviderKind};

pub struct Workplace;

static DESCRIPTOR: Descriptor = Descriptor {
    display_name: "Meta Workplace / Work Accounts",
    description: "Meta's Work Accounts (formerly Workplace): a custom integration's access token with the \"Manage accounts\" permission.",
    auth_types: &[CredentialKind::Bearer],
    instance_url: InstanceUrlRule {
        required: false,
        default: Some("https://scim.workplace.com/"),
        help: "leave empty for https://scim.workplace.com/",
    },
    settings: &[],
    capabilities: Capabilities {
        update: UpdateStrategy::Patch,
        delete: true,
        reactivate: true,
        filters: &["userName", "externalId"],
    },
    documentation_url: "https://developers.facebook.com/docs/work-accounts/reference/scim/api-reference",
};

impl Provider for Workplace {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Workplace
    }

    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }
}
