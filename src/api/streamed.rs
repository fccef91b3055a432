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
use tokio::{sync::mpsc, time::Instant};
use tracing::Instrument;

use super::error::ApiError;

const CHUNK: usize = 64 * 1024;
/// Chunks written ahead of the client: a slow client holds the writer back.
const CHUNKS_AHEAD: usize = 4;

/// What a writer sends the body: a piece of the answer, its end, or why it
/// cannot go on. A writer that stops without sending the end (it panicked,
/// or failed) fails the body too: the client sees the transfer cut off,
/// never a well-formed but partial document.
enum Piece {
    Data(Bytes),
    End,
}

type Chunk = io::Result<Piece>;

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
            // Writing into memory fails only when the client has gone:
            // nothing to tell.
            if serde_json::to_writer(&mut writer, &value).is_ok() && writer.flush().is_ok() {
                let _ = writer.chunks.blocking_send(Ok(Piece::End));
            }
            drop(value);
        });
        json_body(received)
    }
}

/// The chunks received as a JSON answer.
fn json_body(received: mpsc::Receiver<Chunk>) -> Response {
    let mut response = Body::new(Chunks {
        received,
        ended: false,
    })
    .into_response();
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
            .blocking_send(Ok(Piece::Data(Bytes::from(chunk))))
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
/// is still an error answer; a later one, or a page not read by `deadline`
/// (the request's), cuts the answer off (the client sees a broken transfer,
/// never a well-formed but partial document) and is logged.
pub fn paged_object<H, P, O, F, Fut, E>(
    head: &H,
    field: &str,
    (first, next): (Vec<P>, F),
    deadline: Instant,
) -> Response
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
    let written = out.write::<P, O, F, Fut, E>(first, next, deadline);
    tokio::spawn(written.instrument(tracing::Span::current()));
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
    async fn write<P, O, F, Fut, E>(mut self, first: Vec<P>, mut next: F, deadline: Instant)
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
            let failure = match tokio::time::timeout_at(deadline, following).await {
                Ok(Ok(following)) => {
                    page = following;
                    continue;
                }
                Ok(Err(error)) => error.to_string(),
                Err(_) => "the request's deadline passed".to_owned(),
            };
            tracing::error!(error = %failure, written, "a paged answer was cut off: its next page could not be read");
            let _ = self.chunks.send(Err(io::Error::other(failure))).await;
            return;
        }
        self.buffer.extend_from_slice(b"]}");
        if self.send().await.is_ok() {
            let _ = self.chunks.send(Ok(Piece::End)).await;
        }
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
            .send(Ok(Piece::Data(Bytes::from(chunk))))
            .await
            .map_err(|_| gone())
    }
}

/// The chunks as a response body: it ends when the writer says so, and fails
/// (the answer is cut off) when the writer sends an error or stops without
/// saying it is done.
struct Chunks {
    received: mpsc::Receiver<Chunk>,
    ended: bool,
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let piece = std::task::ready!(self.received.poll_recv(cx));
        Poll::Ready(match piece {
            Some(Ok(Piece::Data(data))) => Some(Ok(Frame::data(data))),
            Some(Ok(Piece::End)) => {
                self.ended = true;
                None
            }
            Some(Err(error)) => Some(Err(error)),
            None => Some(Err(io::Error::other(
                "the answer's writer stopped before the end",
            ))),
        })
    }

    fn is_end_stream(&self) -> bool {
        self.ended
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http_body_util::BodyExt;
    use serde_json::{Value, json};

    use super::*;

    type Page = Result<Vec<u32>, &'static str>;

    /// Pages of numbers: the first, then a function handing out the rest in turn.
    fn pages(
        pages: Vec<Page>,
    ) -> (
        Vec<u32>,
        impl FnMut(&u32) -> std::future::Ready<Page> + Send + 'static,
    ) {
        let mut rest = pages.into_iter();
        let first = rest.next().and_then(Result::ok).unwrap_or_default();
        let next = move |_: &u32| std::future::ready(rest.next().unwrap_or(Ok(vec![])));
        (first, next)
    }

    async fn answer(
        head: Value,
        listed: Vec<Result<Vec<u32>, &'static str>>,
    ) -> Result<String, io::Error> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let response = paged_object::<_, _, u32, _, _, _>(&head, "items", pages(listed), deadline);
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(io::Error::other)?;
        Ok(String::from_utf8(body.to_bytes().to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_paged_answer_is_the_head_then_every_page_in_order() {
        let text = answer(
            json!({"id": 7}),
            vec![Ok(vec![1, 2]), Ok(vec![3]), Ok(vec![])],
        )
        .await
        .unwrap();
        assert_eq!(text, r#"{"id":7,"items":[1,2,3]}"#);
        let empty = answer(json!({}), vec![Ok(vec![])]).await.unwrap();
        assert_eq!(empty, r#"{"items":[]}"#);
    }

    #[tokio::test]
    async fn a_page_that_cannot_be_read_cuts_the_answer_off() {
        let cut = answer(
            json!({"id": 7}),
            vec![Ok(vec![1, 2]), Err("the database is gone")],
        )
        .await;
        assert!(cut.is_err(), "{cut:?}");
    }

    #[tokio::test]
    async fn a_writer_that_stops_before_its_end_fails_the_body() {
        let (chunks, received) = mpsc::channel(CHUNKS_AHEAD);
        chunks
            .send(Ok(Piece::Data(Bytes::from_static(b"{\"a\":"))))
            .await
            .unwrap();
        drop(chunks);
        assert!(json_body(received).into_body().collect().await.is_err());
    }

    #[tokio::test]
    async fn a_streamed_value_arrives_whole() {
        let value = json!({"items": (0..20_000).collect::<Vec<u32>>()});
        let body = StreamedJson(value.clone())
            .into_response()
            .into_body()
            .collect()
            .await
            .unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&body.to_bytes()).unwrap(),
            value
        );
    }
}
