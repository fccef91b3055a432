//! Listing and finding users, correct first and cheap second: where the app
//! ignores filters, or matches `userName` case-sensitively although the API
//! promises a match ignoring case, the lookup goes further (the managed
//! account's exact name, then every account) rather than answer "nobody".

use std::ops::ControlFlow;

use serde_json::{Map, Value};

use super::{UserService, explain_missing_endpoint, readable};
use crate::{
    domain::{Caller, ConnectionKey, ManagedAccount, User},
    scim::{Filter, ProviderError},
    service::{ServiceError, app::Op},
};

/// One page of users.
pub struct UserPage {
    pub items: Vec<User>,
    /// The 1-based index of the next page, when there is one.
    pub next_start: Option<u64>,
    /// A fingerprint of this page's ids, to notice a server repeating a page.
    pub fingerprint: u64,
    /// Short hashes of this page's ids: the next page drops any it repeats.
    pub seen: Vec<u32>,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    pub start: u64,
    pub count: u64,
    /// The previous page's fingerprint: an identical page means the listing ended.
    pub previous: Option<u64>,
    /// The previous page's id hashes ([`UserPage::seen`]).
    pub seen: Vec<u32>,
}

impl UserQuery {
    fn filter(&self) -> Option<Filter> {
        match (&self.user_name, &self.external_id) {
            (Some(user_name), _) => Some(Filter::UserNameEq(user_name.clone())),
            (None, Some(external_id)) => Some(Filter::ExternalIdEq(external_id.clone())),
            (None, None) => None,
        }
    }

    /// The second filter, when both are given (the app is sent the first).
    fn also_matches(&self, resource: &Map<String, Value>) -> bool {
        match (&self.user_name, &self.external_id) {
            (Some(_), Some(external_id)) => {
                Filter::ExternalIdEq(external_id.clone()).matches(resource)
            }
            _ => true,
        }
    }
}

impl UserService {
    pub async fn list(
        &self,
        key: &ConnectionKey,
        caller: &Caller,
        query: &UserQuery,
    ) -> Result<UserPage, ServiceError> {
        let op = self.apps.start(key, caller).await?;
        let Some(filter) = query.filter() else {
            return Ok(self.page(&op, None, query).await?.0);
        };
        let (page, filter_applied) = self.page(&op, Some(&filter), query).await?;
        if query.start > 1 || (filter_applied && !page.items.is_empty()) {
            return Ok(page);
        }
        // The app ignored the filter (so matches may be on any page), or
        // found nobody (perhaps only in another case): look further.
        let found = self
            .find_everywhere(&op, &filter, query, filter_applied)
            .await?;
        Ok(whole(readable(&op.app, found)))
    }

    /// One page, as the app pages, and whether the app applied the filter.
    async fn page(
        &self,
        op: &Op,
        filter: Option<&Filter>,
        query: &UserQuery,
    ) -> Result<(UserPage, bool), ServiceError> {
        let list = self
            .apps
            .scim(op)
            .list_users(filter, query.start, query.count)
            .await
            .map_err(|e| explain_missing_endpoint(e, &op.app.endpoint))?;
        let applied = !list.filter_ignored;
        // Judged on everything the server sent, before local filtering.
        let fingerprint = fingerprint(&list.ids);
        if query.previous == Some(fingerprint) && list.received > 0 {
            return Ok((end(fingerprint), applied));
        }
        let mut resources = list.resources;
        resources.retain(|r| query.also_matches(r) && !repeated(r, &query.seen));
        resources.truncate(query.count as usize);
        let received = list.received.min(query.count as usize) as u64;
        let next = query.start.checked_add(received);
        let more = received > 0
            && list
                .total_results
                .is_none_or(|total| next.is_some_and(|n| n <= total));
        let page = UserPage {
            seen: list.ids.iter().map(|id| short_hash(id)).collect(),
            items: readable(&op.app, resources),
            next_start: next.filter(|_| more),
            fingerprint,
        };
        Ok((page, applied))
    }

    /// Every match, wherever it is: where the app did not filter, every page;
    /// for a user name the app's filter may have missed in another case, the
    /// managed account of that name first, then every account.
    async fn find_everywhere(
        &self,
        op: &Op,
        filter: &Filter,
        query: &UserQuery,
        filter_applied: bool,
    ) -> Result<Vec<Map<String, Value>>, ServiceError> {
        let wanted = |r: &Map<String, Value>| filter.matches(r) && query.also_matches(r);
        let user_name = match filter {
            Filter::ExternalIdEq(external_id) => {
                // An app that drops externalId holds it nowhere: the managed
                // link is where the person's key lives.
                if op.app.endpoint.habits.get().keeps_external_id != Some(false) {
                    return if filter_applied {
                        Ok(Vec::new())
                    } else {
                        self.scan(op, wanted).await
                    };
                }
                let connection_id = op.app.connection.id;
                let link = self
                    .store
                    .managed_user_keyed(connection_id, external_id)
                    .await?;
                let found = self.linked(op, link).await?;
                return Ok(found
                    .into_iter()
                    .filter(|r| query.also_matches(r))
                    .collect());
            }
            Filter::UserNameEq(user_name) | Filter::DisplayNameEq(user_name) => user_name,
        };
        if !filter_applied {
            return self.scan(op, wanted).await;
        }
        if self.filter_ignores_case(op).await? {
            return Ok(Vec::new());
        }
        let link = self
            .store
            .managed_user_named(op.app.connection.id, user_name)
            .await?;
        if let Some(found) = self.linked(op, link).await?
            && wanted(&found)
        {
            return Ok(vec![found]);
        }
        self.scan(op, wanted).await
    }

    /// Reads every account and keeps those `wanted`: the expensive way, one
    /// listing of the whole app.
    async fn scan(
        &self,
        op: &Op,
        wanted: impl Fn(&Map<String, Value>) -> bool,
    ) -> Result<Vec<Map<String, Value>>, ServiceError> {
        let mut found = Vec::new();
        self.apps
            .scim(op)
            .walk_users(None, self.walk_page_size(op), |page| {
                found.extend(page.into_iter().filter(|r| wanted(r)));
                ControlFlow::Continue(())
            })
            .await
            .map_err(|e| explain_missing_endpoint(e, &op.app.endpoint))?;
        Ok(found)
    }

    /// The managed account `link` names, as the app has it now.
    async fn linked(
        &self,
        op: &Op,
        link: Option<ManagedAccount>,
    ) -> Result<Option<Map<String, Value>>, ServiceError> {
        let Some(link) = link else {
            return Ok(None);
        };
        match self.apps.scim(op).get_user(&link.user_id).await {
            Ok(found) => Ok(Some(found)),
            Err(ProviderError {
                status: Some(404), ..
            }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether the app's `userName` filter ignores case, as the standard says:
    /// known from the profile, or found out once with a user it lists (its
    /// name in another case must find it).
    async fn filter_ignores_case(&self, op: &Op) -> Result<bool, ServiceError> {
        let habits = &op.app.endpoint.habits;
        if let Some(known) = habits.get().filter_ignores_case {
            return Ok(known);
        }
        let scim = self.apps.scim(op);
        let listed = scim.list_users(None, 1, 1).await?;
        let Some(name) = listed
            .resources
            .first()
            .and_then(|r| r.get("userName"))
            .and_then(Value::as_str)
            .filter(|n| n.to_lowercase() != n.to_uppercase())
        else {
            // No user to try it with: an empty app holds nobody in any case.
            return Ok(true);
        };
        let flipped: String = name
            .chars()
            .map(|c| {
                if c.is_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        let found = scim
            .list_users(Some(&Filter::UserNameEq(flipped)), 1, 1)
            .await?;
        let ignores_case = !found.resources.is_empty();
        habits
            .learn(|p| p.filter_ignores_case = Some(ignores_case))
            .await;
        Ok(ignores_case)
    }

    /// How many accounts to ask for per page when reading them all.
    pub(super) fn walk_page_size(&self, op: &Op) -> u64 {
        op.app
            .endpoint
            .habits
            .get()
            .max_page_size
            .map_or(DEFAULT_WALK_PAGE, |max| {
                u64::from(max).clamp(1, MAX_WALK_PAGE)
            })
    }
}

/// Pages of this size are served by every SCIM app seen so far.
const DEFAULT_WALK_PAGE: u64 = 100;
/// Larger pages save calls, but an answer is read whole: keep each bounded.
const MAX_WALK_PAGE: u64 = 1000;

/// Everything at once: no further page.
fn whole(items: Vec<User>) -> UserPage {
    UserPage {
        items,
        next_start: None,
        fingerprint: 0,
        seen: Vec::new(),
    }
}

fn end(fingerprint: u64) -> UserPage {
    UserPage {
        items: Vec::new(),
        next_start: None,
        fingerprint,
        seen: Vec::new(),
    }
}

fn repeated(resource: &Map<String, Value>, seen: &[u32]) -> bool {
    crate::scim::id_of(resource).is_some_and(|id| seen.contains(&short_hash(&id)))
}

/// FNV-1a over the page's ids: cheap, stable, and only compared with itself.
fn fingerprint(ids: &[String]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for byte in id.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A 32-bit FNV-1a of one id: a false "repeat" takes a collision with one of
/// the previous page's ids (about 1 in 40 million for a page of 100).
fn short_hash(id: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}
