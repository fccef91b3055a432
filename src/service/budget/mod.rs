//! The rate budget of connections shared by every replica on one Postgres
//! database (see docs/architecture.md, "Replicas"). Each replica leases
//! stretches of a connection's departure schedule and concurrency slots from
//! the database and hands them to its calls without a round trip each; a
//! background task hands back what is not used and keeps the slots it holds
//! alive, so a replica that dies frees its share within [`SLOT_TTL`].

mod connection;

use std::{
    sync::{Arc, Mutex, PoisonError, Weak},
    time::Duration,
};

use chrono::{DateTime, Utc};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::{
    metrics::Metrics,
    scim::Limiter,
    store::{
        StoreError,
        budget::{BudgetLedger, BudgetNotice, PaceLease},
    },
};
use connection::ConnectionBudget;

/// Departures leased at once, at most: 0.2 s of the budget. Bounds what a
/// dead replica wastes and, when a pause notice is missed, how long its calls
/// run on: and so the round trips, five per second at any budget.
const LEASE_SPAN: Duration = Duration::from_millis(200);
/// How long a slot stays held without renewal: a dead replica's slots come
/// free this long after its last renewal.
const SLOT_TTL: Duration = Duration::from_millis(1500);
/// Slots are renewed this often (three chances before they lapse).
const RENEW_EVERY: Duration = Duration::from_millis(500);
/// How often the background task looks for unused departures and slots.
const TICK: Duration = Duration::from_millis(100);
/// Departures and slots unused this long go back to the database.
const IDLE: Duration = Duration::from_millis(100);
/// How often a call waiting for a slot looks again without being told.
const SLOT_POLL: Duration = Duration::from_millis(250);
/// The wait before asking the database again after it failed.
const STORE_RETRY: Duration = Duration::from_millis(100);

/// The store's ledger as this replica uses it: its holder id, and each round
/// trip counted.
#[derive(Clone)]
struct Ledger {
    store: Arc<dyn BudgetLedger>,
    holder: Uuid,
    metrics: Option<Arc<Metrics>>,
}

impl Ledger {
    fn count(&self, kind: &'static str) {
        if let Some(metrics) = &self.metrics {
            metrics.count_shared_budget_round_trip(kind);
        }
    }

    /// Where `at`, a time on the database's clock, falls on this process's clock.
    fn instant_of(&self, at: DateTime<Utc>) -> tokio::time::Instant {
        let now = tokio::time::Instant::now();
        let ahead = at - self.store.now();
        match ahead.to_std() {
            Ok(ahead) => now + ahead,
            Err(_) => {
                let behind = (-ahead).to_std().unwrap_or_default();
                now.checked_sub(behind).unwrap_or(now)
            }
        }
    }

    fn observe_wait(&self, connection: Uuid, waited: Duration) {
        if let Some(metrics) = &self.metrics
            && waited >= Duration::from_millis(1)
        {
            metrics.observe_shared_budget_wait(connection, waited);
        }
    }

    async fn lease_pace(
        &self,
        connection: Uuid,
        count: u32,
        interval: Duration,
    ) -> Result<PaceLease, StoreError> {
        self.count("lease_pace");
        self.store.lease_pace(connection, count, interval).await
    }

    async fn return_pace(
        &self,
        connection: Uuid,
        ends_at: DateTime<Utc>,
        from: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.count("return_pace");
        self.store.return_pace(connection, ends_at, from).await
    }

    async fn pause(&self, connection: Uuid, delay: Duration) -> Result<(), StoreError> {
        self.count("pause");
        self.store.pause(connection, delay).await
    }

    async fn size_slots(&self, connection: Uuid, total: u32) -> Result<(), StoreError> {
        self.count("size_slots");
        self.store.size_slots(connection, total).await
    }

    async fn lease_slots(&self, connection: Uuid, count: u32) -> Result<Vec<i32>, StoreError> {
        self.count("lease_slots");
        self.store
            .lease_slots(connection, self.holder, count, SLOT_TTL)
            .await
    }

    async fn return_slots(&self, connection: Uuid, slots: &[i32]) -> Result<(), StoreError> {
        self.count("return_slots");
        self.store
            .return_slots(connection, self.holder, slots)
            .await
    }

    async fn renew_slots(&self) -> Result<u64, StoreError> {
        self.count("renew_slots");
        self.store.renew_slots(self.holder, SLOT_TTL).await
    }
}

/// This replica's shares of every connection's budget. Cheap to clone.
#[derive(Clone)]
pub struct SharedBudgets {
    inner: Arc<Inner>,
}

struct Inner {
    ledger: Ledger,
    budgets: Mutex<Vec<Weak<ConnectionBudget>>>,
}

impl SharedBudgets {
    /// Starts the background tasks (they stop when the last clone drops).
    pub fn new(store: Arc<dyn BudgetLedger>, metrics: Option<Arc<Metrics>>) -> Self {
        let notices = store.notices();
        let holder = Uuid::now_v7();
        tracing::info!(%holder, "sharing connections' rate budgets with the other replicas");
        let inner = Arc::new(Inner {
            ledger: Ledger {
                store,
                holder,
                metrics,
            },
            budgets: Mutex::default(),
        });
        tokio::spawn(tidy(Arc::downgrade(&inner)));
        tokio::spawn(renew(Arc::downgrade(&inner)));
        tokio::spawn(hear(Arc::downgrade(&inner), notices));
        Self { inner }
    }

    /// A limiter drawing on the connection's shared budget.
    pub fn limiter(&self, connection: Uuid, per_second: u32, concurrency: u32) -> Limiter {
        let budget = Arc::new(ConnectionBudget::new(
            connection,
            self.inner.ledger.clone(),
            per_second,
            concurrency,
        ));
        let mut budgets = self
            .inner
            .budgets
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        budgets.retain(|b| b.strong_count() > 0);
        budgets.push(Arc::downgrade(&budget));
        Limiter::shared(budget)
    }

    /// Hands back every slot and departure not in use at once (the replica
    /// is stopping), instead of letting them lapse.
    pub async fn hand_back(&self) {
        for budget in self.inner.live() {
            budget.return_idle_slots(Duration::ZERO, true).await;
            budget.return_idle_pace(Duration::ZERO).await;
        }
    }
}

impl Inner {
    fn live(&self) -> Vec<Arc<ConnectionBudget>> {
        self.budgets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }
}

/// Hands back what is idle, while the budgets live.
async fn tidy(inner: Weak<Inner>) {
    let mut ticks = tokio::time::interval(TICK);
    loop {
        ticks.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        for budget in inner.live() {
            budget.return_idle_pace(IDLE).await;
            budget.return_idle_slots(IDLE, false).await;
        }
    }
}

/// Renews the slots held, on a task of its own: nothing may delay it past
/// [`SLOT_TTL`], or the slots would go to another replica while still in use.
async fn renew(inner: Weak<Inner>) {
    let mut ticks = tokio::time::interval(RENEW_EVERY);
    loop {
        ticks.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        if inner.live().iter().all(|b| b.held_count() == 0) {
            continue;
        }
        if let Err(error) = inner.ledger.renew_slots().await {
            tracing::warn!(%error, "could not renew the shared concurrency slots held");
        }
    }
}

/// Passes other replicas' notices to this replica's budgets.
async fn hear(inner: Weak<Inner>, mut notices: tokio::sync::broadcast::Receiver<BudgetNotice>) {
    loop {
        let notice = match notices.recv().await {
            Ok(notice) => notice,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        let Some(inner) = inner.upgrade() else { return };
        for budget in inner.live() {
            match notice {
                BudgetNotice::Paused(id, delay) if id == budget.connection => {
                    budget.pause_here(delay);
                }
                BudgetNotice::SlotsFreed(id) if id == budget.connection => {
                    budget.slots_freed();
                }
                _ => {}
            }
        }
    }
}
