//! Sending one request to an app: the network policy, the connection's rate
//! budget, retries for transient failures, a capped read of the answer, and
//! one classification of what went wrong.

use std::time::Instant;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{
    Method, StatusCode,
    header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, IF_MATCH},
};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::{Map, Value};
use url::Url;

use super::{
    budget::{Reservation, read_body},
    client::Session,
    endpoint::Auth,
    error::{ProviderError, ProviderErrorKind},
    retry::retry_reason,
};

const SCIM_JSON: &str = "application/scim+json";
/// Query values are percent-encoded except RFC 3986 unreserved characters
/// (spaces become `%20`, never `+`, which some servers read literally).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// A successful answer: status, headers and body.
pub(super) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
    /// The body's bytes in the answer budget, given back with the answer.
    _held: Reservation,
}

/// One request, ready to be sent (and sent again).
pub(super) struct Call<'a> {
    pub method: Method,
    pub segments: &'a [&'a str],
    pub query: &'a [(&'a str, String)],
    pub body: Option<bytes::Bytes>,
    pub if_match: Option<&'a str>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, segments: &'a [&'a str]) -> Self {
        Self {
            method,
            segments,
            query: &[],
            body: None,
            if_match: None,
        }
    }

    pub fn query(mut self, query: &'a [(&'a str, String)]) -> Self {
        self.query = query;
        self
    }

    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self, ProviderError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| invalid(&format!("cannot encode the request: {e}")))?;
        self.body = Some(bytes.into());
        Ok(self)
    }

    pub fn if_match(mut self, version: Option<&'a str>) -> Self {
        self.if_match = version;
        self
    }
}

impl Session<'_> {
    /// Sends `call`, retrying transient failures (never a POST: creating is
    /// retried by its caller, which first checks whether the first try landed).
    pub(super) async fn send(&self, call: &Call<'_>) -> Result<Answer, ProviderError> {
        let mut attempt = 1;
        loop {
            let error = match self.send_once(call).await {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            if call.method == Method::POST || !self.wait_before_retry(attempt, &error).await {
                return Err(error);
            }
            attempt += 1;
        }
    }

    /// After try `attempt` failed with `error`: whether to try again (having
    /// waited), given the retry policy and the request's time budget.
    pub(super) async fn wait_before_retry(&self, attempt: u32, error: &ProviderError) -> bool {
        let (endpoint, context) = (self.endpoint, self.context);
        let Some(reason) = retry_reason(error) else {
            return false;
        };
        if attempt >= self.client.retry.max_attempts {
            return false;
        }
        let delay = self.client.retry.delay(attempt, error);
        let too_late = match (context.deadline, Instant::now().checked_add(delay)) {
            (Some(deadline), Some(resume)) => resume >= deadline,
            (_, None) => true,
            (None, Some(_)) => false,
        };
        if too_late {
            return false;
        }
        if error.kind == ProviderErrorKind::RateLimited {
            // The app asked the whole connection to slow down, not just this call.
            context.limiter.pause(delay).await;
        }
        context.stats.count_retry();
        if let Some(metrics) = &self.client.metrics {
            metrics.count_retry(endpoint.provider, reason);
        }
        tracing::info!(
            attempt,
            reason,
            delay_ms = delay.as_millis() as u64,
            provider = endpoint.provider,
            "retrying a call to the app"
        );
        tokio::time::sleep(delay).await;
        true
    }

    /// One try: policy check, rate budget, request, capped read.
    pub(super) async fn send_once(&self, call: &Call<'_>) -> Result<Answer, ProviderError> {
        let (endpoint, context) = (self.endpoint, self.context);
        let url = join(&endpoint.base, call.segments, call.query)?;
        // Names are checked as they resolve; the scheme and IP literals here.
        self.client
            .policy
            .check_scheme(&url)
            .and_then(|()| self.client.policy.check_ip_literal(&url))
            .map_err(|e| ProviderError::new(ProviderErrorKind::Forbidden, e.to_string()))?;
        let Some((_slot, waited)) = context.limiter.acquire_until(context.deadline).await else {
            return Err(ProviderError::new(
                ProviderErrorKind::Timeout,
                "the request's deadline passed while it waited for the connection's rate budget",
            ));
        };
        if waited.as_millis() >= 1
            && let Some(metrics) = &self.client.metrics
        {
            metrics.observe_rate_limit_wait(endpoint.provider, waited);
        }
        // Memory for the answer once the call may go: calls queued behind
        // their connection's rate budget hold none (a burst of a thousand to
        // one slow connection would otherwise spend the whole budget waiting).
        // A refusal here sends nothing.
        let reservation = self.reserve_answer().await?;
        let started = Instant::now();
        // Everything the app sends passes here, so its texts are redacted once.
        let result = self
            .exchange(call, url, reservation)
            .await
            .map_err(|e| endpoint.redactor.error(e));
        let outcome = match &result {
            Ok(_) => "success",
            Err(e) => e.kind.as_str(),
        };
        if let Some(metrics) = &self.client.metrics {
            metrics.observe_upstream(endpoint.provider, outcome, started.elapsed());
        }
        // The operation log shows the status of the operation's writes; reads
        // (lookups, the GET of a merge) only when there was no write.
        let status = match &result {
            Ok(answer) => Some(answer.status.as_u16()),
            Err(error) => error.status,
        };
        if let Some(status) = status {
            context
                .stats
                .record_status(status, call.method != Method::GET);
        }
        tracing::debug!(
            method = %call.method,
            path = %call.segments.first().unwrap_or(&""),
            outcome,
            latency_ms = started.elapsed().as_millis() as u64,
            "upstream call"
        );
        result
    }

    /// The first bytes of the answer budget for one try; a refusal is
    /// counted among the calls to the app, as `busy`.
    async fn reserve_answer(&self) -> Result<Reservation, ProviderError> {
        let waiting = Instant::now();
        let reserved = self.client.budget.reserve(self.context.deadline).await;
        if let (Err(error), Some(metrics)) = (&reserved, &self.client.metrics) {
            metrics.observe_upstream(
                self.endpoint.provider,
                error.kind.as_str(),
                waiting.elapsed(),
            );
        }
        reserved
    }

    async fn exchange(
        &self,
        call: &Call<'_>,
        url: Url,
        mut reservation: Reservation,
    ) -> Result<Answer, ProviderError> {
        let (endpoint, context) = (self.endpoint, self.context);
        // A call may not outlast the request it serves.
        let timeout = context.deadline.map_or(endpoint.timeout, |deadline| {
            endpoint
                .timeout
                .min(deadline.saturating_duration_since(Instant::now()))
        });
        // Writes never follow redirects: reqwest would resend (307/308) or turn
        // them into GETs (301/302) before provisio could refuse.
        let client = if call.method == Method::GET {
            &self.client.http
        } else {
            &self.client.http_writes
        };
        let mut request = client
            .request(call.method.clone(), url)
            .timeout(timeout)
            .header(ACCEPT, "application/scim+json, application/json");
        request = match &endpoint.auth {
            Auth::Bearer(token) => request.bearer_auth(token.expose_secret()),
            Auth::Basic { username, password } => {
                request.basic_auth(username.expose_secret(), Some(password.expose_secret()))
            }
        };
        if let Some(version) = call.if_match.and_then(|v| HeaderValue::from_str(v).ok()) {
            request = request.header(IF_MATCH, version);
        }
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON))
                .body(body.clone());
        }
        let response = request
            .send()
            .await
            .map_err(|e| ProviderError::from_transport(&e))?;
        if call.method != Method::GET && response.status().is_redirection() {
            let target = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("elsewhere")
                .to_owned();
            return Err(ProviderError::new(
                ProviderErrorKind::Rejected,
                format!(
                    "the app redirected a {} to {target}; fix the connection's instance_url",
                    call.method
                ),
            ));
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_body(response, &mut reservation, context.deadline).await?;
        let body = endpoint.redactor.bytes(body);
        if status.is_success() {
            Ok(Answer {
                status,
                headers,
                body,
                _held: reservation,
            })
        } else {
            Err(ProviderError::from_response(
                status,
                &headers,
                &body,
                &endpoint.redactor,
            ))
        }
    }
}

/// Joins path segments onto the base URL, tolerating a trailing slash on the
/// base and percent-encoding each segment, so an id can never escape its path.
/// `.` and `..` cannot be sent at all: URLs read them (even encoded) as the
/// current and parent directory, so `DELETE /Users/..` would be `DELETE /`.
fn join(base: &Url, segments: &[&str], query: &[(&str, String)]) -> Result<Url, ProviderError> {
    if let Some(dots) = segments.iter().find(|s| matches!(**s, "." | "..")) {
        return Err(ProviderError::new(
            ProviderErrorKind::Rejected,
            format!("`{dots}` cannot be sent as a resource id"),
        ));
    }
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
    Ok(url)
}

/// The resource in a successful answer; `None` when there is no body.
pub(super) fn parse_resource(answer: &Answer) -> Result<Option<Map<String, Value>>, ProviderError> {
    if answer.status == StatusCode::NO_CONTENT || answer.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(&answer.body) {
        Ok(Value::Object(resource)) => Ok(Some(resource)),
        _ => Err(not_scim(answer, "a SCIM resource")),
    }
}

pub(super) fn not_scim(answer: &Answer, expected: &str) -> ProviderError {
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

pub(super) fn invalid(detail: &str) -> ProviderError {
    ProviderError::new(ProviderErrorKind::InvalidResponse, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::filter::Filter;

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
            let url = join(&Url::parse(base).unwrap(), &["Users", "a/b"], &[]).unwrap();
            assert_eq!(url.as_str(), expected);
        }
    }

    #[test]
    fn dot_segments_are_refused_rather_than_climbing_out_of_the_collection() {
        let base = Url::parse("https://x.example.com/scim/v2").unwrap();
        for id in [".", ".."] {
            let error = join(&base, &["Users", id], &[]).unwrap_err();
            assert_eq!(error.kind, ProviderErrorKind::Rejected);
        }
        for (id, path) in [
            ("a.b", "/scim/v2/Users/a.b"),
            ("%2e", "/scim/v2/Users/%252e"),
        ] {
            assert_eq!(join(&base, &["Users", id], &[]).unwrap().path(), path);
        }
    }

    #[test]
    fn query_values_are_percent_encoded_with_spaces_as_percent_20() {
        let url = join(
            &Url::parse("https://x.example.com/scim").unwrap(),
            &["Users"],
            &[("filter", Filter::UserNameEq("a b&c".into()).to_query())],
        )
        .unwrap();
        assert_eq!(url.query(), Some("filter=userName%20eq%20%22a%20b%26c%22"));
    }
}
