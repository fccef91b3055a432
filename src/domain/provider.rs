//! Which SaaS app a connection talks to. Only the identity lives here. The list
//! of providers is the registry in the `providers` module: it alone makes a
//! `ProviderKind` (`ProviderKind::Scim`, `ProviderKind::ALL`, parsing an id,
//! the OpenAPI enum), so adding a provider changes nothing in `domain`.

use std::fmt;

use serde::Serialize;

/// A provider's id as used in the API (`scim`, `8x8`, …). Only the providers'
/// registry makes one, so a value that exists names a known provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ProviderKind(&'static str);

impl ProviderKind {
    /// For the providers' registry only; everything else parses an id against it.
    pub const fn registered(id: &'static str) -> Self {
        Self(id)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}
