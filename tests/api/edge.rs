//! The HTTP edge answers everything as a problem: requests hyper cannot parse
//! (a garbage request line, a control character in a header, a huge URI, too
//! many or too large headers) and bodies that end before their Content-Length.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{API_KEY, Backend, TestApp, spawn_app};

/// The status and problem of a raw answer, checking it is problem+json with a code.
fn problem(answer: &str) -> (u16, Value) {
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {answer:?}"));
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head}"));
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{head}"
    );
    let problem: Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"));
    assert_eq!(problem["status"], status, "{problem}");
    assert!(problem["code"].is_string(), "{problem}");
    assert!(problem["request_id"].is_string(), "{problem}");
    (status, problem)
}

fn assert_refused(answer: &str, status: u16, code: &str) {
    let (got, problem) = problem(answer);
    assert_eq!(
        (got, problem["code"].as_str()),
        (status, Some(code)),
        "{problem}"
    );
}

#[tokio::test]
async fn a_garbage_request_line_is_a_400_problem() {
    let app = spawn_app(Backend::Sqlite).await;
    assert_refused(&app.raw("GARBAGE").await, 400, "bad_request");
    assert_refused(&app.raw("GET /healthz HTTP/9.9").await, 400, "bad_request");
}

#[tokio::test]
async fn a_control_character_in_a_header_is_a_400_problem() {
    let app = spawn_app(Backend::Sqlite).await;
    let answer = app.raw("GET /healthz HTTP/1.1\r\nX-Note: a\u{1}b").await;
    assert_refused(&answer, 400, "bad_request");
}

#[tokio::test]
async fn a_100_kb_uri_is_a_414_problem() {
    let app = spawn_app(Backend::Sqlite).await;
    let answer = app
        .raw(&format!(
            "GET /v1/connections?q={} HTTP/1.1",
            "a".repeat(100_000)
        ))
        .await;
    assert_refused(&answer, 414, "uri_too_long");
}

#[tokio::test]
async fn too_many_or_too_large_headers_are_a_431_problem() {
    let app = spawn_app(Backend::Sqlite).await;
    let many: String = (0..150).map(|i| format!("\r\nX-Field-{i}: v")).collect();
    let answer = app.raw(&format!("GET /healthz HTTP/1.1{many}")).await;
    assert_refused(&answer, 431, "headers_too_large");
    let huge = format!("GET /healthz HTTP/1.1\r\nX-Big: {}", "b".repeat(500_000));
    assert_refused(&app.raw(&huge).await, 431, "headers_too_large");
}

/// Sends `head` and the first bytes of a body its Content-Length says is
/// longer, closes the sending side, and reads the answer.
async fn short_body(app: &TestApp, head: &str) -> (String, Duration) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{head}\r\nHost: {address}\r\nAuthorization: Bearer {API_KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":"
    );
    let started = Instant::now();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("an answer, not a wait for the request deadline")
        .unwrap();
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_body_that_ends_before_its_content_length_is_refused_at_once() {
    let app = spawn_app(Backend::Sqlite).await;
    for head in [
        "POST /v1/connections HTTP/1.1",
        "POST /v1/connections HTTP/1.1\r\nIdempotency-Key: short-body-1",
        "POST /v1/connections/anything/sync HTTP/1.1",
        "PUT /v1/connections/anything/rules HTTP/1.1",
    ] {
        let (answer, took) = short_body(&app, head).await;
        let (status, problem) = problem(&answer);
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("bad_request")),
            "{head}: {problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains("ended early"),
            "{problem}"
        );
        assert!(took < Duration::from_secs(2), "{head}: took {took:?}");
    }
}
