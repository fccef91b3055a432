//! Slow clients cannot take the service down: request heads and idle
//! connections are timed, open connections are capped with the slowest shed
//! first, and a flood past the process's descriptor limit leaves the probes
//! answering. Stopping still lets a request in flight finish.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::watch,
    task::JoinSet,
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::{
    helpers::{API_KEY, Backend, TestApp, spawn_app_with},
    process::Process,
};

async fn open_with(app: &TestApp, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(bytes).await.unwrap();
    stream
}

/// Whether the server closes `stream` within `within` (answers are read and dropped).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_closed_after_the_header_timeout() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.http.header_timeout = Duration::from_secs(1)
    })
    .await;
    let mut slow = open_with(&app, b"GET /healthz HTTP/1.1\r\nHost: provisio\r\n").await;
    assert!(closed_within(&mut slow, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn a_kept_alive_connection_left_idle_is_closed_after_the_idle_timeout() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.http.idle_timeout = Duration::from_secs(1)
    })
    .await;
    let mut idle = open_with(&app, b"GET /healthz HTTP/1.1\r\nHost: provisio\r\n\r\n").await;
    assert!(closed_within(&mut idle, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn at_the_connection_cap_silent_clients_are_shed_and_requests_still_answered() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.http.max_connections = 4).await;
    let mut silent = Vec::new();
    for _ in 0..4 {
        silent.push(open_with(&app, b"").await);
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    for _ in 0..5 {
        let reply = client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(reply.status().as_u16(), 200);
    }
    let metrics = client.get(app.url("/metrics")).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics.contains(r#"provisio_http_connections_shed_total{reason="evicted"}"#)
            && metrics.contains("provisio_http_open_connections"),
        "{metrics}"
    );
    drop(silent);
}

/// Sends a request head a byte every half second, for ever; returns when the
/// server closes the connection.
async fn trickle(mut stream: TcpStream) {
    let head = b"GET /healthz HTTP/1.1\r\nHost: provisio\r\nX-Slow: ";
    let mut buf = [0u8; 256];
    for sent in 0.. {
        let byte = head.get(sent).copied().unwrap_or(b'z');
        if stream.write_all(&[byte]).await.is_err() {
            return;
        }
        match tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return,
            Ok(Ok(n)) => panic!(
                "answered a request never sent whole: {:?}",
                String::from_utf8_lossy(&buf[..n])
            ),
            Err(_) => {}
        }
    }
}

/// Calls `url` on a fresh connection every 100 ms until told to stop, each
/// call allowed 3 s; returns how many calls were made and the slowest.
async fn probe_until(url: String, stop: watch::Receiver<bool>) -> (u32, Duration) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let (mut probes, mut slowest) = (0, Duration::ZERO);
    while !*stop.borrow() {
        let started = Instant::now();
        let reply = client
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("a probe failed after {:?}: {e}", started.elapsed()));
        assert_eq!(reply.status().as_u16(), 200);
        slowest = slowest.max(started.elapsed());
        probes += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (probes, slowest)
}

#[tokio::test]
async fn a_flood_of_slow_clients_past_the_descriptor_limit_leaves_probes_answering() {
    let dir = tempfile::TempDir::new().unwrap();
    let process = Process::start_with_file_limit(
        256,
        &[
            ("PROVISIO_DATA_DIR", dir.path().to_str().unwrap()),
            ("PROVISIO_API_KEYS", API_KEY),
            ("PROVISIO_HEADER_TIMEOUT_SECONDS", "2"),
        ],
    )
    .await;
    let started = Instant::now();
    let mut trickling = JoinSet::new();
    for _ in 0..300 {
        let stream = TcpStream::connect(&process.address).await.unwrap();
        trickling.spawn(trickle(stream));
    }
    let (stop, stopped) = watch::channel(false);
    let prober = tokio::spawn(probe_until(process.url("/healthz"), stopped));
    let all_closed = tokio::time::timeout(Duration::from_secs(40), async {
        while let Some(joined) = trickling.join_next().await {
            joined.unwrap();
        }
        started.elapsed()
    })
    .await
    .expect("the server closes every trickling connection within 40 s");
    stop.send(true).unwrap();
    let (probes, slowest) = prober.await.unwrap();
    eprintln!(
        "300 trickling connections closed within {all_closed:?}; {probes} probes, the slowest {slowest:?}"
    );
    assert!(probes > 0);
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Users/u1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "u1", "userName": "a"}))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&mock)
        .await;
    let dir = tempfile::TempDir::new().unwrap();
    let mut process = Process::start(&[
        ("PROVISIO_DATA_DIR", dir.path().to_str().unwrap()),
        ("PROVISIO_API_KEYS", API_KEY),
        ("PROVISIO_ALLOW_PRIVATE_NETWORKS", "true"),
    ])
    .await;
    let client = reqwest::Client::new();
    let created = client
        .post(process.url("/v1/connections"))
        .bearer_auth(API_KEY)
        .json(
            &json!({"name": "wp", "provider": "workplace", "instance_url": mock.uri(),
            "credentials": {"type": "bearer", "token": "wp-token-0123456789"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let in_flight = tokio::spawn(
        client
            .get(process.url("/v1/connections/wp/users/u1"))
            .bearer_auth(API_KEY)
            .send(),
    );
    for _ in 0..250 {
        if !mock
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    process.signal("TERM");
    let reply = in_flight.await.unwrap().unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    assert!(process.wait().await.success());
}
