//! The dispatch layer: one file per provider holding its *profile* (what a
//! connection needs, how the app speaks SCIM) and its attribute mapping.
//! [`provider`] picks the profile for a [`ProviderKind`]; everything else in
//! provisio talks to the [`Provider`] trait and never names a provider.

mod eight_by_eight;
mod interact;
mod scim;
mod settings;
mod workiva;
mod workplace;

use serde::Serialize;
use serde_json::{Map, Value};
use url::Url;
use utoipa::ToSchema;

pub use settings::{SettingKind, SettingSpec};

use crate::domain::{ConnectionSettings, CredentialKind, FieldErrors, InstanceUrl, ProviderKind};

/// The profile of one provider. Implementations are unit structs in this module's files.
pub trait Provider: Send + Sync + 'static {
    fn kind(&self) -> ProviderKind;

    /// Static facts shown in the catalogue and used to validate connections.
    fn descriptor(&self) -> &'static Descriptor;

    /// Provider-specific clean-up of a connection before generic validation:
    /// deriving settings from a pasted URL, completing a base path, normalising values.
    fn prepare_connection(&self, _draft: &mut ConnectionDraft, _errors: &mut FieldErrors) {}
}

/// The profile for `kind`.
pub fn provider(kind: ProviderKind) -> &'static dyn Provider {
    match kind {
        ProviderKind::Scim => &scim::Scim,
        ProviderKind::Workplace => &workplace::Workplace,
        ProviderKind::Interact => &interact::Interact,
        ProviderKind::Workiva => &workiva::Workiva,
        ProviderKind::EightByEight => &eight_by_eight::EightByEight,
    }
}

/// What the catalogue says about a provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct Descriptor {
    /// Human name of the app.
    pub display_name: &'static str,
    /// One sentence on what to connect and where to find the values.
    pub description: &'static str,
    /// Credential types the app accepts, preferred first.
    pub auth_types: &'static [CredentialKind],
    pub instance_url: InstanceUrlRule,
    /// Provider settings a connection may (or must) carry.
    pub settings: &'static [SettingSpec],
    pub capabilities: Capabilities,
    /// The provider's own SCIM documentation.
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
    /// SCIM attributes the app can filter on.
    pub filters: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStrategy {
    Patch,
    Put,
}

/// A connection as submitted, before the profile has validated it.
#[derive(Debug, Clone, Default)]
pub struct ConnectionDraft {
    pub instance_url: Option<String>,
    pub credential_kind: Option<CredentialKind>,
    pub settings: Map<String, Value>,
}

/// A connection's location and settings after the profile accepted them.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedConnection {
    pub instance_url: InstanceUrl,
    pub settings: ConnectionSettings,
}

/// Validates and completes a connection for `kind`, reporting every faulty field.
pub fn resolve_connection(
    kind: ProviderKind,
    mut draft: ConnectionDraft,
) -> Result<ResolvedConnection, FieldErrors> {
    let profile = provider(kind);
    let descriptor = profile.descriptor();
    let mut errors = FieldErrors::new();

    if let Some(credential_kind) = draft.credential_kind
        && !descriptor.auth_types.contains(&credential_kind)
    {
        errors.push(
            "credentials.type",
            format!(
                "{} does not accept `{credential_kind}` credentials; use one of: {}",
                descriptor.display_name,
                join(descriptor.auth_types.iter().map(|k| k.as_str()))
            ),
        );
    }
    if let Some(url) = &draft.instance_url {
        draft.instance_url = Some(trim_users_endpoint(url));
    }
    profile.prepare_connection(&mut draft, &mut errors);
    settings::validate(descriptor.settings, &mut draft.settings, &mut errors);

    let raw_url = draft
        .instance_url
        .clone()
        .or_else(|| descriptor.instance_url.default.map(str::to_owned));
    let instance_url = match raw_url {
        Some(raw) => errors.take(InstanceUrl::parse(&raw)),
        None => {
            errors.push(
                "instance_url",
                format!(
                    "is required for {}: {}",
                    descriptor.display_name, descriptor.instance_url.help
                ),
            );
            None
        }
    };
    match instance_url {
        Some(instance_url) if errors.is_empty() => Ok(ResolvedConnection {
            instance_url,
            settings: ConnectionSettings::new(draft.settings),
        }),
        _ => Err(errors),
    }
}

/// People paste the `/Users` endpoint as often as the base URL; accept both.
fn trim_users_endpoint(raw: &str) -> String {
    let trimmed = raw.trim().trim_end_matches('/');
    match trimmed.len().checked_sub("/Users".len()) {
        Some(cut) if trimmed[cut..].eq_ignore_ascii_case("/Users") => trimmed[..cut].to_owned(),
        _ => raw.trim().to_owned(),
    }
}

/// Parses a URL that a profile wants to rewrite; `None` leaves the error to generic validation.
fn parse_url(raw: &str) -> Option<Url> {
    Url::parse(raw).ok().filter(|u| u.has_host())
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests;
