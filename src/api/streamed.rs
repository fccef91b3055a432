//! A large JSON answer written as it is sent: a plan of 100,000 people is
//! tens of megabytes of JSON, which serialised whole would be held (and,
//! growing, held twice) beside the plan it describes. It is serialised on a
//! blocking thread into a few 64 KiB chunks at a time instead.

use std::{
    convert::Infallible,
    io::{self, Write},
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    body::{Body, Bytes},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use http_body::Frame;
use serde::Serialize;
use tokio::sync::mpsc;

const CHUNK: usize = 64 * 1024;
/// Chunks written ahead of the client: a slow client holds the writer back.
const CHUNKS_AHEAD: usize = 4;

/// `value` as a JSON answer, streamed.
pub struct StreamedJson<T>(pub T);

impl<T: Serialize + Send + 'static> IntoResponse for StreamedJson<T> {
    fn into_response(self) -> Response {
        let (chunks, received) = mpsc::channel(CHUNKS_AHEAD);
        let value = self.0;
        tokio::task::spawn_blocking(move || {
            let mut writer = ChunkWriter {
                buffer: Vec::with_capacity(CHUNK),
                chunks,
            };
            // Writing fails only when the client has gone: nothing to tell.
            if serde_json::to_writer(&mut writer, &value).is_ok() {
                let _ = writer.flush();
            }
            drop(value);
        });
        let mut response = Body::new(Chunks { received }).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// Collects what serde writes into chunks and sends each when full.
struct ChunkWriter {
    buffer: Vec<u8>,
    chunks: mpsc::Sender<Bytes>,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.chunks
            .blocking_send(Bytes::from(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client has gone"))
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.send()
    }
}

/// The chunks as a response body; it ends when the writer is done.
struct Chunks {
    received: mpsc::Receiver<Bytes>,
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.received
            .poll_recv(cx)
            .map(|chunk| chunk.map(|data| Ok(Frame::data(data))))
    }
}
