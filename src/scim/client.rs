//! The one HTTP client provisio uses to talk SCIM. It executes what a provider
//! profile shaped (base URL, auth, timeout, rate budget) and trusts no server
//! blindly: filtered results are re-checked, paging stops when a page brings
//! nothing new, a PATCH gets the user back in as few calls as the app allows
//! (`patching.rs`), a create whose answer was lost is looked up before it is
//! sent again, and missing `Location`, `meta` or `itemsPerPage`, or numeric
//! ids, are tolerated.

use std::{sync::Arc, time::Duration};

use reqwest::Method;
use serde_json::{Map, Value};

use super::{
    budget::{AnswerBudget, DEFAULT_BUDGET_BYTES},
    endpoint::{CallContext, Endpoint},
    error::{ProviderError, ProviderErrorKind},
    filter::Filter,
    retry::{RetryPolicy, may_have_landed},
    transport::{Call, invalid, not_scim, parse_resource},
    types::{ServiceProviderConfig, id_of},
};
use crate::{
    metrics::Metrics,
    netguard::{self, GuardedResolver, NetworkPolicy},
};

/// Whether `found` is the account `sent` created (see [`ScimClient::create_user`]).
/// An app that drops `externalId` leaves only the name and emails to go by.
fn is_the_same_person(sent: &Map<String, Value>, found: &Map<String, Value>) -> bool {
    if let (Some(sent_id), Some(found_id)) = (sent.get("externalId"), found.get("externalId"))
        && !found_id.is_null()
    {
        return sent_id == found_id;
    }
    let emails = |user: &Map<String, Value>| -> Vec<String> {
        let mut values: Vec<String> = user
            .get("emails")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| {
                e.get("value")
                    .and_then(Value::as_str)
                    .map(str::to_lowercase)
            })
            .collect();
        values.sort();
        values
    };
    let name_matches = sent.get("name").is_none_or(|name| {
        name.as_object()
            .into_iter()
            .flatten()
            .all(|(k, v)| found.get("name").and_then(|n| n.get(k)) == Some(v))
    });
    name_matches && emails(sent) == emails(found)
}

#[derive(Debug, Clone)]
pub struct ScimClientOptions {
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// The most bytes of apps' answers held at once, by all calls together.
    pub answer_budget_bytes: usize,
}

impl Default for ScimClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            answer_budget_bytes: DEFAULT_BUDGET_BYTES,
        }
    }
}

/// A pooled, shared HTTP client (rustls). Cheap to clone.
#[derive(Clone)]
pub struct ScimClient {
    pub(super) http: reqwest::Client,
    /// For writes: the same, but following no redirect.
    pub(super) http_writes: reqwest::Client,
    pub(super) policy: Arc<NetworkPolicy>,
    pub(super) retry: RetryPolicy,
    pub(super) metrics: Option<Arc<Metrics>>,
    pub(super) budget: AnswerBudget,
}

impl ScimClient {
    /// A client whose every connection and redirect obeys `policy`.
    pub fn new(
        options: &ScimClientOptions,
        policy: Arc<NetworkPolicy>,
        metrics: Option<Arc<Metrics>>,
    ) -> Result<Self, reqwest::Error> {
        let builder = || {
            reqwest::Client::builder()
                .user_agent(concat!("provisio/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(options.connect_timeout)
                .pool_idle_timeout(Duration::from_secs(60))
                .dns_resolver(Arc::new(GuardedResolver::new(policy.clone())))
                // A proxy would resolve names itself, out of the guard's sight.
                .no_proxy()
        };
        let http = builder()
            .redirect(netguard::redirect_policy(policy.clone(), 3))
            .build()?;
        let http_writes = builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            http_writes,
            policy,
            retry: options.retry.clone(),
            metrics,
            budget: AnswerBudget::new(options.answer_budget_bytes),
        })
    }

    /// The calls of one operation to the app at `endpoint`, under `context`.
    pub fn session<'a>(&'a self, endpoint: &'a Endpoint, context: &'a CallContext) -> Session<'a> {
        Session {
            client: self,
            endpoint,
            context,
        }
    }
}

/// One operation's calls to one app: the shared client, the app's endpoint,
/// and the operation's budget and statistics.
#[derive(Clone, Copy)]
pub struct Session<'a> {
    pub(super) client: &'a ScimClient,
    pub(super) endpoint: &'a Endpoint,
    pub(super) context: &'a CallContext,
}

impl Session<'_> {
    pub fn endpoint(&self) -> &Endpoint {
        self.endpoint
    }

    /// `POST /Users`, never making two accounts of one hire.
    ///
    /// After a failure that may have reached the app (a lost answer, a reset,
    /// a 502/503/504, a timeout) the user is looked up by `userName` (and
    /// `externalId`) once the backoff has passed, and the POST is sent again
    /// only when the lookup shows it did not land; a failing lookup ends the
    /// create with the original error. `resumed` says an earlier attempt of
    /// this very request (a retried `Idempotency-Key`, a re-claimed sync item)
    /// may have created the user, so it is looked up before anything is sent.
    pub async fn create_user(
        &self,
        user: &Map<String, Value>,
        resumed: bool,
    ) -> Result<Map<String, Value>, ProviderError> {
        if resumed && let Some(existing) = self.find_created(user).await? {
            return Ok(existing);
        }
        let call = Call::new(Method::POST, &["Users"]).json(user)?;
        let mut attempt = 1;
        loop {
            let error = match self.send_once(&call).await {
                Ok(answer) => match parse_resource(&answer) {
                    Ok(Some(resource)) if id_of(&resource).is_some() => {
                        self.note_external_id(user, &resource).await;
                        return Ok(resource);
                    }
                    // It landed, but the answer does not say as what: find it.
                    _ => {
                        return self.find_created(user).await?.ok_or_else(|| {
                            invalid("the app accepted the new user but returned neither it nor a way to find it")
                        });
                    }
                },
                Err(error) => error,
            };
            if !may_have_landed(&error) {
                if !self.wait_before_retry(attempt, &error).await {
                    return Err(error);
                }
            } else {
                let retrying = self.wait_before_retry(attempt, &error).await;
                match self.find_created(user).await {
                    Ok(Some(landed)) => {
                        tracing::info!(
                            attempt,
                            "a create whose answer was lost had landed; not sending it again"
                        );
                        return Ok(landed);
                    }
                    Ok(None) if retrying => {}
                    Ok(None) | Err(_) => return Err(error),
                }
            }
            attempt += 1;
        }
    }

    /// Whether the app kept the `externalId` a create sent: an app that drops it
    /// silently leaves matching by external id nothing to match.
    async fn note_external_id(&self, sent: &Map<String, Value>, created: &Map<String, Value>) {
        if sent.get("externalId").is_none_or(Value::is_null) {
            return;
        }
        let kept = created.get("externalId").is_some_and(|v| !v.is_null());
        if !kept {
            tracing::warn!(
                "the app dropped the externalId of a new user; people will be matched by user name and email"
            );
        }
        self.endpoint
            .habits
            .learn(|p| p.keeps_external_id = Some(kept))
            .await;
    }

    /// The user a create made: same `userName`, and the same `externalId` when
    /// one was sent; without one, the same `name` and email addresses too, so
    /// that an account that merely shares the user name is not taken for ours.
    async fn find_created(
        &self,
        user: &Map<String, Value>,
    ) -> Result<Option<Map<String, Value>>, ProviderError> {
        let user_name = user
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(self
            .find_users(&Filter::UserNameEq(user_name.to_owned()))
            .await?
            .into_iter()
            .find(|found| is_the_same_person(user, found)))
    }

    /// `GET /Users/{id}`.
    pub async fn get_user(&self, id: &str) -> Result<Map<String, Value>, ProviderError> {
        let answer = self.send(&Call::new(Method::GET, &["Users", id])).await?;
        parse_resource(&answer)?.ok_or_else(|| invalid("the app returned an empty user"))
    }

    /// `PUT /Users/{id}` with the whole resource; with `if_match` (the version
    /// read), an app that changed the user meanwhile answers 412 instead of
    /// having that change overwritten.
    pub async fn replace_user(
        &self,
        id: &str,
        user: &Map<String, Value>,
        if_match: Option<&str>,
    ) -> Result<Map<String, Value>, ProviderError> {
        let segments = ["Users", id];
        let call = Call::new(Method::PUT, &segments)
            .json(user)?
            .if_match(if_match);
        let answer = self.send(&call).await?;
        match parse_resource(&answer)? {
            Some(resource) => Ok(resource),
            None => self.get_user(id).await,
        }
    }

    /// `DELETE /Users/{id}`. A 404 after a try that may have landed (a lost
    /// answer) means that try deleted the user.
    pub async fn delete_user(&self, id: &str) -> Result<(), ProviderError> {
        let segments = ["Users", id];
        let call = Call::new(Method::DELETE, &segments);
        let mut attempt = 1;
        let mut maybe_deleted = false;
        loop {
            let error = match self.send_once(&call).await {
                Ok(_) => return Ok(()),
                Err(e) if e.kind == ProviderErrorKind::NotFound && maybe_deleted => return Ok(()),
                Err(e) => e,
            };
            maybe_deleted |= may_have_landed(&error);
            if !self.wait_before_retry(attempt, &error).await {
                return Err(error);
            }
            attempt += 1;
        }
    }

    /// `GET /ServiceProviderConfig`.
    pub async fn service_provider_config(&self) -> Result<ServiceProviderConfig, ProviderError> {
        let answer = self
            .send(&Call::new(Method::GET, &["ServiceProviderConfig"]))
            .await?;
        serde_json::from_slice(&answer.body)
            .map_err(|_| not_scim(&answer, "a ServiceProviderConfig"))
    }
}
