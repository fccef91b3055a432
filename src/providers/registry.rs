//! The one list of providers. `providers!` (invoked in `mod.rs`) names each
//! provider once: its `ProviderKind` constant, its API id, and the module and
//! profile that implement it. Everything that needs the list reads it from
//! there: parsing an id, the profile for a kind, the catalogue, the OpenAPI enum.

use std::{fmt, str::FromStr};

use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema, schema::Type},
};

use super::{Provider, REGISTRY, scim};
use crate::domain::ProviderKind;

/// Declares the providers: `Kind = "id" => module::Profile,` each, in catalogue order.
macro_rules! providers {
    ($($kind:ident = $id:literal => $module:ident::$profile:ident,)+) => {
        $(mod $module;)+

        // Named like the enum variants they replace, so call sites read the same.
        #[allow(non_upper_case_globals)]
        impl ProviderKind {
            $(pub const $kind: ProviderKind = ProviderKind::registered($id);)+

            /// Every provider, in catalogue order.
            pub const ALL: [ProviderKind; [$($id),+].len()] = [$(ProviderKind::$kind),+];
        }

        /// Each provider's profile, in catalogue order.
        static REGISTRY: [(ProviderKind, &dyn Provider); [$($id),+].len()] =
            [$((ProviderKind::$kind, &$module::$profile)),+];
    };
}

/// The profile for `kind`.
pub fn provider(kind: ProviderKind) -> &'static dyn Provider {
    REGISTRY
        .iter()
        .find_map(|(k, profile)| (*k == kind).then_some(*profile))
        // Only the registry makes a `ProviderKind`, so every kind is found; the
        // standard SCIM profile is the harmless answer a forged one would get.
        .unwrap_or(&scim::Scim)
}

/// The error of parsing an unknown provider id; lists the known ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProvider(pub String);

impl fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown provider `{}`; known providers: {}",
            self.0,
            ids().collect::<Vec<_>>().join(", ")
        )
    }
}

impl FromStr for ProviderKind {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProviderKind::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownProvider(s.to_owned()))
    }
}

fn ids() -> impl Iterator<Item = &'static str> {
    ProviderKind::ALL.into_iter().map(ProviderKind::as_str)
}

/// A string enum of the registered ids, as the derive on an enum would write it.
impl PartialSchema for ProviderKind {
    fn schema() -> RefOr<Schema> {
        let quoted: Vec<String> = ids().map(|id| format!("`{id}`")).collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(format!(
                "Provider id as used in the API ({}).",
                quoted.join(", ")
            )))
            .enum_values(Some(ids()))
            .into()
    }
}

impl ToSchema for ProviderKind {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_id_round_trips_through_its_string_form() {
        for kind in ProviderKind::ALL {
            assert_eq!(kind.as_str().parse::<ProviderKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn an_unknown_provider_names_the_known_ones() {
        let err = "okta".parse::<ProviderKind>().unwrap_err();
        let known = ids().collect::<Vec<_>>().join(", ");
        assert!(err.to_string().contains(&known), "{err}");
        assert!(
            known.starts_with("scim, "),
            "the generic profile comes first"
        );
    }

    #[test]
    fn ids_are_unique() {
        let mut seen: Vec<&str> = ids().collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), ProviderKind::ALL.len());
    }
}
