//! The one HTTP client provisio uses to talk SCIM. It executes what a provider
//! profile shaped (base URL, auth, timeout) and trusts no server blindly:
//! filtered results are re-checked, paging stops when a page brings nothing
//! new, a body-less PATCH answer is followed by a GET, and missing `Location`,
//! `meta` or `itemsPerPage`, or numeric ids, are tolerated.

use std::{collections::HashSet, fmt, sync::Arc, time::Duration};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{
    Method, StatusCode,
    header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Map, Value};
use url::Url;

use crate::netguard::{self, GuardedResolver, NetworkPolicy};

use super::{
    error::{ProviderError, ProviderErrorKind},
    filter::Filter,
    patch::PatchOp,
    types::{ListResponse, ServiceProviderConfig, id_of},
};

const SCIM_JSON: &str = "application/scim+json";
/// Query values are percent-encoded except RFC 3986 unreserved characters
/// (spaces become `%20`, never `+`, which some servers read literally).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// The most pages one listing walks before giving up on a server that never ends.
const MAX_PAGES: usize = 10_000;
/// The largest answer read from an app; a SCIM page of 100 users is far smaller.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// How requests authenticate. `Debug` never shows the secret.
#[derive(Clone)]
pub enum Auth {
    Bearer(SecretString),
    Basic {
        username: SecretString,
        password: SecretString,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Bearer(_) => f.write_str("Auth::Bearer(***)"),
            Auth::Basic { .. } => f.write_str("Auth::Basic(***)"),
        }
    }
}

/// Where and how to reach one app: what a provider profile shapes.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The SCIM base URL; `Users` and `ServiceProviderConfig` are joined onto it.
    pub base: Url,
    pub auth: Auth,
    /// Whole-request deadline.
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct ScimClientOptions {
    pub connect_timeout: Duration,
}

impl Default for ScimClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// A pooled, shared HTTP client (rustls). Cheap to clone.
#[derive(Clone)]
pub struct ScimClient {
    http: reqwest::Client,
    policy: Arc<NetworkPolicy>,
}

/// A successful answer: status, headers and body.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: bytes::Bytes,
}

impl ScimClient {
    /// A client whose every connection and redirect obeys `policy`.
    pub fn new(
        options: &ScimClientOptions,
        policy: Arc<NetworkPolicy>,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("provisio/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .dns_resolver(Arc::new(GuardedResolver::new(policy.clone())))
            // A proxy would resolve names itself, out of the guard's sight.
            .no_proxy()
            .redirect(netguard::redirect_policy(policy.clone(), 3))
            .build()?;
        Ok(Self { http, policy })
    }

    /// `POST /Users`. Answers without a body (or without an id) are completed
    /// by looking the user up by `userName`.
    pub async fn create_user(
        &self,
        endpoint: &Endpoint,
        user: &Map<String, Value>,
    ) -> Result<Map<String, Value>, ProviderError> {
        let answer = self
            .send(endpoint, Method::POST, &["Users"], &[], Some(user))
            .await?;
        if let Some(resource) = parse_resource(&answer)?
            && id_of(&resource).is_some()
        {
            return Ok(resource);
        }
        let user_name = user
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        self.find_users(endpoint, &Filter::UserNameEq(user_name.to_owned()))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                invalid(
                    "the app accepted the new user but returned neither it nor a way to find it",
                )
            })
    }

    /// `GET /Users/{id}`.
    pub async fn get_user(
        &self,
        endpoint: &Endpoint,
        id: &str,
    ) -> Result<Map<String, Value>, ProviderError> {
        let answer = self
            .send(endpoint, Method::GET, &["Users", id], &[], None::<&()>)
            .await?;
        parse_resource(&answer)?.ok_or_else(|| invalid("the app returned an empty user"))
    }

    /// `PUT /Users/{id}` with the whole resource; with `if_match` (the version
    /// read), an app that changed the user meanwhile answers 412 instead of
    /// having that change overwritten.
    pub async fn replace_user(
        &self,
        endpoint: &Endpoint,
        id: &str,
        user: &Map<String, Value>,
        if_match: Option<&str>,
    ) -> Result<Map<String, Value>, ProviderError> {
        let answer = self
            .send_with(
                endpoint,
                Method::PUT,
                &["Users", id],
                &[],
                Some(user),
                if_match,
            )
            .await?;
        match parse_resource(&answer)? {
            Some(resource) => Ok(resource),
            None => self.get_user(endpoint, id).await,
        }
    }

    /// `PATCH /Users/{id}`; a 204 (or any body-less answer) is followed by a GET.
    pub async fn patch_user(
        &self,
        endpoint: &Endpoint,
        id: &str,
        patch: &PatchOp,
    ) -> Result<Map<String, Value>, ProviderError> {
        let answer = self
            .send(endpoint, Method::PATCH, &["Users", id], &[], Some(patch))
            .await?;
        match parse_resource(&answer)? {
            Some(resource) if id_of(&resource).is_some() => Ok(resource),
            _ => self.get_user(endpoint, id).await,
        }
    }

    /// `DELETE /Users/{id}`.
    pub async fn delete_user(&self, endpoint: &Endpoint, id: &str) -> Result<(), ProviderError> {
        self.send(endpoint, Method::DELETE, &["Users", id], &[], None::<&()>)
            .await?;
        Ok(())
    }

    /// One page of users (`startIndex` is 1-based). With a filter, resources
    /// that do not really match are dropped.
    pub async fn list_users(
        &self,
        endpoint: &Endpoint,
        filter: Option<&Filter>,
        start_index: u64,
        count: u64,
    ) -> Result<ListResponse, ProviderError> {
        let mut query = vec![
            ("startIndex", start_index.to_string()),
            ("count", count.to_string()),
        ];
        if let Some(filter) = filter {
            query.push(("filter", filter.to_query()));
        }
        let answer = self
            .send(endpoint, Method::GET, &["Users"], &query, None::<&()>)
            .await?;
        let mut list: ListResponse = serde_json::from_slice(&answer.body)
            .map_err(|_| not_scim(&answer, "a SCIM ListResponse"))?;
        list.received = list.resources.len();
        list.ids = list.resources.iter().filter_map(id_of).collect();
        if let Some(filter) = filter {
            list.resources.retain(|r| filter.matches(r));
        }
        Ok(list)
    }

    /// Every user matching `filter` (usually one), across pages.
    pub async fn find_users(
        &self,
        endpoint: &Endpoint,
        filter: &Filter,
    ) -> Result<Vec<Map<String, Value>>, ProviderError> {
        let mut found = Vec::new();
        self.walk_users(endpoint, Some(filter), 100, |page| {
            found.extend(page);
            std::ops::ControlFlow::Continue(())
        })
        .await?;
        Ok(found)
    }

    /// Walks every page of users, handing each page's new resources to `visit`.
    /// Stops at `totalResults`, at an empty page, at a page that brings nothing
    /// new (servers that repeat a page past the end), or when `visit` breaks.
    /// Returns the number of page requests made.
    pub async fn walk_users(
        &self,
        endpoint: &Endpoint,
        filter: Option<&Filter>,
        page_size: u64,
        mut visit: impl FnMut(Vec<Map<String, Value>>) -> std::ops::ControlFlow<()>,
    ) -> Result<usize, ProviderError> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut start = 1u64;
        for page_number in 1..=MAX_PAGES {
            let list = self.list_users(endpoint, filter, start, page_size).await?;
            let received = list.received as u64;
            // "Nothing new" is judged on everything the server sent, before any
            // local filtering: a page of non-matches is still progress.
            let new_ids: HashSet<String> = list
                .ids
                .iter()
                .filter(|id| !seen.contains(*id))
                .cloned()
                .collect();
            let nothing_new = !list.ids.is_empty() && new_ids.is_empty();
            seen.extend(new_ids.iter().cloned());
            let fresh: Vec<_> = list
                .resources
                .into_iter()
                .filter(|r| id_of(r).is_none_or(|id| new_ids.contains(&id)))
                .collect();
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

    /// `GET /ServiceProviderConfig`.
    pub async fn service_provider_config(
        &self,
        endpoint: &Endpoint,
    ) -> Result<ServiceProviderConfig, ProviderError> {
        let answer = self
            .send(
                endpoint,
                Method::GET,
                &["ServiceProviderConfig"],
                &[],
                None::<&()>,
            )
            .await?;
        serde_json::from_slice(&answer.body)
            .map_err(|_| not_scim(&answer, "a ServiceProviderConfig"))
    }

    async fn send<B: Serialize + ?Sized>(
        &self,
        endpoint: &Endpoint,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<Answer, ProviderError> {
        self.send_with(endpoint, method, segments, query, body, None)
            .await
    }

    async fn send_with<B: Serialize + ?Sized>(
        &self,
        endpoint: &Endpoint,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&B>,
        if_match: Option<&str>,
    ) -> Result<Answer, ProviderError> {
        let url = join(&endpoint.base, segments, query);
        // Names are checked as they resolve; the scheme and IP literals here.
        self.policy
            .check_scheme(&url)
            .and_then(|()| self.policy.check_ip_literal(&url))
            .map_err(|e| ProviderError::new(ProviderErrorKind::Forbidden, e.to_string()))?;
        let mut request = self
            .http
            .request(method.clone(), url)
            .timeout(endpoint.timeout)
            .header(ACCEPT, "application/scim+json, application/json");
        request = match &endpoint.auth {
            Auth::Bearer(token) => request.bearer_auth(token.expose_secret()),
            Auth::Basic { username, password } => {
                request.basic_auth(username.expose_secret(), Some(password.expose_secret()))
            }
        };
        if let Some(version) = if_match.and_then(|v| HeaderValue::from_str(v).ok()) {
            request = request.header(reqwest::header::IF_MATCH, version);
        }
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body)
                .map_err(|e| invalid(&format!("cannot encode the request: {e}")))?;
            request = request
                .header(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON))
                .body(bytes);
        }
        let started = std::time::Instant::now();
        let requested = url_for_comparison(&endpoint.base, segments);
        let result = request.send().await;
        let response = match result {
            Ok(response) => response,
            Err(error) => {
                let error = ProviderError::from_transport(&error);
                tracing::debug!(%method, path = %segments.first().unwrap_or(&""), error = %error, "upstream call failed");
                return Err(error);
            }
        };
        // reqwest turns a redirected POST into a GET: a write that was redirected did not happen as sent.
        if method != Method::GET && strip_query(response.url()) != requested {
            return Err(ProviderError::new(
                ProviderErrorKind::Rejected,
                format!(
                    "the app redirected a {method} to {}; fix the connection's instance_url",
                    strip_query(response.url())
                ),
            ));
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_capped(response).await?;
        tracing::debug!(
            %method,
            path = %segments.first().unwrap_or(&""),
            status = status.as_u16(),
            latency_ms = started.elapsed().as_millis() as u64,
            "upstream call"
        );
        if status.is_success() {
            Ok(Answer {
                status,
                headers,
                body,
            })
        } else {
            Err(ProviderError::from_response(status, &headers, &body))
        }
    }
}

/// Reads an answer's body, refusing one larger than [`MAX_ANSWER_BYTES`].
async fn read_capped(mut response: reqwest::Response) -> Result<bytes::Bytes, ProviderError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ProviderError::from_transport(&e))?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn too_large() -> ProviderError {
    invalid(&format!(
        "the app's answer is larger than {} MiB",
        MAX_ANSWER_BYTES / (1024 * 1024)
    ))
}

fn url_for_comparison(base: &Url, segments: &[&str]) -> String {
    strip_query(&join(base, segments, &[]))
}

fn strip_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// Joins path segments onto the base URL, tolerating a trailing slash on the
/// base and percent-encoding each segment (an id can never escape its path).
fn join(base: &Url, segments: &[&str], query: &[(&str, String)]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    if query.is_empty() {
        url.set_query(None);
    } else {
        let encoded: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, QUERY_VALUE)))
            .collect();
        url.set_query(Some(&encoded.join("&")));
    }
    url
}

/// The resource in a successful answer; `None` when there is no body.
fn parse_resource(answer: &Answer) -> Result<Option<Map<String, Value>>, ProviderError> {
    if answer.status == StatusCode::NO_CONTENT || answer.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(&answer.body) {
        Ok(Value::Object(resource)) => Ok(Some(resource)),
        _ => Err(not_scim(answer, "a SCIM resource")),
    }
}

fn not_scim(answer: &Answer, expected: &str) -> ProviderError {
    let content_type = answer
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type");
    ProviderError {
        status: Some(answer.status.as_u16()),
        ..invalid(&format!(
            "the app answered {} with {content_type} that is not {expected}",
            answer.status.as_u16()
        ))
    }
}

fn invalid(detail: &str) -> ProviderError {
    ProviderError::new(ProviderErrorKind::InvalidResponse, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joining_tolerates_trailing_slashes_and_encodes_ids() {
        let cases = [
            (
                "https://scim.workplace.com/",
                "https://scim.workplace.com/Users/a%2Fb",
            ),
            (
                "https://x.example.com/scim/v2",
                "https://x.example.com/scim/v2/Users/a%2Fb",
            ),
            (
                "https://x.example.com/scim/v2/",
                "https://x.example.com/scim/v2/Users/a%2Fb",
            ),
        ];
        for (base, expected) in cases {
            let url = join(&Url::parse(base).unwrap(), &["Users", "a/b"], &[]);
            assert_eq!(url.as_str(), expected);
        }
    }

    #[test]
    fn query_values_are_percent_encoded_with_spaces_as_percent_20() {
        let url = join(
            &Url::parse("https://x.example.com/scim").unwrap(),
            &["Users"],
            &[("filter", Filter::UserNameEq("a b&c".into()).to_query())],
        );
        assert_eq!(url.query(), Some("filter=userName%20eq%20%22a%20b%26c%22"));
    }
}
