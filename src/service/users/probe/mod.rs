//! The connection test: a conformance probe of the app. Read-only checks
//! first (reach, authenticate, list, what the app advertises, and what it
//! really does with `count`, filters, case, paging and page sizes), then, when
//! asked, a throwaway user to see what writes do. Each check says what it
//! found and, where the app bends the standard, what that costs; the findings
//! are stored as the connection's app profile, which every later call uses.

mod reads;
mod writes;

use chrono::Utc;
use serde_json::{Map, Value};

use super::{UserService, explain_missing_endpoint};
use crate::{
    domain::{AppProfile, Caller, ConnectionKey, ErrorCode},
    scim::ProviderError,
    service::{ServiceError, app::Op},
};

/// What one check found.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    /// What was found, for a person to act on.
    pub detail: String,
    /// The API error code a failed call would have had.
    pub code: Option<ErrorCode>,
    /// What the finding costs, where the app bends the standard.
    pub consequence: Option<String>,
}

/// The checks, and the app profile they leave the connection with.
pub struct ProbeReport {
    pub checks: Vec<Check>,
    pub profile: AppProfile,
}

impl UserService {
    /// Probes the connection's app; with `write`, also with a throwaway user
    /// (created, changed, and removed again).
    pub async fn probe(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        write: bool,
    ) -> Result<ProbeReport, ServiceError> {
        let op = self.apps.start(key, caller).await?;
        let mut probe = Probe {
            users: self,
            op: &op,
            checks: Vec::new(),
            found: AppProfile::default(),
            sample: None,
            advertised_filter: None,
        };
        if probe.reach_and_list().await {
            probe.service_provider_config().await;
            let throwaway = if write { probe.create().await } else { None };
            probe.listing_habits(throwaway.as_ref()).await;
            probe.groups().await;
            if let Some(user) = throwaway {
                probe.patch_and_remove(&user).await;
            }
        }
        let Probe { checks, found, .. } = probe;
        let profile = op.app.endpoint.habits.probed(&found, Utc::now());
        self.apps
            .connections()
            .save_learned(op.app.connection.id, profile.learned, profile.probed_at)
            .await?;
        Ok(ProbeReport {
            checks,
            profile: profile.effective(),
        })
    }
}

/// A probe under way: the checks so far, and the facts found.
struct Probe<'a> {
    users: &'a UserService,
    op: &'a Op,
    checks: Vec<Check>,
    found: AppProfile,
    /// A user the app listed, to try filters with.
    sample: Option<Map<String, Value>>,
    /// What ServiceProviderConfig says of filtering (the checks try it for real).
    advertised_filter: Option<bool>,
}

impl Probe<'_> {
    fn scim(&self) -> crate::scim::Session<'_> {
        self.users.apps.scim(self.op)
    }

    fn pass(&mut self, name: &'static str, detail: impl Into<String>) {
        self.checks.push(Check {
            name,
            ok: true,
            detail: detail.into(),
            code: None,
            consequence: None,
        });
    }

    /// A check the app fails, and what provisio does about it.
    fn bend(&mut self, name: &'static str, detail: impl Into<String>, consequence: &str) {
        self.checks.push(Check {
            name,
            ok: false,
            detail: detail.into(),
            code: None,
            consequence: Some(consequence.to_owned()),
        });
    }

    /// A call that failed.
    fn fail(&mut self, name: &'static str, error: ProviderError) {
        let error = ServiceError::Provider(explain_missing_endpoint(error, &self.op.app.endpoint));
        self.checks.push(Check {
            name,
            ok: false,
            code: Some(error.code()),
            detail: error.to_string(),
            consequence: None,
        });
    }
}

/// A resource's `userName`.
fn user_name_of(resource: &Map<String, Value>) -> Option<&str> {
    resource.get("userName").and_then(Value::as_str)
}
