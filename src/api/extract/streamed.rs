//! A large JSON body read as it streams in: a sync request carries a whole
//! workforce (tens of megabytes for 100,000 people), which is parsed chunk by
//! chunk on a blocking thread instead of being buffered whole first and then
//! parsed on a runtime worker.

use std::{
    io::{self, BufRead, BufReader, Read},
    pin::Pin,
};

use axum::{
    body::{Body, Bytes},
    extract::{FromRequest, Request},
    http::header,
};
use bytes::Buf;
use http_body::Body as _;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use super::{
    BodyLimit, body_failure, check_json_content_type, deserialize, parse_json, unreadable,
};
use crate::api::{
    AppState,
    error::{ApiError, ErrorCode},
};

/// Chunks in flight between the connection and the parser: enough to keep
/// the parser busy, few enough that a slow parser holds the client back.
const CHUNKS_IN_FLIGHT: usize = 8;

/// A JSON body like [`super::ApiJson`], under its route's [`BodyLimit`] (the
/// sync route's, `PROVISIO_MAX_SYNC_BODY_BYTES`), parsed as it arrives. A body
/// refused early (an unknown field at its start) is not read to its end.
pub struct LargeJson<T>(pub T);

impl<T: DeserializeOwned + Send + 'static> FromRequest<AppState> for LargeJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        check_json_content_type(request.headers().get(header::CONTENT_TYPE))?;
        let limit = BodyLimit::of(request.extensions(), state);
        let (chunks, received) = mpsc::channel(CHUNKS_IN_FLIGHT);
        let parser = tokio::task::spawn_blocking(move || parse(Chunks::new(received)));
        let fed = feed(request.into_body(), limit, chunks).await;
        let parsed = parser.await.map_err(|_| {
            ApiError::new(ErrorCode::Internal, "the request body could not be parsed")
        })?;
        // A body that failed explains whatever the parser made of it.
        fed?;
        parsed.map(LargeJson)
    }
}

/// Passes the body's chunks to the parser until it ends, fails, passes
/// `limit`, or the parser stops listening (it has its answer).
async fn feed(mut body: Body, limit: usize, chunks: mpsc::Sender<Bytes>) -> Result<(), ApiError> {
    let too_large = || {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than {limit} bytes (PROVISIO_MAX_SYNC_BODY_BYTES)"),
        )
    };
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large());
    }
    let mut received = 0usize;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|error| {
            body_failure(&error).unwrap_or_else(|| {
                ApiError::new(ErrorCode::BadRequest, "the request body could not be read")
            })
        })?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        received = received.saturating_add(data.len());
        if received > limit {
            return Err(too_large());
        }
        if chunks.send(data).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// Parses what `chunks` delivers, with the errors `parse_json` gives.
fn parse<T: DeserializeOwned>(chunks: Chunks) -> Result<T, ApiError> {
    let mut reader = BufReader::new(chunks);
    match first_byte(&mut reader) {
        // Anything but an object (or nothing) is refused as `parse_json`
        // refuses it, which needs the whole of it: such a body is not large
        // in practice, and is within the limit either way.
        Ok(first) if first != Some(b'{') => {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes).map_err(|_| unreadable())?;
            parse_json(&bytes)
        }
        Ok(_) => deserialize(serde_json::Deserializer::from_reader(reader), false),
        Err(_) => Err(unreadable()),
    }
}

/// The first byte that is not whitespace, left unread; `None` at the end.
fn first_byte(reader: &mut impl BufRead) -> io::Result<Option<u8>> {
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(None);
        }
        match buffer.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let first = buffer[i];
                reader.consume(i);
                return Ok(Some(first));
            }
            None => {
                let all = buffer.len();
                reader.consume(all);
            }
        }
    }
}

/// The body's chunks as a blocking reader, for serde_json on a blocking thread.
struct Chunks {
    received: mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl Chunks {
    fn new(received: mpsc::Receiver<Bytes>) -> Self {
        Self {
            received,
            current: Bytes::new(),
        }
    }
}

impl Read for Chunks {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.received.blocking_recv() {
                Some(chunk) => self.current = chunk,
                // The end of the body (or the feeder gave up; it says why).
                None => return Ok(0),
            }
        }
        let n = buffer.len().min(self.current.len());
        buffer[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Ok(n)
    }
}
