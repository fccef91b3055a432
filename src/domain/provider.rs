//! Which SaaS app a connection talks to. Only the identity lives here; what each
//! provider needs and how it speaks SCIM lives in `crate::providers`.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Provider id as used in the API (`scim`, `workplace`, `interact`, `workiva`, `8x8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum ProviderKind {
    /// Any standards-compliant SCIM 2.0 app.
    #[serde(rename = "scim")]
    Scim,
    /// Meta Workplace / Work Accounts.
    #[serde(rename = "workplace")]
    Workplace,
    /// Interact intranet.
    #[serde(rename = "interact")]
    Interact,
    /// Workiva.
    #[serde(rename = "workiva")]
    Workiva,
    /// 8x8.
    #[serde(rename = "8x8")]
    EightByEight,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 5] = [
        ProviderKind::Scim,
        ProviderKind::Workplace,
        ProviderKind::Interact,
        ProviderKind::Workiva,
        ProviderKind::EightByEight,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Scim => "scim",
            ProviderKind::Workplace => "workplace",
            ProviderKind::Interact => "interact",
            ProviderKind::Workiva => "workiva",
            ProviderKind::EightByEight => "8x8",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown provider id; lists the known ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProvider(pub String);

impl fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = ProviderKind::ALL.iter().map(|p| p.as_str()).collect();
        write!(
            f,
            "unknown provider `{}`; known providers: {}",
            self.0,
            known.join(", ")
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
        assert!(
            err.to_string()
                .contains("scim, workplace, interact, workiva, 8x8")
        );
    }
}
