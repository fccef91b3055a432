//! A task that runs on one replica at a time (see [`super::Store::try_exclusive`]).

/// Held while a task runs on this replica alone.
pub struct Exclusive(Option<sqlx::pool::PoolConnection<sqlx::Postgres>>);

impl Exclusive {
    /// One process: nobody else to exclude.
    pub(super) fn in_process() -> Self {
        Self(None)
    }

    /// Holds the database session that holds the lock.
    pub(super) fn holding(connection: sqlx::pool::PoolConnection<sqlx::Postgres>) -> Self {
        Self(Some(connection))
    }
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        // Closing the session releases its advisory lock; pooled again, it would keep it.
        drop(self.0.take().map(sqlx::pool::PoolConnection::detach));
    }
}
