//! What can go wrong talking to an app, classified once from the upstream
//! status (or transport failure) and the error body it sent.

use std::{fmt, time::Duration};

use chrono::{DateTime, Utc};
use reqwest::{StatusCode, header::HeaderMap};
use serde_json::Value;

use super::{redact::Redactor, types::ScimError};

/// A `Retry-After` is believed up to a day; more is nonsense (and would overflow timers).
const MAX_RETRY_AFTER_SECONDS: u64 = 86_400;

/// Longest upstream detail passed on; error pages can be huge.
const MAX_DETAIL: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderErrorKind {
    /// The app refused the request as invalid (400 and other 4xx not listed below).
    Rejected,
    /// 401 or 403: the connection's credentials are wrong or lack permission.
    Unauthorized,
    /// 404.
    NotFound,
    /// 409: typically a `userName` that is taken.
    Conflict,
    /// 429.
    RateLimited,
    /// 5xx, or no HTTP answer at all (refused, reset, TLS failure).
    Unavailable,
    /// No answer within the connection's timeout.
    Timeout,
    /// A success status with a body that is not SCIM JSON.
    InvalidResponse,
    /// The network policy refused the destination (a private address, plain http, a redirect).
    Forbidden,
    /// provisio holds as many bytes of apps' answers as its budget allows
    /// (`PROVISIO_MAX_ANSWER_MEMORY_BYTES`): not the app's failure.
    Busy,
}

/// A failed call to an app: its kind, and whatever the app said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    pub kind: ProviderErrorKind,
    /// The upstream HTTP status, when there was one.
    pub status: Option<u16>,
    pub scim_type: Option<String>,
    pub detail: Option<String>,
    /// From `Retry-After` (seconds or an HTTP date) on 429 and 503.
    pub retry_after: Option<Duration>,
}

impl std::error::Error for ProviderError {}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ProviderErrorKind::Rejected => "the app rejected the request",
            ProviderErrorKind::Unauthorized => "the app refused the connection's credentials",
            ProviderErrorKind::NotFound => "the app has no such resource",
            ProviderErrorKind::Conflict => "the app reports a conflict",
            ProviderErrorKind::RateLimited => "the app is rate limiting provisio",
            ProviderErrorKind::Unavailable => "the app is unavailable",
            ProviderErrorKind::Timeout => "the app did not answer in time",
            ProviderErrorKind::InvalidResponse => "the app's answer is not valid SCIM",
            ProviderErrorKind::Forbidden => "the connection's instance_url is not allowed",
            ProviderErrorKind::Busy => {
                "provisio is holding as many answers from apps in memory as it may \
                 (PROVISIO_MAX_ANSWER_MEMORY_BYTES); retry shortly"
            }
        };
        f.write_str(what)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl ProviderErrorKind {
    /// A stable name, for metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderErrorKind::Rejected => "rejected",
            ProviderErrorKind::Unauthorized => "unauthorized",
            ProviderErrorKind::NotFound => "not_found",
            ProviderErrorKind::Conflict => "conflict",
            ProviderErrorKind::RateLimited => "rate_limited",
            ProviderErrorKind::Unavailable => "unavailable",
            ProviderErrorKind::Timeout => "timeout",
            ProviderErrorKind::InvalidResponse => "invalid_response",
            ProviderErrorKind::Forbidden => "forbidden",
            ProviderErrorKind::Busy => "busy",
        }
    }
}

impl ProviderError {
    pub fn new(kind: ProviderErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            status: None,
            scim_type: None,
            detail: Some(detail.into()),
            retry_after: None,
        }
    }

    /// Classifies an error answer from its status, headers and body; the
    /// connection's secrets are redacted from the texts before they are cut short.
    pub fn from_response(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        redactor: &Redactor,
    ) -> Self {
        let kind = match status.as_u16() {
            401 | 403 => ProviderErrorKind::Unauthorized,
            404 => ProviderErrorKind::NotFound,
            409 => ProviderErrorKind::Conflict,
            429 => ProviderErrorKind::RateLimited,
            500..=599 => ProviderErrorKind::Unavailable,
            _ => ProviderErrorKind::Rejected,
        };
        let (scim_type, detail) = parse_error_body(headers, body, status.is_client_error());
        let clean = |text: Option<String>| text.map(|t| truncate(&redactor.text(&t)));
        let (scim_type, detail) = (clean(scim_type), clean(detail));
        Self {
            kind,
            status: Some(status.as_u16()),
            scim_type,
            detail,
            retry_after: retry_after(headers, Utc::now()),
        }
    }

    /// Classifies a transport failure (no HTTP answer).
    pub fn from_transport(error: &reqwest::Error) -> Self {
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            if let Some(forbidden) = cause.downcast_ref::<crate::netguard::Forbidden>() {
                return Self::new(ProviderErrorKind::Forbidden, forbidden.to_string());
            }
            source = cause.source();
        }
        if error.is_redirect() {
            // A loop or a chain too long: the URL is wrong, and trying again
            // would only repeat every hop.
            return Self::new(
                ProviderErrorKind::Rejected,
                "the app redirected too many times (a redirect loop?); check the connection's instance_url",
            );
        }
        if error.is_timeout() {
            return Self::new(
                ProviderErrorKind::Timeout,
                "no answer within the connection's timeout",
            );
        }
        let reason = if error.is_connect() {
            "could not connect"
        } else if error.is_redirect() {
            "too many or refused redirects"
        } else {
            "the connection failed before a complete answer arrived"
        };
        // The source chain names the cause (refused, reset, certificate) without any secret.
        let mut detail = reason.to_owned();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            detail = format!("{detail}: {cause}");
            source = cause.source();
        }
        Self::new(ProviderErrorKind::Unavailable, truncate(&detail))
    }
}

/// Reads a SCIM error (`detail`, `scimType`), a Graph-style error
/// (`{"error": {"message"}}`), a `message` field, or short plain text.
fn parse_error_body(
    headers: &HeaderMap,
    body: &[u8],
    refusal: bool,
) -> (Option<String>, Option<String>) {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        if let Ok(scim) = serde_json::from_value::<ScimError>(value.clone())
            && (scim.detail.is_some() || scim.scim_type.is_some())
        {
            return (scim.scim_type, scim.detail);
        }
        let message = value
            .pointer("/error/message")
            .or_else(|| value.get("message"))
            .or_else(|| value.get("error").filter(|e| e.is_string()))
            .and_then(Value::as_str);
        return (None, message.map(str::to_owned));
    }
    let is_html = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("html"));
    // Only the start is ever shown; no need to copy a whole error page.
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    let text = text.trim();
    let detail = if is_html || text.starts_with('<') {
        // A refusal's page says what was refused; a 5xx page is a proxy's
        // "bad gateway", which the status already says.
        refusal.then(|| text_of_html(text)).flatten()
    } else {
        Some(short(text))
    };
    (None, detail.filter(|d| !d.is_empty()))
}

/// The gist of an HTML page: its title, else its text without markup.
fn text_of_html(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    if let (Some(start), Some(end)) = (lower.find("<title>"), lower.find("</title>"))
        && start + 7 < end
    {
        let title = short(&html[start + 7..end]);
        if !title.is_empty() {
            return Some(title);
        }
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in without_blocks(html, &lower).chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    Some(short(&text))
}

/// `html` without its `<script>` and `<style>` blocks.
fn without_blocks(html: &str, lower: &str) -> String {
    let mut out = String::new();
    let mut at = 0;
    while let Some(open) = ["<script", "<style"]
        .iter()
        .filter_map(|tag| lower[at..].find(tag).map(|i| at + i))
        .min()
    {
        out.push_str(&html[at..open]);
        let close = ["</script>", "</style>"]
            .iter()
            .filter_map(|tag| lower[open..].find(tag).map(|i| open + i + tag.len()))
            .min();
        at = close.unwrap_or(html.len());
    }
    out.push_str(&html[at.min(html.len())..]);
    out
}

/// Whitespace collapsed, entities of the common kind decoded, at most 200 characters.
fn short(text: &str) -> String {
    const MAX_SHORT: usize = 200;
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= MAX_SHORT {
        return collapsed;
    }
    let mut cut: String = collapsed.chars().take(MAX_SHORT).collect();
    cut.push('…');
    cut
}

/// `Retry-After` as delay-seconds or an HTTP date, relative to `now`.
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds.min(MAX_RETRY_AFTER_SECONDS)));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some(
        (at - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(Duration::from_secs(MAX_RETRY_AFTER_SECONDS)),
    )
}

fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_DETAIL {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_DETAIL).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};

    use super::*;

    fn headers(pairs: &[(reqwest::header::HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), HeaderValue::from_str(v).unwrap()))
            .collect()
    }

    #[test]
    fn scim_errors_are_read_with_their_type_and_detail() {
        let body = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"taken"}"#;
        let error = ProviderError::from_response(
            StatusCode::CONFLICT,
            &HeaderMap::new(),
            body,
            &Redactor::default(),
        );
        assert_eq!(error.kind, ProviderErrorKind::Conflict);
        assert_eq!(error.status, Some(409));
        assert_eq!(error.scim_type.as_deref(), Some("uniqueness"));
        assert_eq!(error.detail.as_deref(), Some("taken"));
    }

    #[test]
    fn graph_style_errors_are_read() {
        let body = br#"{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}"#;
        let error = ProviderError::from_response(
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            body,
            &Redactor::default(),
        );
        assert_eq!(error.kind, ProviderErrorKind::Unauthorized);
        assert_eq!(error.detail.as_deref(), Some("Invalid OAuth access token."));
    }

    #[test]
    fn an_html_error_page_yields_no_detail() {
        let h = headers(&[(CONTENT_TYPE, "text/html")]);
        let error = ProviderError::from_response(
            StatusCode::BAD_GATEWAY,
            &h,
            b"<html><body>Bad gateway</body></html>",
            &Redactor::default(),
        );
        assert_eq!(error.kind, ProviderErrorKind::Unavailable);
        assert_eq!(error.detail, None);
    }

    #[test]
    fn a_refusal_in_html_or_plain_text_is_reduced_to_a_short_clean_detail() {
        let html = headers(&[(CONTENT_TYPE, "text/html; charset=utf-8")]);
        let page = b"<!DOCTYPE html><html><head><title>403 Forbidden:\n  the token lacks the\tscope users:write</title>\
            <style>body{color:red}</style></head><body><h1>Forbidden</h1></body></html>";
        let error = ProviderError::from_response(
            StatusCode::BAD_REQUEST,
            &html,
            page,
            &Redactor::default(),
        );
        assert_eq!(
            error.detail.as_deref(),
            Some("403 Forbidden: the token lacks the scope users:write")
        );
        let untitled = b"<html><script>var x = 1;</script><body><p>Invalid &quot;userName&quot;:</p>\n<p>must be an email</p></body></html>";
        let error = ProviderError::from_response(
            StatusCode::BAD_REQUEST,
            &html,
            untitled,
            &Redactor::default(),
        );
        assert_eq!(
            error.detail.as_deref(),
            Some("Invalid \"userName\": must be an email")
        );
        let text = "  userName\n\n   is   taken  ".as_bytes();
        let error = ProviderError::from_response(
            StatusCode::CONFLICT,
            &HeaderMap::new(),
            text,
            &Redactor::default(),
        );
        assert_eq!(error.detail.as_deref(), Some("userName is taken"));
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            retry_after(&headers(&[(RETRY_AFTER, "7")]), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(
                &headers(&[(RETRY_AFTER, "Mon, 23 Nov 2026 10:00:30 GMT")]),
                now
            ),
            Some(Duration::from_secs(30))
        );
        assert_eq!(retry_after(&headers(&[(RETRY_AFTER, "soon")]), now), None);
    }

    #[test]
    fn status_classes_map_to_kinds() {
        let kind = |s: u16| {
            ProviderError::from_response(
                StatusCode::from_u16(s).unwrap(),
                &HeaderMap::new(),
                b"",
                &Redactor::default(),
            )
            .kind
        };
        assert_eq!(kind(400), ProviderErrorKind::Rejected);
        assert_eq!(kind(403), ProviderErrorKind::Unauthorized);
        assert_eq!(kind(404), ProviderErrorKind::NotFound);
        assert_eq!(kind(429), ProviderErrorKind::RateLimited);
        assert_eq!(kind(503), ProviderErrorKind::Unavailable);
        assert_eq!(kind(412), ProviderErrorKind::Rejected);
    }
}
