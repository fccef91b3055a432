//! Testing a connection: reach, authenticate, list one user, read the configuration.

use super::{Check, Target, Users, explain_missing_endpoint};
use crate::scim::ProviderErrorKind;

impl Users {
    /// Reaches the app, checks authentication, lists one user and reads the
    /// ServiceProviderConfig where the app has one. Stops at the first failure
    /// that makes later checks meaningless.
    pub async fn test(&self, target: &Target) -> Vec<Check> {
        let mut checks = Vec::new();
        let listed = self.client.list_users(&target.endpoint, None, 1, 1).await;
        match &listed {
            Err(e) if e.status.is_none() => {
                checks.push(Check {
                    name: "reach",
                    outcome: Err(e.clone()),
                });
                return checks;
            }
            _ => checks.push(Check {
                name: "reach",
                outcome: Ok(format!("{} answered", target.endpoint.base)),
            }),
        }
        match listed {
            Err(e) if e.kind == ProviderErrorKind::Unauthorized => {
                checks.push(Check {
                    name: "authenticate",
                    outcome: Err(e),
                });
                return checks;
            }
            Err(e) => {
                checks.push(Check {
                    name: "authenticate",
                    outcome: Ok("the credentials were accepted".into()),
                });
                checks.push(Check {
                    name: "list_users",
                    outcome: Err(explain_missing_endpoint(e, &target.endpoint)),
                });
            }
            Ok(list) => {
                checks.push(Check {
                    name: "authenticate",
                    outcome: Ok("the credentials were accepted".into()),
                });
                let total = list
                    .total_results
                    .map_or_else(|| "an unknown number of".to_owned(), |t| t.to_string());
                checks.push(Check {
                    name: "list_users",
                    outcome: Ok(format!("the app holds {total} users")),
                });
            }
        }
        if target.profile.has_service_provider_config() {
            let outcome = self
                .client
                .service_provider_config(&target.endpoint)
                .await
                .map(|config| {
                    let yes_no = |b: Option<bool>| if b.unwrap_or(false) { "yes" } else { "no" };
                    format!(
                        "PATCH supported: {}; filtering supported: {}",
                        yes_no(config.patch.supported),
                        yes_no(config.filter.supported)
                    )
                });
            checks.push(Check {
                name: "service_provider_config",
                outcome,
            });
        }
        checks
    }
}
