//! Large JSON answers written as they are sent. A plan of 100,000 people is
//! tens of megabytes of JSON, which serialised whole would be held (and,
//! growing, held twice) beside the plan it describes: it is serialised on a
//! blocking thread into a few 64 KiB chunks at a time instead
//! ([`StreamedJson`]). A run of 100,000 items is read from the database a
//! page at a time as it is written ([`paged_object`]), so neither its rows
//! nor its JSON are ever held whole.

use std::{
    fmt::Display,
    future::Future,
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
use tracing::Instrument;

use super::error::ApiError;

const CHUNK: usize = 64 * 1024;
/// Chunks written ahead of the client: a slow client holds the writer back.
const CHUNKS_AHEAD: usize = 4;

type Chunk = io::Result<Bytes>;

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
        json_body(received)
    }
}

/// The chunks received as a JSON answer.
fn json_body(received: mpsc::Receiver<Chunk>) -> Response {
    let mut response = Body::new(Chunks { received }).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Collects what serde writes into chunks and sends each when full.
struct ChunkWriter {
    buffer: Vec<u8>,
    chunks: mpsc::Sender<Chunk>,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.chunks
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| gone())
    }
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the client has gone")
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

/// A JSON object answer whose last field, `field`, is an array read a page at
/// a time: `head`'s fields, then the elements of `first` and of every page
/// `next` hands out after the last element of the page before, until an
/// empty one, each written as an `O`. Only one page and a few chunks are held
/// at once. The first page is read before answering, so a failure to read it
/// is still an error answer; a later one cuts the answer off (the client sees
/// a broken transfer, never a well-formed but partial document) and is logged.
pub fn paged_object<H, P, O, F, Fut, E>(head: &H, field: &str, first: Vec<P>, next: F) -> Response
where
    H: Serialize,
    P: Send + 'static,
    O: Serialize + From<P> + 'static,
    F: FnMut(&P) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Vec<P>, E>> + Send + 'static,
    E: Display + Send + 'static,
{
    let opening = match opening(head, field) {
        Ok(opening) => opening,
        Err(error) => return ApiError::internal(error).into_response(),
    };
    let (chunks, received) = mpsc::channel(CHUNKS_AHEAD);
    let out = PageWriter {
        buffer: opening,
        chunks,
    };
    tokio::spawn(
        out.write::<P, O, F, Fut, E>(first, next)
            .instrument(tracing::Span::current()),
    );
    json_body(received)
}

/// `head` as JSON up to where `field`'s elements begin: `{…,"field":[`.
fn opening<H: Serialize>(head: &H, field: &str) -> anyhow::Result<Vec<u8>> {
    let mut opening = serde_json::to_vec(head)?;
    // `head` is an object: its closing brace makes way for the array.
    if opening.pop() != Some(b'}') {
        anyhow::bail!("the head of a paged answer is not a JSON object");
    }
    if opening.len() > 1 {
        opening.push(b',');
    }
    serde_json::to_writer(&mut opening, field)?;
    opening.extend_from_slice(b":[");
    Ok(opening)
}

/// Writes a paged answer into chunks as an async task (the pages are read
/// from the database), sending each chunk when full.
struct PageWriter {
    buffer: Vec<u8>,
    chunks: mpsc::Sender<Chunk>,
}

impl PageWriter {
    async fn write<P, O, F, Fut, E>(mut self, first: Vec<P>, mut next: F)
    where
        O: Serialize + From<P>,
        F: FnMut(&P) -> Fut,
        Fut: Future<Output = Result<Vec<P>, E>>,
        E: Display,
    {
        let mut page = first;
        let mut written = 0usize;
        while let Some(last) = page.last() {
            let following = next(last);
            for element in page {
                if written > 0 {
                    self.buffer.push(b',');
                }
                written += 1;
                if serde_json::to_writer(&mut self.buffer, &O::from(element)).is_err()
                    || self.send_when_full().await.is_err()
                {
                    // The client has gone (writing into memory fails for no other reason).
                    return;
                }
            }
            page = match following.await {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(%error, written, "a paged answer was cut off: the next page could not be read");
                    let _ = self
                        .chunks
                        .send(Err(io::Error::other("a page could not be read")))
                        .await;
                    return;
                }
            };
        }
        self.buffer.extend_from_slice(b"]}");
        let _ = self.send().await;
    }

    async fn send_when_full(&mut self) -> io::Result<()> {
        if self.buffer.len() >= CHUNK {
            self.send().await?;
        }
        Ok(())
    }

    async fn send(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.chunks
            .send(Ok(Bytes::from(chunk)))
            .await
            .map_err(|_| gone())
    }
}

/// The chunks as a response body; it ends when the writer is done, and fails
/// (the answer is cut off) when the writer sends an error.
struct Chunks {
    received: mpsc::Receiver<Chunk>,
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.received
            .poll_recv(cx)
            .map(|chunk| chunk.map(|data| data.map(Frame::data)))
    }
}
