//! Listing users, the way each app can be listed. Apps bend the standard here
//! more than anywhere: some fail with `count`, ignore `filter`, answer a page
//! past the end with the first page again, or repeat pages. Each listing
//! checks what it got, adapts, and teaches the connection's [`Habits`] what it
//! saw, so later calls do not pay for the same discovery.
//!
//! [`Habits`]: super::Habits

use std::{collections::HashSet, ops::ControlFlow};

use reqwest::Method;
use serde_json::{Map, Value};

use super::{
    client::Session,
    error::{ProviderError, ProviderErrorKind},
    filter::Filter,
    transport::{Call, not_scim},
    types::{ListResponse, id_of},
};

/// The most pages one listing walks before giving up on a server that never ends.
const MAX_PAGES: usize = 10_000;

/// What is listed: users, or groups (always without their members, which
/// can be many thousands per group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Users,
    Groups,
}

impl Collection {
    fn path(self) -> &'static str {
        match self {
            Collection::Users => "Users",
            Collection::Groups => "Groups",
        }
    }
}

/// Whether a failed listing may be the app refusing the `count` parameter
/// (500 or 400 with it, where `startIndex` alone works).
fn may_refuse_count(error: &ProviderError) -> bool {
    matches!(
        error.kind,
        ProviderErrorKind::Rejected | ProviderErrorKind::Unavailable
    ) && matches!(error.status, Some(400 | 500 | 501))
}

impl Session<'_> {
    /// One page of users (`startIndex` is 1-based). With a filter, resources
    /// that do not really match are dropped, and `filter_ignored` says whether
    /// the app applied it (if not, the page holds only the matches among
    /// everyone on it, and the rest may be on other pages).
    pub async fn list_users(
        &self,
        filter: Option<&Filter>,
        start_index: u64,
        count: u64,
    ) -> Result<ListResponse, ProviderError> {
        self.list(Collection::Users, filter, start_index, count)
            .await
    }

    /// One page of `collection`, adapted to the app's habits (see [`Self::list_users`]).
    pub async fn list(
        &self,
        collection: Collection,
        filter: Option<&Filter>,
        start_index: u64,
        count: u64,
    ) -> Result<ListResponse, ProviderError> {
        let habits = self.endpoint.habits.get();
        let sent_filter = filter.filter(|_| habits.filters != Some(false));
        let with_count = habits.count_param != Some(false);
        let page = self
            .page(
                collection,
                sent_filter,
                start_index,
                with_count.then_some(count),
            )
            .await;
        let mut list = match page {
            Err(error) if with_count && may_refuse_count(&error) => {
                self.list_without_count(collection, sent_filter, start_index, error)
                    .await?
            }
            other => other?,
        };
        self.stop_past_the_end(&mut list, start_index).await;
        list.received = list.resources.len();
        list.ids = list.resources.iter().filter_map(id_of).collect();
        if let Some(filter) = filter {
            list.resources.retain(|r| filter.matches(r));
            list.filter_ignored = sent_filter.is_none() || list.resources.len() < list.received;
            if sent_filter.is_some() && list.filter_ignored {
                self.endpoint
                    .habits
                    .learn(|p| p.filters = Some(false))
                    .await;
                tracing::warn!(
                    "the app ignored a filter; provisio filters on its side from now on"
                );
            }
        }
        Ok(list)
    }

    /// The same page without `count`: if that works, the app fails with it.
    async fn list_without_count(
        &self,
        collection: Collection,
        filter: Option<&Filter>,
        start_index: u64,
        error: ProviderError,
    ) -> Result<ListResponse, ProviderError> {
        let list = self
            .page(collection, filter, start_index, None)
            .await
            .map_err(|_| error)?;
        self.endpoint
            .habits
            .learn(|p| p.count_param = Some(false))
            .await;
        tracing::warn!(
            "the app fails when a listing carries `count`; listing without it from now on"
        );
        Ok(list)
    }

    /// A page that starts past `totalResults` is past the end, whatever the app
    /// put in it (some answer the first page again).
    async fn stop_past_the_end(&self, list: &mut ListResponse, start_index: u64) {
        let past_the_end = list.total_results.is_some_and(|total| start_index > total);
        if past_the_end && !list.resources.is_empty() {
            self.endpoint
                .habits
                .learn(|p| p.paging_consistent = Some(false))
                .await;
            tracing::warn!(
                start_index,
                total = list.total_results,
                "the app answered a page past the end with users; ignoring them"
            );
            list.resources.clear();
        }
    }

    async fn page(
        &self,
        collection: Collection,
        filter: Option<&Filter>,
        start_index: u64,
        count: Option<u64>,
    ) -> Result<ListResponse, ProviderError> {
        let mut query = vec![("startIndex", start_index.to_string())];
        if collection == Collection::Groups {
            query.push(("excludedAttributes", "members".to_owned()));
        }
        if let Some(count) = count {
            query.push(("count", count.to_string()));
        }
        if let Some(filter) = filter {
            query.push(("filter", filter.to_query()));
        }
        let answer = self
            .send(&Call::new(Method::GET, &[collection.path()]).query(&query))
            .await?;
        serde_json::from_slice(&answer.body).map_err(|_| not_scim(&answer, "a SCIM ListResponse"))
    }

    /// Every user matching `filter` (usually one), across pages.
    pub async fn find_users(
        &self,
        filter: &Filter,
    ) -> Result<Vec<Map<String, Value>>, ProviderError> {
        let mut found = Vec::new();
        self.walk_users(Some(filter), 100, |page| {
            found.extend(page);
            ControlFlow::Continue(())
        })
        .await?;
        Ok(found)
    }

    /// Walks every page of users, handing each page's new resources to `visit`.
    /// Stops at `totalResults`, at an empty page, at a page that brings nothing
    /// new (servers that repeat a page past the end), or when `visit` breaks;
    /// an id is never handed over twice. Returns the number of page requests made.
    pub async fn walk_users(
        &self,
        filter: Option<&Filter>,
        page_size: u64,
        visit: impl FnMut(Vec<Map<String, Value>>) -> ControlFlow<()>,
    ) -> Result<usize, ProviderError> {
        self.walk(Collection::Users, filter, page_size, visit).await
    }

    /// Walks every page of `collection` (see [`Self::walk_users`]).
    pub async fn walk(
        &self,
        collection: Collection,
        filter: Option<&Filter>,
        page_size: u64,
        mut visit: impl FnMut(Vec<Map<String, Value>>) -> ControlFlow<()>,
    ) -> Result<usize, ProviderError> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut start = 1u64;
        for page_number in 1..=MAX_PAGES {
            let list = self.list(collection, filter, start, page_size).await?;
            let received = list.received as u64;
            // "Nothing new" is judged on everything the server sent, before any
            // local filtering: a page of non-matches is still progress.
            let nothing_new = !list.ids.is_empty() && list.ids.iter().all(|id| seen.contains(id));
            let fresh: Vec<_> = list
                .resources
                .into_iter()
                .filter(|r| id_of(r).is_none_or(|id| seen.insert(id)))
                .collect();
            seen.extend(list.ids);
            let done = received == 0
                || nothing_new
                || list
                    .total_results
                    .is_some_and(|total| start.saturating_add(received) > total);
            if visit(fresh).is_break() || done {
                return Ok(page_number);
            }
            start = start.saturating_add(received);
        }
        Ok(MAX_PAGES)
    }
}
