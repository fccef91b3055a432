//! The read-only checks.

use serde_json::{Map, Value};

use super::{Probe, user_name_of};
use crate::scim::{Filter, ListResponse, ProviderErrorKind, id_of, version_of};

/// Pages this large are asked for to find the largest page an app serves.
const LARGE_PAGE: u64 = 1000;

impl Probe<'_> {
    /// Reaches the app, authenticates and lists one user (with `count`, then
    /// without where the app fails with it). Whether later checks make sense.
    pub(super) async fn reach_and_list(&mut self) -> bool {
        let listed = self.scim().probe_list(None, 1, Some(1)).await;
        if let Err(e) = &listed
            && e.status.is_none()
        {
            self.fail("reach", e.clone());
            return false;
        }
        let base = self.op.app.endpoint.base.to_string();
        self.pass("reach", format!("{base} answered"));
        if let Err(e) = &listed
            && e.kind == ProviderErrorKind::Unauthorized
        {
            self.fail("authenticate", e.clone());
            return false;
        }
        self.pass("authenticate", "the credentials were accepted");
        match listed {
            Err(e) => {
                match self.scim().probe_list(None, 1, None).await {
                    Ok(list) => {
                        self.listed(&list);
                        let status = e.status.unwrap_or_default();
                        self.found.count_param = Some(false);
                        self.bend(
                            "count_parameter",
                            format!("the app fails when a listing carries `count` (HTTP {status}) and answers without it"),
                            "provisio lists without `count`: pages are as large as the app makes them",
                        );
                    }
                    Err(_) => self.fail("list_users", e),
                }
                true
            }
            Ok(list) => {
                self.listed(&list);
                self.found.count_param = Some(true);
                self.pass("count_parameter", "the app accepts `count`");
                true
            }
        }
    }

    fn listed(&mut self, list: &ListResponse) {
        let total = list
            .total_results
            .map_or_else(|| "an unknown number of".to_owned(), |t| t.to_string());
        self.pass("list_users", format!("the app holds {total} users"));
        let sample = list.resources.first().cloned();
        if let Some(version) = sample.as_ref().and_then(version_of) {
            tracing::debug!(version, "the app versions users");
            self.found.etag.get_or_insert(true);
        }
        self.sample = sample;
    }

    pub(super) async fn service_provider_config(&mut self) {
        if !self.op.app.profile.has_service_provider_config() {
            return;
        }
        match self.scim().service_provider_config().await {
            Ok(config) => {
                let yes_no = |b: Option<bool>| if b.unwrap_or(false) { "yes" } else { "no" };
                self.advertised_filter = config.filter.supported;
                self.found.patch = config.patch.supported;
                if config.etag.supported.is_some() {
                    self.found.etag = config.etag.supported;
                }
                self.pass(
                    "service_provider_config",
                    format!(
                        "PATCH supported: {}; filtering supported: {}",
                        yes_no(config.patch.supported),
                        yes_no(config.filter.supported)
                    ),
                );
            }
            Err(e) => self.fail("service_provider_config", e),
        }
    }

    /// Filters, their case, paging past the end and page sizes, tried with a
    /// user the app listed (or the throwaway one).
    pub(super) async fn listing_habits(&mut self, throwaway: Option<&Map<String, Value>>) {
        let sample = throwaway.cloned().or_else(|| self.sample.clone());
        self.filter(sample.as_ref()).await;
        self.paging().await;
        self.page_size().await;
    }

    fn count(&self) -> Option<u64> {
        (self.found.count_param != Some(false)).then_some(LARGE_PAGE)
    }

    async fn filter(&mut self, sample: Option<&Map<String, Value>>) {
        let Some((id, name)) = sample.and_then(|s| Some((id_of(s)?, user_name_of(s)?.to_owned())))
        else {
            if self.advertised_filter == Some(false) {
                self.found.filters = Some(false);
                self.bend(
                    "filter",
                    "the app says it does not support filtering (there was no user to try it with)",
                    "lookups read every account and filter on provisio's side: slower on large apps",
                );
            } else {
                self.pass("filter", "not checked: the app holds no user (test with `write: true` to try a throwaway one)");
            }
            return;
        };
        let filter = Filter::UserNameEq(name.clone());
        let found = match self.scim().probe_list(Some(&filter), 1, self.count()).await {
            Ok(found) => found,
            Err(e) => return self.fail("filter", e),
        };
        if found.ids.iter().any(|other| *other != id) || !found.ids.contains(&id) {
            self.found.filters = Some(false);
            return self.bend(
                "filter",
                format!(
                    "the app answered `userName eq` with {} users instead of the one it holds under that name",
                    found.received
                ),
                "lookups read every account and filter on provisio's side: slower on large apps",
            );
        }
        self.found.filters = Some(true);
        self.pass("filter", "`userName eq` found exactly the user");
        self.filter_case(&id, &name).await;
    }

    async fn filter_case(&mut self, id: &str, name: &str) {
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
        if flipped == name {
            return self.pass("filter_case", "not checked: the user's name has no letters");
        }
        let filter = Filter::UserNameEq(flipped.clone());
        match self.scim().probe_list(Some(&filter), 1, self.count()).await {
            Err(e) => self.fail("filter_case", e),
            Ok(found) if found.ids.iter().any(|other| other == id) => {
                self.found.filter_ignores_case = Some(true);
                self.pass("filter_case", "`userName eq` matches ignoring case");
            }
            Ok(_) => {
                self.found.filter_ignores_case = Some(false);
                self.bend(
                    "filter_case",
                    format!("`userName eq \"{flipped}\"` did not find the user named `{name}`: the filter is case-sensitive"),
                    "a lookup by user_name that finds nothing looks for the managed account of that name, then reads every account",
                );
            }
        }
    }

    async fn paging(&mut self) {
        let count = self.count().map(|_| 10);
        // Counted again: a throwaway user may have been made since the first listing.
        let total = match self.scim().probe_list(None, 1, count).await {
            Ok(list) => list.total_results,
            Err(e) => return self.fail("paging", e),
        };
        let Some(total) = total else {
            return self.pass(
                "paging",
                "not checked: the app does not say how many users it holds",
            );
        };
        match self.scim().probe_list(None, total + 1, count).await {
            Err(e) => self.fail("paging", e),
            Ok(page) if page.received == 0 => {
                self.found.paging_consistent = Some(true);
                self.pass("paging", "a page past the end is empty");
            }
            Ok(page) => {
                self.found.paging_consistent = Some(false);
                self.bend(
                    "paging",
                    format!(
                        "asked for startIndex {} of {total}, the app answered {} users",
                        total + 1,
                        page.received
                    ),
                    "paging stops at totalResults, and an id already listed is never listed again",
                );
            }
        }
    }

    async fn page_size(&mut self) {
        let Some(count) = self.count() else {
            return self.pass(
                "page_size",
                "not checked: the app decides page sizes itself",
            );
        };
        match self.scim().probe_list(None, 1, Some(count)).await {
            Err(e) => self.fail("page_size", e),
            Ok(page) => {
                let received = page.received as u64;
                let expected = page.total_results.map_or(count, |t| t.min(count));
                let largest = if received < expected { received } else { count };
                self.found.max_page_size = u32::try_from(largest.max(1)).ok();
                let detail = if received < expected {
                    format!("the app serves at most {received} users a page")
                } else {
                    format!("the app served {received} users in one page")
                };
                self.pass("page_size", detail);
            }
        }
    }

    /// Whether the app has SCIM Groups: its `/ResourceTypes`, else `/Groups` itself.
    pub(super) async fn groups(&mut self) {
        let has = match self.scim().resource_types().await {
            Ok(types) if !types.is_empty() => Ok(types.iter().any(|t| t == "Group")),
            _ => self.scim().has_groups_endpoint().await,
        };
        match has {
            Err(e) => self.fail("groups", e),
            Ok(true) => {
                self.found.groups = Some(true);
                self.pass("groups", "the app has SCIM Groups");
            }
            Ok(false) => {
                self.found.groups = Some(false);
                self.pass(
                    "groups",
                    "the app has no SCIM Groups: group operations answer unsupported_operation",
                );
            }
        }
    }
}
