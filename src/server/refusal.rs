//! Problems in place of hyper's own refusals. A request hyper cannot parse (a
//! garbage request line, a control character in a header, a head larger than
//! its buffer or with too many fields, a URI over 64 KiB) never reaches the
//! router: hyper answers it itself with a bare 400, 414 or 431 and no body.
//! provisio's own answers always carry a problem, so a bodiless 400/414/431
//! head can only be hyper's; the connection's IO swaps it for the problem
//! provisio would have given.

use std::{sync::Arc, time::Duration};

use axum::http::StatusCode;
use bytes::Bytes;
use uuid::Uuid;

use crate::{
    api::{
        MAX_URI_BYTES,
        error::{ErrorCode, PROBLEM_JSON, Problem},
    },
    metrics::Metrics,
};

/// What hyper refuses, worded for callers.
pub(super) struct Refusals {
    max_header_bytes: usize,
    metrics: Arc<Metrics>,
}

impl Refusals {
    pub(super) fn new(max_header_bytes: usize, metrics: Arc<Metrics>) -> Self {
        Self {
            max_header_bytes,
            metrics,
        }
    }

    /// The problem answer to send instead of `written`, when `written` is
    /// hyper's own refusal; `request_line_ended` tells a head too large
    /// because of its URI from one too large because of its headers.
    pub(super) fn replace(&self, written: &[u8], request_line_ended: bool) -> Option<Bytes> {
        let (status, date) = hyper_refusal(written)?;
        let (code, detail) = match status {
            400 => (
                ErrorCode::BadRequest,
                "the request is not valid HTTP/1.1: its request line or a header could not be parsed"
                    .to_owned(),
            ),
            414 => uri_too_long(),
            431 if !request_line_ended => uri_too_long(),
            _ => (
                ErrorCode::HeadersTooLarge,
                format!(
                    "the request headers exceed {} bytes or 100 fields",
                    self.max_header_bytes
                ),
            ),
        };
        let request_id = Uuid::new_v4().to_string();
        tracing::info!(
            %request_id,
            status = crate::api::error::status_of(code).as_u16(),
            code = code.as_str(),
            "refused a request that could not be parsed"
        );
        let answer = answer(Problem::new(code, detail, Some(request_id)), date);
        self.metrics
            .observe_http("other", "unparsed", answer.0, Duration::ZERO);
        Some(answer.1)
    }
}

fn uri_too_long() -> (ErrorCode, String) {
    (
        ErrorCode::UriTooLong,
        format!("the request URI exceeds {MAX_URI_BYTES} bytes"),
    )
}

/// The status and `date` line of `written` if it is exactly a head of 400,
/// 414 or 431 with `content-length: 0`.
fn hyper_refusal(written: &[u8]) -> Option<(u16, Option<&[u8]>)> {
    let head = written.strip_suffix(b"\r\n\r\n")?;
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status = match lines.next()?.strip_prefix(b"HTTP/1.1 ")?.get(..3)? {
        b"400" => 400,
        b"414" => 414,
        b"431" => 431,
        _ => return None,
    };
    let mut empty = false;
    let mut date = None;
    for line in lines {
        if line.is_empty() {
            return None; // a body follows: not hyper's bare refusal
        }
        empty |= line.eq_ignore_ascii_case(b"content-length: 0");
        if line.len() > 6 && line[..6].eq_ignore_ascii_case(b"date: ") {
            date = Some(line);
        }
    }
    empty.then_some((status, date))
}

/// The whole HTTP/1.1 answer for `problem`, closing the connection.
fn answer(problem: Problem, date: Option<&[u8]>) -> (u16, Bytes) {
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\n\
         x-request-id: {}\r\nconnection: close\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len(),
        problem.request_id.as_deref().unwrap_or_default(),
    )
    .into_bytes();
    if let Some(date) = date {
        out.extend_from_slice(date);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    (status.as_u16(), Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYPER_400: &[u8] =
        b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\
        date: Wed, 25 Nov 2026 01:01:59 GMT\r\n\r\n";

    fn refusals() -> Refusals {
        Refusals::new(16_384, Arc::new(Metrics::new()))
    }

    fn parts(answer: &[u8]) -> (String, serde_json::Value) {
        let text = String::from_utf8(answer.to_vec()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.to_owned(), serde_json::from_str(body).unwrap())
    }

    #[test]
    fn hypers_bare_400_becomes_a_problem_with_a_code() {
        let answer = refusals().replace(HYPER_400, true).unwrap();
        let (head, problem) = parts(&answer);
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(head.contains("content-type: application/problem+json"));
        assert!(head.contains("date: Wed, 25 Nov 2026 01:01:59 GMT"));
        assert_eq!(problem["code"], "bad_request");
        assert_eq!(problem["status"], 400);
        assert!(head.contains(problem["request_id"].as_str().unwrap()));
    }

    #[test]
    fn a_head_too_large_before_its_request_line_ended_is_a_uri_too_long() {
        let hyper_431 =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n";
        let (head, problem) = parts(&refusals().replace(hyper_431, false).unwrap());
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long"), "{head}");
        assert_eq!(problem["code"], "uri_too_long");
        let (_, problem) = parts(&refusals().replace(hyper_431, true).unwrap());
        assert_eq!(problem["code"], "headers_too_large");
    }

    #[test]
    fn provisios_own_answers_are_left_alone() {
        let own = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\n\
            content-length: 20\r\n\r\n{\"code\":\"x\"}";
        assert!(refusals().replace(own, true).is_none());
        let with_body_after =
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n";
        assert!(refusals().replace(with_body_after, true).is_none());
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert!(refusals().replace(ok, true).is_none());
        assert!(refusals().replace(b"{\"a\":1}", true).is_none());
    }
}
