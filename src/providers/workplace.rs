//! Meta Workplace / Work Accounts. SCIM resources sit at the host root
//! (`https://scim.workplace.com/Users`, no `/scim/v2`), every request must carry a
//! `User-Agent`, and only never-claimed accounts can be deleted.

use serde_json::{Map, Value};

use super::{GroupSupport, 
    Descriptor, Dialect, InstanceUrlRule, Provider, mapping,
};
use crate::domain::{Connection, CredentialKind, UserFields};

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
    filters: &["userName", "externalId"],
    notes: &[
        "DELETE only succeeds for accounts that were never claimed; deactivate the others",
    ],
    documentation_url: "https://developers.facebook.com/docs/work-accounts/reference/scim/api-reference",
};

impl Provider for Workplace {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    /// Workplace groups.
    fn groups(&self) -> GroupSupport {
        GroupSupport::Yes
    }

    /// Workplace reads the manager as `enterprise.manager.managerId`.
    fn dialect(&self) -> Dialect {
        Dialect {
            manager_key: "managerId",
        }
    }

    /// Workplace's API reference requires `name.formatted`; derive it when absent.
    fn user_resource(&self, user: &UserFields, _connection: &Connection) -> Map<String, Value> {
        let mut resource = mapping::to_scim(user, self.dialect());
        if let Some(formatted) = formatted_name(user)
            && let Value::Object(name) = resource
                .entry("name")
                .or_insert_with(|| Value::Object(Map::new()))
        {
            name.entry("formatted").or_insert(Value::String(formatted));
        }
        resource
    }

    /// Only `/Users` is served.
    fn has_service_provider_config(&self) -> bool {
        false
    }
}

/// `Given Family`, else the display name.
fn formatted_name(user: &UserFields) -> Option<String> {
    let name = user.name.as_ref();
    if let Some(formatted) = name.and_then(|n| n.formatted.clone()) {
        return Some(formatted);
    }
    let parts: Vec<&str> = name
        .map(|n| [&n.given_name, &n.family_name])
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_deref())
        .collect();
    if parts.is_empty() {
        user.display_name.clone()
    } else {
        Some(parts.join(" "))
    }
}
