//! A static SCIM upstream for `scripts/bench-gateway`: answers every
//! `GET …/Users/{id}` with the same small user at once, and
//! `…/ServiceProviderConfig`, over HTTP/1.1 keep-alive. It does as little as
//! a server can, so that what a benchmark through provisio measures is
//! provisio.
//!
//! static_scim [--port N]   (prints `listening on http://127.0.0.1:PORT/scim/v2`)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{convert::Infallible, net::SocketAddr};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const USER: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"ada.lovelace@example.com","externalId":"E-1815","active":true,"name":{"givenName":"Ada","familyName":"Lovelace"},"displayName":"Ada Lovelace","title":"Analyst","emails":[{"value":"ada.lovelace@example.com","type":"work","primary":true}],"meta":{"resourceType":"User","created":"2026-01-01T00:00:00Z","lastModified":"2026-01-01T00:00:00Z","version":"W/\"1\""}}"#;
const CONFIG: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],"patch":{"supported":true},"filter":{"supported":true,"maxResults":100},"etag":{"supported":true}}"#;

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = if request.uri().path().ends_with("/ServiceProviderConfig") {
        CONFIG
    } else {
        USER
    };
    Ok(Response::builder()
        .header("content-type", "application/scim+json")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut port = 0u16;
    while let Some(arg) = args.next() {
        if arg == "--port" {
            port = args.next().and_then(|p| p.parse().ok()).expect("--port N");
        }
    }
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    println!("listening on http://{addr}/scim/v2");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(answer))
                .await;
        });
    }
}
