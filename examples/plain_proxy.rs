//! The reference `scripts/bench-gateway` measures provisio's stack against: a
//! plain reverse proxy built from the same parts (hyper's HTTP/1.1 server,
//! one shared reqwest client, tokio's multi-threaded runtime, jemalloc)
//! that forwards every GET to one upstream with a bearer token and hands the
//! answer's bytes back, with nothing else: no API key, no connection, no
//! budget, no SCIM mapping. What it reaches is the most any gateway built on
//! these parts can reach on the machine; the gap between it and provisio is
//! provisio's own work.
//!
//! plain_proxy --port N --upstream http://HOST:PORT --token T
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{convert::Infallible, net::SocketAddr, sync::Arc};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

struct Upstream {
    client: reqwest::Client,
    base: String,
    token: String,
}

async fn forward(
    upstream: Arc<Upstream>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let answer = upstream
        .client
        .get(format!("{}{path}", upstream.base))
        .bearer_auth(&upstream.token)
        .send()
        .await;
    let response = match answer {
        Ok(answer) => {
            let status = answer.status();
            match answer.bytes().await {
                Ok(body) => Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(Full::new(body)),
                Err(_) => Response::builder().status(502).body(Full::default()),
            }
        }
        Err(_) => Response::builder().status(502).body(Full::default()),
    };
    Ok(response.unwrap())
}

#[tokio::main]
async fn main() {
    let (mut port, mut base, mut token) = (0u16, String::new(), String::new());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().expect("a value after each flag");
        match arg.as_str() {
            "--port" => port = value.parse().expect("--port N"),
            "--upstream" => base = value.trim_end_matches('/').to_owned(),
            "--token" => token = value,
            other => {
                eprintln!("unknown flag {other}");
                std::process::exit(2);
            }
        }
    }
    let upstream = Arc::new(Upstream {
        client: reqwest::Client::new(),
        base,
        token,
    });
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .expect("bind");
    println!("listening on http://{}", listener.local_addr().unwrap());
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let upstream = upstream.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| forward(upstream.clone(), request));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
