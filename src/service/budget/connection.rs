//! One connection's share of the budget on this replica: the departures and
//! the concurrency slots it leased from the database, handed to calls one at
//! a time without a round trip each.

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use tokio::{
    sync::{Notify, OwnedSemaphorePermit, Semaphore},
    time::Instant,
};
use uuid::Uuid;

use super::{LEASE_SPAN, Ledger, SLOT_POLL, STORE_RETRY};
use crate::scim::{SharedBudget, pacing_interval};

/// The leased departures not yet taken: `left` of them, from `next` on,
/// `interval` apart.
#[derive(Default)]
struct Pace {
    next: Option<Instant>,
    left: u32,
    /// Where the database's schedule stood after the lease (to hand back its end).
    ends_at: Option<DateTime<Utc>>,
    last_taken: Option<Instant>,
}

pub(super) struct ConnectionBudget {
    pub(super) connection: Uuid,
    ledger: Ledger,
    interval: Duration,
    /// Departures leased at most at once: [`LEASE_SPAN`] worth.
    lease_max: u32,
    concurrency: u32,
    pace: tokio::sync::Mutex<Pace>,
    pace_waiters: AtomicU32,
    paused_until: Mutex<Option<Instant>>,
    /// One permit per slot held (in use or idle).
    slots: Arc<Semaphore>,
    held: Mutex<Vec<i32>>,
    /// The connection's slot rows match `concurrency`.
    sized: AtomicBool,
    /// One slot lease at a time.
    slot_turn: tokio::sync::Mutex<()>,
    slot_waiters: AtomicU32,
    last_slot_use: Mutex<Option<Instant>>,
    /// Slots came free on another replica.
    freed: Notify,
    /// When a lease last found fewer slots free than it wanted.
    exhausted: Mutex<Option<Instant>>,
}

impl ConnectionBudget {
    pub(super) fn new(
        connection: Uuid,
        ledger: Ledger,
        max_per_second: u32,
        concurrency: u32,
    ) -> Self {
        let interval = pacing_interval(max_per_second);
        let span = LEASE_SPAN.as_secs_f64() / interval.as_secs_f64();
        Self {
            connection,
            ledger,
            interval,
            lease_max: (span.floor() as u32).max(1),
            concurrency: concurrency.max(1),
            pace: tokio::sync::Mutex::default(),
            pace_waiters: AtomicU32::new(0),
            paused_until: Mutex::default(),
            slots: Arc::new(Semaphore::new(0)),
            held: Mutex::default(),
            sized: AtomicBool::new(false),
            slot_turn: tokio::sync::Mutex::new(()),
            slot_waiters: AtomicU32::new(0),
            last_slot_use: Mutex::default(),
            freed: Notify::new(),
            exhausted: Mutex::default(),
        }
    }

    /// Pauses this replica's calls until `delay` from now (a notice, or our own 429).
    pub(super) fn pause_here(&self, delay: Duration) {
        let until = Instant::now() + delay;
        let mut paused = self
            .paused_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
        }
    }

    fn paused_until(&self) -> Option<Instant> {
        let paused = *self
            .paused_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        paused.filter(|p| *p > Instant::now())
    }

    /// How late a departure may still be taken: later, it might bunch with
    /// the next one, which may be another replica's.
    fn lateness(&self) -> Duration {
        (self.interval / 4).max(Duration::from_millis(2))
    }

    /// Waits for this replica's next departure time, leasing more when none is left.
    async fn depart(&self) {
        self.pace_waiters.fetch_add(1, Ordering::Relaxed);
        let mut pace = self.pace.lock().await;
        self.pace_waiters.fetch_sub(1, Ordering::Relaxed);
        loop {
            while let Some(until) = self.paused_until() {
                tokio::time::sleep_until(until).await;
            }
            self.drop_missed(&mut pace);
            if pace.left == 0 {
                let count = (self.pace_waiters.load(Ordering::Relaxed) + 1).min(self.lease_max);
                if !self.lease_pace(&mut pace, count).await {
                    tokio::time::sleep(STORE_RETRY).await;
                }
            } else if self.leave_at_next(&mut pace).await {
                return;
            }
        }
    }

    /// Waits for the next leased departure and takes it, unless the wait
    /// ran late or a pause came meanwhile.
    async fn leave_at_next(&self, pace: &mut Pace) -> bool {
        if let Some(next) = pace.next {
            tokio::time::sleep_until(next).await;
            if Instant::now().saturating_duration_since(next) > self.lateness() {
                // Woken too late (a busy runtime): this departure is missed.
                return false;
            }
        }
        if self.paused_until().is_some() {
            // Departures leased before the pause are void: the app said stop.
            pace.left = 0;
            return false;
        }
        pace.left -= 1;
        pace.next = pace.next.map(|n| n + self.interval);
        pace.last_taken = Some(Instant::now());
        true
    }

    /// Forgets departures whose time passed unused.
    fn drop_missed(&self, pace: &mut Pace) {
        let Some(next) = pace.next else { return };
        let late = Instant::now().saturating_duration_since(next);
        if late <= self.lateness() || pace.left == 0 {
            return;
        }
        // Those more than `lateness` past, and only those.
        let past = (late - self.lateness()).as_secs_f64() / self.interval.as_secs_f64();
        let missed = past.floor() as u32 + 1;
        let missed = missed.min(pace.left);
        pace.left -= missed;
        pace.next = Some(next + self.interval * missed);
    }

    async fn lease_pace(&self, pace: &mut Pace, count: u32) -> bool {
        match self
            .ledger
            .lease_pace(self.connection, count, self.interval)
            .await
        {
            Ok(lease) => {
                // Mapped through the clocks' offset, not the round trip: a
                // lease answered late (a busy pool, a busy replica) still
                // departs when the database's schedule says.
                pace.next = Some(self.ledger.instant_of(lease.starts_at));
                pace.left = count;
                pace.ends_at = Some(lease.ends_at);
                true
            }
            Err(error) => {
                tracing::warn!(%error, connection_id = %self.connection, "could not lease from the shared rate budget; retrying");
                false
            }
        }
    }

    /// Hands back the departures leased but not needed (nobody waits, none
    /// taken lately), so other replicas need not wait past them.
    pub(super) async fn return_idle_pace(&self, idle: Duration) {
        if self.pace_waiters.load(Ordering::Relaxed) > 0 {
            return;
        }
        let Ok(mut pace) = self.pace.try_lock() else {
            return;
        };
        self.drop_missed(&mut pace);
        let quiet = pace.last_taken.is_none_or(|t| t.elapsed() >= idle);
        let (Some(ends_at), true, true) = (pace.ends_at, pace.left > 0, quiet) else {
            return;
        };
        let unused = chrono::Duration::from_std(self.interval * pace.left).unwrap_or_default();
        match self
            .ledger
            .return_pace(self.connection, ends_at, ends_at - unused)
            .await
        {
            Ok(_) => {
                // Returned, or someone leased after us: either way ours lapse.
                pace.left = 0;
                pace.ends_at = None;
            }
            Err(error) => tracing::warn!(%error, "could not hand back unused departures"),
        }
    }

    /// Waits for a concurrency slot, leasing more from the database when this
    /// replica holds none free.
    async fn take_slot(&self) -> Option<OwnedSemaphorePermit> {
        self.size_slots().await;
        loop {
            if let Ok(permit) = self.slots.clone().try_acquire_owned() {
                return Some(permit);
            }
            self.slot_waiters.fetch_add(1, Ordering::Relaxed);
            self.lease_slots().await;
            let freed = self.freed.notified();
            let permit = tokio::select! {
                permit = self.slots.clone().acquire_owned() => permit.ok(),
                () = freed => None,
                () = tokio::time::sleep(SLOT_POLL) => None,
            };
            self.slot_waiters.fetch_sub(1, Ordering::Relaxed);
            if permit.is_some() {
                return permit;
            }
        }
    }

    /// Makes the connection's slot rows match `max_concurrency`, once.
    async fn size_slots(&self) {
        if self.sized.load(Ordering::Acquire) {
            return;
        }
        let _turn = self.slot_turn.lock().await;
        while !self.sized.load(Ordering::Acquire) {
            match self
                .ledger
                .size_slots(self.connection, self.concurrency)
                .await
            {
                Ok(()) => self.sized.store(true, Ordering::Release),
                Err(error) => {
                    tracing::warn!(%error, "could not size the shared concurrency slots; retrying");
                    tokio::time::sleep(STORE_RETRY).await;
                }
            }
        }
    }

    /// Leases as many slots as calls wait here, if any are free anywhere.
    async fn lease_slots(&self) {
        let _turn = self.slot_turn.lock().await;
        let exhausted = *self
            .exhausted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self.slots.available_permits() > 0
            || exhausted.is_some_and(|at| at.elapsed() < SLOT_POLL)
        {
            // All taken a moment ago: ask again when some are freed, not per call.
            return;
        }
        let held = u32::try_from(self.held_count()).unwrap_or(u32::MAX);
        let want = self
            .slot_waiters
            .load(Ordering::Relaxed)
            .min(self.concurrency.saturating_sub(held));
        if want == 0 {
            return;
        }
        match self.ledger.lease_slots(self.connection, want).await {
            Ok(slots) => {
                let count = slots.len();
                *self
                    .exhausted
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) =
                    (count < want as usize).then(Instant::now);
                self.held
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(slots);
                self.slots.add_permits(count);
            }
            Err(error) => tracing::warn!(%error, "could not lease shared concurrency slots"),
        }
    }

    /// Slots came free elsewhere: the calls waiting here may lease them.
    pub(super) fn slots_freed(&self) {
        *self
            .exhausted
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        self.freed.notify_waiters();
    }

    pub(super) fn held_count(&self) -> usize {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Hands back slots no call uses and none waits for (`all`: every slot
    /// not in use, whatever waits — the replica is stopping).
    pub(super) async fn return_idle_slots(&self, idle: Duration, all: bool) {
        let quiet = self
            .last_slot_use
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none_or(|t| t.elapsed() >= idle);
        let waiting = self.slot_waiters.load(Ordering::Relaxed) > 0;
        if !all && (waiting || !quiet) {
            return;
        }
        let free = u32::try_from(self.slots.available_permits()).unwrap_or(0);
        if free == 0 {
            return;
        }
        let Ok(permits) = self.slots.try_acquire_many(free) else {
            return;
        };
        let slots: Vec<i32> = {
            let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
            let keep = held.len().saturating_sub(free as usize);
            held.split_off(keep)
        };
        match self.ledger.return_slots(self.connection, &slots).await {
            Ok(()) => permits.forget(),
            Err(error) => {
                tracing::warn!(%error, "could not hand back idle concurrency slots");
                self.held
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(slots);
            }
        }
    }

    fn mark_slot_use(&self) {
        *self
            .last_slot_use
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
    }
}

impl SharedBudget for ConnectionBudget {
    fn acquire(
        &self,
    ) -> std::pin::Pin<Box<dyn Future<Output = Option<OwnedSemaphorePermit>> + Send + '_>> {
        Box::pin(async move {
            let started = Instant::now();
            // The slot first, then the pace, as in one process.
            let permit = self.take_slot().await;
            self.mark_slot_use();
            self.depart().await;
            self.ledger.observe_wait(self.connection, started.elapsed());
            permit
        })
    }

    fn pause(&self, delay: Duration) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            self.pause_here(delay);
            if let Err(error) = self.ledger.pause(self.connection, delay).await {
                tracing::warn!(%error, "could not pause the other replicas' calls to the app");
            }
        })
    }
}

impl Drop for ConnectionBudget {
    /// A budget replaced (its settings changed) hands its slots back rather
    /// than have them renewed with the others forever.
    fn drop(&mut self) {
        let slots = std::mem::take(&mut *self.held.lock().unwrap_or_else(PoisonError::into_inner));
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if slots.is_empty() {
            return;
        }
        let (ledger, connection) = (self.ledger.clone(), self.connection);
        runtime.spawn(async move {
            if let Err(error) = ledger.return_slots(connection, &slots).await {
                tracing::warn!(%error, "could not hand back the slots of a replaced budget");
            }
        });
    }
}
