//! One listener per process on the notification channels: connection changes
//! feed the [`ConnectionWatch`], budget notices the shared rate budget. A lost
//! database connection is re-opened with backoff; until then the watch is not
//! live, and once back it tells subscribers to resync (notifications sent
//! meanwhile are lost).

use std::time::Duration;

use sqlx::{PgPool, postgres::PgListener};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::budget::{BUDGET_CHANNEL, parse_notice};
use crate::store::{
    budget::BudgetNotice,
    watch::{ConnectionChange, ConnectionWatch},
};

pub(super) const CONNECTION_CHANNEL: &str = "provisio_connection";

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub(super) async fn listen_forever(
    pool: PgPool,
    watch: ConnectionWatch,
    budget: broadcast::Sender<BudgetNotice>,
) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        match subscribe(&pool).await {
            Ok(listener) => {
                backoff = FIRST_BACKOFF;
                watch.resumed();
                relay(listener, &watch, &budget).await;
                watch.lost();
                tracing::warn!("lost the database notification listener; reconnecting");
            }
            Err(error) => {
                tracing::warn!(%error, "could not listen for database notifications; retrying");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener
        .listen_all([CONNECTION_CHANNEL, BUDGET_CHANNEL])
        .await?;
    Ok(listener)
}

/// Passes notifications on until the connection is lost.
async fn relay(
    mut listener: PgListener,
    watch: &ConnectionWatch,
    budget: &broadcast::Sender<BudgetNotice>,
) {
    // `try_recv` answers `None` when the connection dropped, instead of
    // silently reconnecting as `recv` would: the watch must know.
    while let Ok(Some(notification)) = listener.try_recv().await {
        let payload = notification.payload();
        if notification.channel() == CONNECTION_CHANNEL {
            match Uuid::parse_str(payload) {
                Ok(id) => watch.announce(ConnectionChange::Changed(id)),
                Err(_) => watch.announce(ConnectionChange::Resync),
            }
        } else if let Some(notice) = parse_notice(payload) {
            let _ = budget.send(notice);
        }
    }
}
