//! How a connection's app really behaves, as far as provisio has seen: learned
//! by the connection test's probe and by ordinary calls, and overridable by
//! hand for what cannot be probed. Every fact is optional: unknown means "as
//! the SCIM standard says", and provisio adapts only to what it has seen.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::FieldErrors;

/// A connection's knowledge of its app: what was learned, and what an
/// operator set by hand over it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionProfile {
    pub learned: AppProfile,
    pub overrides: AppProfile,
    /// When the connection test last probed the app.
    pub probed_at: Option<DateTime<Utc>>,
}

impl ConnectionProfile {
    /// What provisio acts on: the learned facts, with the overrides over them.
    pub fn effective(&self) -> AppProfile {
        self.learned.overlaid_with(&self.overrides)
    }
}

/// What provisio knows about an app's SCIM behaviour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppProfile {
    /// Whether listings may carry `count`. `false`: the app fails with it, so
    /// provisio lists without it and pages through what the app sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_param: Option<bool>,
    /// Whether the app applies `filter`. `false`: it returns everyone, so a
    /// lookup reads every account and filters on provisio's side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<bool>,
    /// Whether `userName eq` matches ignoring case, as RFC 7643 says. `false`:
    /// a lookup that finds nothing tries the managed account's exact name,
    /// then reads every account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_ignores_case: Option<bool>,
    /// Whether a page past the end comes back empty. `false`: the app repeats
    /// pages there, so paging stops at `totalResults` and repeated ids are dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging_consistent: Option<bool>,
    /// The largest page the app serves; account walks ask for pages this large.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // Any u32 is taken: int32, the derive's format for u32, would promise less.
    #[schema(format = Int64, minimum = 1, maximum = 4_294_967_295_u64)]
    pub max_page_size: Option<u32>,
    /// Whether the app takes SCIM PATCH (else changes are GET-merge-PUT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<bool>,
    /// Whether a PATCH answers with the resource (`false`: 204, so provisio
    /// asks for it in the same call, or reads it back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_returns_resource: Option<bool>,
    /// Whether a PATCH naming `attributes` answers 200 with the resource, as
    /// RFC 7644 §3.5.2 requires. `false`: the app answers 204 anyway or refuses
    /// the parameter, so after a 204 provisio reads the user back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_honours_attributes: Option<bool>,
    /// Whether the app versions resources (ETags), so a PUT can carry `If-Match`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<bool>,
    /// Whether the app has SCIM Groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<bool>,
    /// Whether the app keeps `externalId`. `false`: people are matched to
    /// accounts by user name and email, and a plan says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keeps_external_id: Option<bool>,
}

impl AppProfile {
    /// `self`, with every fact `over` states taken from `over`.
    pub fn overlaid_with(self, over: &AppProfile) -> AppProfile {
        AppProfile {
            count_param: over.count_param.or(self.count_param),
            filters: over.filters.or(self.filters),
            filter_ignores_case: over.filter_ignores_case.or(self.filter_ignores_case),
            paging_consistent: over.paging_consistent.or(self.paging_consistent),
            max_page_size: over.max_page_size.or(self.max_page_size),
            patch: over.patch.or(self.patch),
            patch_returns_resource: over.patch_returns_resource.or(self.patch_returns_resource),
            patch_honours_attributes: over
                .patch_honours_attributes
                .or(self.patch_honours_attributes),
            etag: over.etag.or(self.etag),
            groups: over.groups.or(self.groups),
            keeps_external_id: over.keeps_external_id.or(self.keeps_external_id),
        }
    }

    /// Applies a JSON merge patch of overrides: a fact set is set, `null`
    /// forgets it, an absent one stays. Unknown facts and wrong types are
    /// reported with their path under `field`.
    pub fn merge_patch(
        &mut self,
        patch: &Map<String, Value>,
        field: &str,
    ) -> Result<(), FieldErrors> {
        let mut merged = match serde_json::to_value(*self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let mut errors = FieldErrors::new();
        for (key, value) in patch {
            let path = format!("{field}.{key}");
            if !Self::FACTS.contains(&key.as_str()) {
                let known = Self::FACTS.join(", ");
                errors.push(path, format!("is not a known fact; known: {known}"));
            } else if value.is_null() {
                merged.remove(key);
            } else if key == "max_page_size"
                && !value
                    .as_u64()
                    .is_some_and(|n| (1..=u64::from(u32::MAX)).contains(&n))
            {
                errors.push(path, "must be a whole number from 1");
            } else if key != "max_page_size" && !value.is_boolean() {
                errors.push(path, "must be true or false (or null to forget it)");
            } else {
                merged.insert(key.clone(), value.clone());
            }
        }
        let merged = serde_json::from_value::<AppProfile>(Value::Object(merged));
        match merged {
            Ok(profile) if errors.is_empty() => {
                *self = profile;
                Ok(())
            }
            _ => Err(errors),
        }
    }

    /// The facts a profile holds, by name.
    pub const FACTS: [&'static str; 11] = [
        "count_param",
        "filters",
        "filter_ignores_case",
        "paging_consistent",
        "max_page_size",
        "patch",
        "patch_returns_resource",
        "patch_honours_attributes",
        "etag",
        "groups",
        "keeps_external_id",
    ];

    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        *self == AppProfile::default()
    }

    /// What a sync plan should tell its reader about this app, one sentence each.
    pub fn plan_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.keeps_external_id == Some(false) {
            warnings.push(
                "the app does not keep externalId: people are matched to accounts by user name \
                 and email (and by the accounts provisio manages)"
                    .to_owned(),
            );
        }
        if self.filters == Some(false) {
            warnings.push(
                "the app ignores filters: provisio filters on its side, and a lookup reads \
                 every account"
                    .to_owned(),
            );
        }
        if self.filter_ignores_case == Some(false) {
            warnings.push(
                "the app's userName filter is case-sensitive: a lookup that finds nothing \
                 may read every account"
                    .to_owned(),
            );
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_wins_and_leaves_the_other_facts_as_learned() {
        let learned = AppProfile {
            filters: Some(true),
            count_param: Some(false),
            ..AppProfile::default()
        };
        let over = AppProfile {
            filters: Some(false),
            ..AppProfile::default()
        };
        let effective = learned.overlaid_with(&over);
        assert_eq!(effective.filters, Some(false));
        assert_eq!(effective.count_param, Some(false));
        assert_eq!(effective.groups, None);
    }

    #[test]
    fn unknown_facts_are_left_out_of_the_json() {
        let profile = AppProfile {
            patch: Some(true),
            ..AppProfile::default()
        };
        assert_eq!(
            serde_json::to_value(profile).unwrap(),
            serde_json::json!({"patch": true})
        );
    }
}
