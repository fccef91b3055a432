//! What the provider catalogue (`GET /v1/providers`) says about each app:
//! plain data that the provider profiles declare and the API shows.

use serde::Serialize;
use utoipa::ToSchema;

use super::{CredentialKind, ProviderKind};

/// One provider as the catalogue lists it.
#[derive(Debug)]
pub struct CatalogueEntry {
    pub id: ProviderKind,
    pub display_name: &'static str,
    pub description: &'static str,
    pub auth_types: &'static [CredentialKind],
    pub instance_url: &'static InstanceUrlRule,
    /// The provider's own settings, then those every connection takes.
    pub settings: Vec<&'static SettingSpec>,
    pub capabilities: Capabilities,
    pub documentation_url: &'static str,
}

/// Whether `instance_url` must be given, and what it defaults to.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstanceUrlRule {
    pub required: bool,
    /// Used when the connection gives none.
    pub default: Option<&'static str>,
    /// What to paste, for a form's help text.
    pub help: &'static str,
}

/// Which user operations the app supports, and how provisio performs them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Capabilities {
    /// How attribute changes are sent: `patch` (SCIM PATCH) or `put` (GET, merge, PUT).
    pub update: UpdateStrategy,
    /// Whether `DELETE /users/{id}` removes the account (otherwise it is refused; deactivate instead).
    pub delete: bool,
    /// Whether deactivated accounts can be reactivated.
    pub reactivate: bool,
    /// Whether the app may have SCIM Groups (for generic SCIM apps, their
    /// `/ResourceTypes` decides; `POST …/test` reports it).
    pub groups: bool,
    /// SCIM attributes the app can filter on.
    pub filters: &'static [&'static str],
    /// What else to know about the app's behaviour.
    pub notes: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStrategy {
    Patch,
    Put,
}

/// One setting a connection may carry (documented by the API as a flat object).
#[derive(Debug, Serialize)]
pub struct SettingSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
    #[serde(flatten)]
    pub kind: SettingKind,
}

/// The type of a setting's value.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SettingKind {
    /// A string of `[A-Za-z0-9._-]`, at most `max_len` long, not of dots only.
    Identifier { max_len: usize },
    /// One of `values`; matched ignoring case and stored in the listed spelling.
    OneOf { values: &'static [&'static str] },
    /// A whole number in `min..=max`.
    Integer { min: u64, max: u64 },
}
