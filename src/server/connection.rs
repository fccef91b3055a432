//! Serving one client connection with hyper's HTTP/1.1 server: the router
//! answers its requests, the table of connections may close it, and a graceful
//! shutdown lets its request in flight finish.

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use axum::{
    Router,
    body::{Body, Bytes},
    http::Request,
    response::Response,
};
use http_body::{Frame, SizeHint};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::rt::TokioIo;
use tokio::{net::TcpStream, sync::watch};
use tower::ServiceExt;

use super::{conn::Conn, connections::Registration, io::WatchedIo, refusal::Refusals};

/// What every connection is served with.
pub(super) struct Shared {
    pub(super) router: Router,
    pub(super) http1: http1::Builder,
    pub(super) refusals: Arc<Refusals>,
}

/// Serves `stream` until the client leaves, hyper ends the connection, or the
/// table tells it to close; `draining` turns true when the server stops.
pub(super) async fn serve(
    stream: TcpStream,
    registration: Registration,
    shared: Arc<Shared>,
    mut draining: watch::Receiver<bool>,
) {
    let conn = registration.conn().clone();
    let io = WatchedIo::new(stream, conn.clone(), shared.refusals.clone());
    let service = Served {
        router: shared.router.clone(),
        conn: conn.clone(),
    };
    let mut connection = shared.http1.serve_connection(TokioIo::new(io), service);
    let mut shutting_down = false;
    loop {
        if !shutting_down && *draining.borrow() {
            shutting_down = true;
            Pin::new(&mut connection).graceful_shutdown();
        }
        tokio::select! {
            result = &mut connection => {
                if let Err(error) = result {
                    tracing::debug!(%error, "a client connection ended with an error");
                }
                break;
            }
            () = conn.told_to_close() => return,
            changed = draining.changed(), if !shutting_down => {
                if changed.is_err() {
                    // The server is gone: drain as if told to.
                    shutting_down = true;
                    Pin::new(&mut connection).graceful_shutdown();
                }
            }
        }
    }
    let io = connection.into_parts().io.into_inner();
    if io.refused() {
        tokio::select! {
            () = io.linger() => {}
            () = conn.told_to_close() => {}
        }
    }
}

/// The router as hyper's service, telling the connection when a request starts
/// and when its response has been handed over.
#[derive(Clone)]
struct Served {
    router: Router,
    conn: Arc<Conn>,
}

type Answer = Pin<Box<dyn Future<Output = Result<Response<TrackedBody>, Infallible>> + Send>>;

impl hyper::service::Service<Request<Incoming>> for Served {
    type Response = Response<TrackedBody>;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        self.conn.request_started();
        let done = ResponseDone(self.conn.clone());
        let answered = self.router.clone().oneshot(request.map(Body::new));
        Box::pin(async move {
            let response = answered.await?;
            Ok(response.map(|body| TrackedBody { body, _done: done }))
        })
    }
}

/// Marks the connection idle when the response body is dropped: hyper has
/// taken all of it.
struct ResponseDone(Arc<Conn>);

impl Drop for ResponseDone {
    fn drop(&mut self) {
        self.0.response_done();
    }
}

/// A response body that says when it is done.
struct TrackedBody {
    body: Body,
    _done: ResponseDone,
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
