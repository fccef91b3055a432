//! One open client connection as the table of connections sees it: what it is
//! doing, since when, and a way to tell it to close.

use std::{
    sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering},
    time::Instant,
};

use tokio::sync::Notify;

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Waiting for (or reading) a request line and headers.
    Head = 0,
    /// A request is being served, or its response written.
    Busy = 1,
    /// Kept alive between requests, nothing received yet.
    Idle = 2,
    /// Told to close; gone as soon as its task sees it.
    Closing = 3,
}

impl Phase {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => Phase::Head,
            1 => Phase::Busy,
            2 => Phase::Idle,
            _ => Phase::Closing,
        }
    }

    /// The `reason` label of a connection closed in this phase for taking too long.
    pub(super) fn timeout_reason(self) -> &'static str {
        match self {
            Phase::Head => "header_timeout",
            Phase::Idle => "idle_timeout",
            Phase::Busy | Phase::Closing => "write_timeout",
        }
    }
}

/// One open connection, shared by its task, its IO and the table.
#[derive(Debug)]
pub(super) struct Conn {
    phase: AtomicU8,
    /// When the phase began, in milliseconds since the table's epoch.
    since: AtomicU64,
    /// Whether the request line of the head being read has ended.
    line_ended: AtomicBool,
    close: Notify,
    epoch: Instant,
}

impl Conn {
    pub(super) fn new(epoch: Instant) -> Self {
        Self {
            phase: AtomicU8::new(Phase::Head as u8),
            since: AtomicU64::new(millis_since(epoch)),
            line_ended: AtomicBool::new(false),
            close: Notify::new(),
            epoch,
        }
    }

    pub(super) fn phase(&self) -> Phase {
        Phase::from_u8(self.phase.load(Ordering::Acquire))
    }

    /// Moves to `phase`, unless the connection is already closing.
    fn enter(&self, phase: Phase) {
        let moved = self
            .phase
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                (Phase::from_u8(now) != Phase::Closing).then_some(phase as u8)
            });
        if moved.is_ok() {
            self.since
                .store(millis_since(self.epoch), Ordering::Release);
        }
    }

    pub(super) fn request_started(&self) {
        self.enter(Phase::Busy);
    }

    pub(super) fn response_done(&self) {
        self.line_ended.store(false, Ordering::Release);
        self.enter(Phase::Idle);
    }

    /// Bytes arrived: an idle connection starts a new head (and its header
    /// timeout); the head's request line ends at its first line feed.
    pub(super) fn bytes_read(&self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.phase() == Phase::Idle {
            self.enter(Phase::Head);
        }
        if self.phase() == Phase::Head
            && !self.line_ended.load(Ordering::Acquire)
            && memchr::memchr(b'\n', bytes).is_some()
        {
            self.line_ended.store(true, Ordering::Release);
        }
    }

    pub(super) fn request_line_ended(&self) -> bool {
        self.line_ended.load(Ordering::Acquire)
    }

    /// Completes when the table has told this connection to close.
    pub(super) async fn told_to_close(&self) {
        self.close.notified().await;
    }

    /// Tells the connection to close if it is still in `from`.
    pub(super) fn close_from(&self, from: Phase) -> bool {
        let closed = self
            .phase
            .compare_exchange(
                from as u8,
                Phase::Closing as u8,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok();
        if closed {
            self.close.notify_one();
        }
        closed
    }

    pub(super) fn age_ms(&self, now: u64) -> u64 {
        now.saturating_sub(self.since.load(Ordering::Acquire))
    }
}

pub(super) fn millis_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}
