//! A client socket as hyper sees it: reads tell the connection's [`Conn`] when
//! a new request head starts, and hyper's own refusals are swapped for problems
//! on their way out ([`Refusals`]).

use std::{
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
    time::Duration,
};

use bytes::{Buf, Bytes};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::TcpStream,
};

use super::{conn::Conn, refusal::Refusals};

/// How long a refused connection keeps reading what its client still sends
/// (and how much), so that closing it does not reset the refusal away.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: u64 = 1 << 20;

pub(super) struct WatchedIo {
    stream: TcpStream,
    conn: Arc<Conn>,
    refusals: Arc<Refusals>,
    /// A problem in place of hyper's refusal, still to be written.
    pending: Bytes,
    refused: bool,
}

impl WatchedIo {
    pub(super) fn new(stream: TcpStream, conn: Arc<Conn>, refusals: Arc<Refusals>) -> Self {
        Self {
            stream,
            conn,
            refusals,
            pending: Bytes::new(),
            refused: false,
        }
    }

    /// Whether hyper refused a request on this connection.
    pub(super) fn refused(&self) -> bool {
        self.refused
    }

    /// Ends a refused connection gently: the answer is sent, our side is shut,
    /// and what the client still sends is read and dropped for a moment. Closing
    /// with unread bytes would send a reset, which can destroy the answer
    /// before the client reads it.
    pub(super) async fn linger(mut self) {
        if self.flush().await.is_err() || self.stream.shutdown().await.is_err() {
            return;
        }
        let mut rest = (&mut self.stream).take(LINGER_BYTES);
        let _ =
            tokio::time::timeout(LINGER, tokio::io::copy(&mut rest, &mut tokio::io::sink())).await;
    }

    fn write_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let written = ready!(Pin::new(&mut self.stream).poll_write(cx, &self.pending))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.advance(written);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for WatchedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        this.conn.bytes_read(&buf.filled()[before..]);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for WatchedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.write_pending(cx))?;
        let line_ended = this.conn.request_line_ended();
        let Some(problem) = this.refusals.replace(buf, line_ended) else {
            return Pin::new(&mut this.stream).poll_write(cx, buf);
        };
        // hyper's bytes count as written; the problem goes out in their place.
        this.pending = problem;
        this.refused = true;
        if let Poll::Ready(Err(error)) = this.write_pending(cx) {
            return Poll::Ready(Err(error));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.write_pending(cx))?;
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.write_pending(cx))?;
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}
