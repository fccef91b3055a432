//! Hearing that a connection changed, on every replica: what a replica caches
//! about a connection (its opened credentials, its settings) must not outlive
//! a change made through another replica.
//!
//! On Postgres a trigger on `connection` sends `pg_notify('provisio_connection',
//! <id>)` in the writing transaction, and one listener task per process turns
//! the notifications into [`ConnectionChange`]s. On SQLite (one process) the
//! store announces its own writes after they commit.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use tokio::sync::broadcast;
use uuid::Uuid;

/// Changes kept for a slow subscriber before it lags (and must resync).
const BACKLOG: usize = 1024;

/// What a subscriber must forget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionChange {
    /// This connection was updated (a new revision, rotated credentials) or deleted.
    Changed(Uuid),
    /// Changes may have been missed (the listener lost its database connection
    /// and is back, or the subscriber lagged): forget every connection.
    Resync,
}

/// Where a cache learns that connections changed. Cheap to clone.
///
/// A subscriber that gets `Err(RecvError::Lagged(_))` from its receiver
/// missed changes and must treat it as [`ConnectionChange::Resync`]. While
/// [`ConnectionWatch::is_live`] is false, changes made elsewhere are not
/// heard: a cache must not serve from memory then (read the database, or
/// check the revision).
#[derive(Clone, Debug)]
pub struct ConnectionWatch {
    changes: broadcast::Sender<ConnectionChange>,
    live: Arc<AtomicBool>,
}

impl ConnectionWatch {
    /// A watch that is live from the start (one process: every write is heard).
    pub fn in_process() -> Self {
        Self::new(true)
    }

    /// A watch fed by a listener that is not yet listening.
    pub(crate) fn new(live: bool) -> Self {
        Self {
            changes: broadcast::channel(BACKLOG).0,
            live: Arc::new(AtomicBool::new(live)),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ConnectionChange> {
        self.changes.subscribe()
    }

    /// Whether every change to a connection, made by any replica, is heard now.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// Announces a change (nobody listening is fine).
    pub(crate) fn announce(&self, change: ConnectionChange) {
        let _ = self.changes.send(change);
    }

    /// The listener lost its database connection: changes go unheard until
    /// [`ConnectionWatch::resumed`].
    pub(crate) fn lost(&self) {
        self.live.store(false, Ordering::Release);
    }

    /// The listener listens again; what happened meanwhile is unknown.
    pub(crate) fn resumed(&self) {
        self.live.store(true, Ordering::Release);
        self.announce(ConnectionChange::Resync);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_resumed_watch_is_live_and_tells_subscribers_to_resync() {
        let watch = ConnectionWatch::new(false);
        let mut changes = watch.subscribe();
        assert!(!watch.is_live());
        watch.resumed();
        assert!(watch.is_live());
        assert_eq!(changes.recv().await.unwrap(), ConnectionChange::Resync);
        let id = Uuid::now_v7();
        watch.announce(ConnectionChange::Changed(id));
        assert_eq!(changes.recv().await.unwrap(), ConnectionChange::Changed(id));
        watch.lost();
        assert!(!watch.is_live());
    }
}
