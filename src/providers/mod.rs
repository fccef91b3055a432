//! The dispatch layer: one file per provider holding its *profile* (what a
//! connection needs, how the app speaks SCIM) and its attribute mapping.
//! [`provider`] picks the profile for a [`ProviderKind`]; everything else in
//! provisio talks to the [`Provider`] trait and never names a provider.

#[macro_use]
mod registry;
pub mod group_mapping;
pub mod mapping;
mod settings;

// The one list of providers; a new one is its file plus a line here.
providers! {
    Scim = "scim" => scim::Scim,
    Workplace = "workplace" => workplace::Workplace,
    Interact = "interact" => interact::Interact,
    Workiva = "workiva" => workiva::Workiva,
    EightByEight = "8x8" => eight_by_eight::EightByEight,
}

use std::time::Duration;

use serde_json::{Map, Value};
use url::Url;

pub use crate::domain::{Capabilities, InstanceUrlRule, SettingKind, SettingSpec, UpdateStrategy};
pub use mapping::Dialect;
pub use registry::{UnknownProvider, provider};
pub use settings::{COMMON_SETTINGS, rate_budget};

use crate::{
    domain::{
        CatalogueEntry, Connection, ConnectionSettings, CredentialKind, Credentials, FieldErrors,
        InstanceUrl, Patch, ProviderKind, User, UserFields, UserPatch,
    },
    scim::{Auth, Endpoint, PatchOperation},
};

/// Default whole-request deadline for calls to an app (`settings.request_timeout_seconds`).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The profile of one provider. Implementations are unit structs in this
/// module's files; every method has the standard SCIM behaviour as its default,
/// so a file only states how its app differs.
pub trait Provider: Send + Sync + 'static {
    /// Static facts shown in the catalogue and used to validate connections.
    fn descriptor(&self) -> &'static Descriptor;

    /// Provider-specific clean-up of a connection before generic validation:
    /// deriving settings from a pasted URL, completing a base path, normalising values.
    fn prepare_connection(&self, _draft: &mut ConnectionDraft, _errors: &mut FieldErrors) {}

    /// Where the dialect differs within the standard SCIM shape.
    fn dialect(&self) -> Dialect {
        Dialect::STANDARD
    }

    /// Which writes may use SCIM PATCH; the rest are done as GET-merge-PUT.
    fn patch_support(&self) -> PatchSupport {
        PatchSupport::Full
    }

    /// What the app needs of a new user beyond the generic checks, reported
    /// with the API's field names before any call is made.
    fn validate_new_user(&self, _user: &UserFields, _connection: &Connection) -> FieldErrors {
        FieldErrors::new()
    }

    /// What the app needs of a change (e.g. not removing a required attribute).
    fn validate_patch(&self, _patch: &UserPatch) -> FieldErrors {
        FieldErrors::new()
    }

    /// The SCIM resource for a new user.
    fn user_resource(&self, user: &UserFields, _connection: &Connection) -> Map<String, Value> {
        mapping::to_scim(user, self.dialect())
    }

    /// The PATCH operations for a change.
    fn patch_operations(&self, patch: &UserPatch) -> Vec<PatchOperation> {
        mapping::operations(patch, self.dialect())
    }

    /// The unified user in the app's resource.
    fn read_user(&self, resource: &Map<String, Value>) -> Result<User, String> {
        mapping::from_scim(resource)
    }

    /// The top-level attributes `read_user` reads: named in `attributes` where
    /// an app answers with only what is asked for (a PATCH's answer).
    fn user_attributes(&self) -> Vec<&'static str> {
        mapping::read_attributes(&[])
    }

    /// Why provisio refuses to hard-delete users in this app, and what to do instead.
    fn delete_refusal(&self) -> Option<&'static str> {
        None
    }

    /// Whether the app serves `/ServiceProviderConfig`.
    fn has_service_provider_config(&self) -> bool {
        true
    }

    /// Whether the app has SCIM Groups.
    fn groups(&self) -> GroupSupport {
        GroupSupport::AsAdvertised
    }

    /// How many members one request adds or removes, unless the connection
    /// says otherwise (`settings.member_batch_size`).
    fn member_batch_size(&self) -> usize {
        100
    }
}

/// How many members one call to the connection's app adds or removes.
pub fn member_batch_size(connection: &Connection, profile: &dyn Provider) -> usize {
    connection
        .settings
        .get_u64(settings::MEMBER_BATCH_SIZE)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or_else(|| profile.member_batch_size())
        .max(1)
}

/// Whether an app has SCIM Groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSupport {
    Yes,
    No,
    /// As its `/ResourceTypes` says (or, lacking those, whether `/Groups` answers).
    AsAdvertised,
}

/// Which writes an app accepts as SCIM PATCH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchSupport {
    /// Every change.
    Full,
    /// Only `active`; other changes are GET-merge-PUT (8x8).
    ActiveOnly,
    /// No change; everything is GET-merge-PUT.
    None,
    /// Whatever the app's ServiceProviderConfig says (`patch.supported`):
    /// resolved to `Full` or `None` before use.
    AsAdvertised,
}

/// How to reach a connection's app: base URL, auth header and timeout.
pub fn endpoint(connection: &Connection, credentials: &Credentials) -> Endpoint {
    let auth = match credentials {
        Credentials::Bearer { token } | Credentials::ApiKey { token } => {
            Auth::Bearer(token.clone())
        }
        Credentials::Basic { username, password } => Auth::Basic {
            username: username.clone(),
            password: password.clone(),
        },
    };
    let timeout = connection
        .settings
        .get_u64(settings::REQUEST_TIMEOUT_SECONDS)
        .map_or(DEFAULT_REQUEST_TIMEOUT, Duration::from_secs);
    Endpoint::new(
        connection.instance_url.as_url().clone(),
        auth,
        timeout,
        connection.provider.as_str(),
    )
}

/// What the catalogue says about a provider.
#[derive(Debug)]
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
    /// SCIM attributes the app can filter on.
    pub filters: &'static [&'static str],
    /// What else to know about the app's behaviour.
    pub notes: &'static [&'static str],
    /// The provider's own SCIM documentation.
    pub documentation_url: &'static str,
}

/// Every provider as the catalogue lists it.
pub fn catalogue() -> Vec<CatalogueEntry> {
    ProviderKind::ALL
        .into_iter()
        .map(|id| {
            let profile = provider(id);
            let d = profile.descriptor();
            CatalogueEntry {
                id,
                display_name: d.display_name,
                description: d.description,
                auth_types: d.auth_types,
                instance_url: &d.instance_url,
                settings: d.settings.iter().chain(COMMON_SETTINGS).collect(),
                capabilities: capabilities(profile),
                documentation_url: d.documentation_url,
            }
        })
        .collect()
}

/// What the catalogue says a profile does, derived from what it does: the
/// update strategy from its [`PatchSupport`], delete from its refusal.
pub fn capabilities(profile: &dyn Provider) -> Capabilities {
    let descriptor = profile.descriptor();
    Capabilities {
        groups: profile.groups() != GroupSupport::No,
        update: profile.patch_support().update_strategy(),
        delete: profile.delete_refusal().is_none(),
        // Reactivating is a change of `active`, which every profile sends.
        reactivate: true,
        filters: descriptor.filters,
        notes: descriptor.notes,
    }
}

impl PatchSupport {
    /// How attribute changes travel, as the catalogue says it. `AsAdvertised`
    /// says `patch`: PATCH goes wherever the app's ServiceProviderConfig offers
    /// it, as a standard SCIM 2.0 app's does; GET-merge-PUT only where it does not.
    pub fn update_strategy(self) -> UpdateStrategy {
        match self {
            PatchSupport::Full | PatchSupport::AsAdvertised => UpdateStrategy::Patch,
            PatchSupport::ActiveOnly | PatchSupport::None => UpdateStrategy::Put,
        }
    }
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
    // `get` rather than indexing: the cut may fall inside a multi-byte character.
    let cut = trimmed.len().saturating_sub("/Users".len());
    match (trimmed.get(cut..), trimmed.get(..cut)) {
        (Some(tail), Some(base)) if tail.eq_ignore_ascii_case("/Users") => base.to_owned(),
        _ => raw.trim().to_owned(),
    }
}

/// For apps that require given and family name: reports each one missing from a new user.
fn require_given_and_family_name(user: &UserFields, app: &str, errors: &mut FieldErrors) {
    let name = user.name.as_ref();
    for (field, value) in [
        (
            "name.given_name",
            name.and_then(|n| n.given_name.as_deref()),
        ),
        (
            "name.family_name",
            name.and_then(|n| n.family_name.as_deref()),
        ),
    ] {
        if value.is_none_or(str::is_empty) {
            errors.push(field, format!("is required by {app}"));
        }
    }
}

/// For apps that require given and family name: refuses a patch that removes either.
fn keep_given_and_family_name(patch: &UserPatch, app: &str, errors: &mut FieldErrors) {
    match &patch.name {
        Patch::Null => errors.push(
            "name",
            format!("cannot be removed: {app} requires given and family name"),
        ),
        Patch::Value(name) => {
            for (field, value) in [
                ("name.given_name", &name.given_name),
                ("name.family_name", &name.family_name),
            ] {
                if matches!(value, Patch::Null) {
                    errors.push(field, format!("cannot be removed: {app} requires it"));
                }
            }
        }
        Patch::Absent => {}
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
