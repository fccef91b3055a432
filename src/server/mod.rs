//! The HTTP server at provisio's edge: accepting client connections, holding
//! them to limits — a header timeout and an idle timeout that shrink as the
//! server fills, a cap on open connections at which the slowest are shed, and
//! accepting on after the process runs out of file descriptors — serving them
//! with hyper's HTTP/1.1 server, answering even what hyper refuses as a
//! problem, and stopping gracefully. `axum::serve` has none of these knobs.

mod conn;
mod connection;
mod connections;
mod io;
mod refusal;

use std::{future::Future, io as stdio, sync::Arc, time::Duration};

use axum::Router;
use hyper::server::conn::http1;
use tokio::{net::TcpListener, sync::watch};

use self::{connection::Shared, connections::Connections, refusal::Refusals};
use crate::{api::MAX_URI_BYTES, config::HttpConfig, metrics::Metrics};

/// How long to wait for a connection to end when out of descriptors, at most.
const DESCRIPTOR_BACKOFF: Duration = Duration::from_millis(50);
/// How long to wait after any other accept failure.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
// errno values for "too many open files" (per process, system-wide), the same on Linux and the BSDs.
const EMFILE: i32 = 24;
const ENFILE: i32 = 23;

/// A bound listener and what its connections are served with.
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
    connections: Arc<Connections>,
    grace: Duration,
}

impl Server {
    /// `grace`: how long in-flight requests may take to finish once stopped.
    pub fn new(
        listener: TcpListener,
        router: Router,
        http: &HttpConfig,
        metrics: Arc<Metrics>,
        grace: Duration,
    ) -> Self {
        let refusals = Arc::new(Refusals::new(http.max_header_bytes, metrics.clone()));
        Self {
            listener,
            shared: Arc::new(Shared {
                router,
                http1: http1_builder(http),
                refusals,
            }),
            connections: Arc::new(Connections::new(http, metrics)),
            grace,
        }
    }

    /// Serves until `stop` completes; then stops accepting, lets requests in
    /// flight finish for up to the grace period, and closes what is left.
    pub async fn run(self, stop: impl Future<Output = ()>) {
        let reaper = tokio::spawn(self.connections.clone().reap_forever());
        let (draining, drain) = watch::channel(false);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => self.admit(stream, &drain),
                    Err(error) => self.accept_failed(&error).await,
                },
            }
        }
        drop(self.listener);
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = draining.send(true);
        let grace = self.grace;
        if tokio::time::timeout(grace, self.connections.drained())
            .await
            .is_err()
        {
            tracing::warn!("in-flight requests did not finish within {grace:?}; stopping anyway");
            self.connections.close_all();
        }
        reaper.abort();
    }

    fn admit(&self, stream: tokio::net::TcpStream, drain: &watch::Receiver<bool>) {
        // At the cap with every connection in a request, the newcomer is closed at once.
        let Some(registration) = self.connections.admit() else {
            return;
        };
        tokio::spawn(connection::serve(
            stream,
            registration,
            self.shared.clone(),
            drain.clone(),
        ));
    }

    async fn accept_failed(&self, error: &stdio::Error) {
        match error.raw_os_error() {
            Some(EMFILE | ENFILE) => {
                self.connections
                    .out_of_descriptors(DESCRIPTOR_BACKOFF)
                    .await;
            }
            // The client left before it was accepted: nothing to do.
            _ if matches!(
                error.kind(),
                stdio::ErrorKind::ConnectionAborted
                    | stdio::ErrorKind::ConnectionReset
                    | stdio::ErrorKind::ConnectionRefused
            ) => {}
            _ => {
                tracing::warn!(%error, "could not accept a connection; retrying shortly");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// hyper's HTTP/1.1 settings. Heads and idle connections are timed by the
/// table of connections (shorter under load), so hyper's fixed header timeout
/// is off. Its buffer holds the longest head provisio's own limits measure,
/// so those answer with their own detail; a longer head hyper refuses itself,
/// and [`Refusals`] turns that into a problem. Writes are not vectored, so
/// that a refusal is one write to recognise.
fn http1_builder(http: &HttpConfig) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        .header_read_timeout(None)
        .max_buf_size((http.max_header_bytes + MAX_URI_BYTES + 1024).max(8192))
        .writev(false);
    builder
}
