//! Testing a connection: reach, authenticate, list one user, read the configuration.

use super::{Check, UserService, explain_missing_endpoint};
use crate::{
    domain::{Caller, ConnectionKey},
    scim::{ListResponse, ProviderError, ProviderErrorKind},
    service::{ServiceError, app::Op},
};

impl UserService {
    /// Reaches the app, checks authentication, lists one user and reads the
    /// ServiceProviderConfig where the app has one. Stops at the first failure
    /// that makes later checks meaningless.
    pub async fn test(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
    ) -> Result<Vec<Check>, ServiceError> {
        let op = self.apps.start(key, caller).await?;
        let listed = self.apps.scim(&op).list_users(None, 1, 1).await;
        let mut checks = Vec::new();
        if let Err(e) = &listed
            && e.status.is_none()
        {
            checks.push(check("reach", Err(e.clone())));
            return Ok(checks);
        }
        let base = &op.app.endpoint.base;
        checks.push(check("reach", Ok(format!("{base} answered"))));
        match listed {
            Err(e) if e.kind == ProviderErrorKind::Unauthorized => {
                checks.push(check("authenticate", Err(e)));
                return Ok(checks);
            }
            listed => {
                let accepted = Ok("the credentials were accepted".to_owned());
                checks.push(check("authenticate", accepted));
                checks.push(check("list_users", list_outcome(&op, listed)));
            }
        }
        if op.app.profile.has_service_provider_config() {
            checks.push(self.config_check(&op).await);
        }
        Ok(checks)
    }

    async fn config_check(&self, op: &Op) -> Check {
        let outcome = self
            .apps
            .scim(op)
            .service_provider_config()
            .await
            .map(|config| {
                let yes_no = |b: Option<bool>| if b.unwrap_or(false) { "yes" } else { "no" };
                format!(
                    "PATCH supported: {}; filtering supported: {}",
                    yes_no(config.patch.supported),
                    yes_no(config.filter.supported)
                )
            });
        check("service_provider_config", outcome)
    }
}

fn list_outcome(
    op: &Op,
    listed: Result<ListResponse, ProviderError>,
) -> Result<String, ProviderError> {
    match listed {
        Err(e) => Err(explain_missing_endpoint(e, &op.app.endpoint)),
        Ok(list) => {
            let total = list
                .total_results
                .map_or_else(|| "an unknown number of".to_owned(), |t| t.to_string());
            Ok(format!("the app holds {total} users"))
        }
    }
}

fn check(name: &'static str, outcome: Result<String, ProviderError>) -> Check {
    Check {
        name,
        outcome: outcome.map_err(ServiceError::Provider),
    }
}
