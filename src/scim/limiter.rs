//! A connection's rate budget and concurrency limit, shared by every request
//! to that connection: calls are paced at most `max_per_second` apart and at
//! most `max_concurrency` are in flight, so a burst of API calls reaches the
//! app at the configured pace and callers only see queueing time.
//!
//! One process keeps the budget in memory ([`Limiter::new`]); replicas
//! sharing a database share it through a [`SharedBudget`] ([`Limiter::shared`]).

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use tokio::{
    sync::{Mutex, OwnedSemaphorePermit, Semaphore},
    time::Instant,
};

/// Calls depart 2% further apart than the budget strictly allows: a departure
/// schedule exactly at the budget would let network jitter bunch two calls
/// and put an app's own limiter one call over.
pub const PACING_MARGIN: f64 = 1.02;

/// The least time between two departures at `max_per_second`.
pub fn pacing_interval(max_per_second: u32) -> Duration {
    Duration::from_secs_f64(PACING_MARGIN / f64::from(max_per_second.max(1)))
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A connection's budget kept outside this process, for every replica.
pub trait SharedBudget: Send + Sync {
    /// Waits for a concurrency slot and a departure time; the permit is held
    /// for the call.
    fn acquire(&self) -> BoxFuture<'_, Option<OwnedSemaphorePermit>>;

    /// Holds every replica's calls back for `delay`.
    fn pause(&self, delay: Duration) -> BoxFuture<'_, ()>;
}

pub struct Limiter {
    kind: Kind,
}

enum Kind {
    Local(Local),
    Shared(Arc<dyn SharedBudget>),
}

struct Local {
    /// The least time between two calls' departures; `None` is unpaced.
    interval: Option<Duration>,
    /// When the last call departed.
    last: Mutex<Option<Instant>>,
    /// No call departs before this: set when the app answers 429.
    paused_until: Mutex<Option<Instant>>,
    slots: Arc<Semaphore>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("Limiter");
        match &self.kind {
            Kind::Local(local) => debug.field("interval", &local.interval),
            Kind::Shared(_) => debug.field("shared", &true),
        }
        .finish_non_exhaustive()
    }
}

impl Limiter {
    /// This process's own budget.
    pub fn new(max_per_second: u32, max_concurrency: u32) -> Self {
        Self::local(Local {
            interval: Some(pacing_interval(max_per_second)),
            last: Mutex::new(None),
            paused_until: Mutex::new(None),
            slots: Arc::new(Semaphore::new(max_concurrency.max(1) as usize)),
        })
    }

    pub fn unlimited() -> Self {
        Self::local(Local {
            interval: None,
            last: Mutex::new(None),
            paused_until: Mutex::new(None),
            slots: Arc::new(Semaphore::new(Semaphore::MAX_PERMITS)),
        })
    }

    /// A budget shared with other replicas.
    pub fn shared(budget: Arc<dyn SharedBudget>) -> Self {
        Self {
            kind: Kind::Shared(budget),
        }
    }

    fn local(local: Local) -> Self {
        Self {
            kind: Kind::Local(local),
        }
    }

    /// Holds every call back for `delay` (the app's `Retry-After`).
    pub async fn pause(&self, delay: Duration) {
        match &self.kind {
            Kind::Local(local) => local.pause(delay).await,
            Kind::Shared(shared) => shared.pause(delay).await,
        }
    }

    /// [`Limiter::acquire`], giving up at `deadline` (a `std` instant).
    pub async fn acquire_until(
        &self,
        deadline: Option<std::time::Instant>,
    ) -> Option<(Option<OwnedSemaphorePermit>, Duration)> {
        match deadline {
            None => Some(self.acquire().await),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                tokio::time::timeout(left, self.acquire()).await.ok()
            }
        }
    }

    /// Waits for a slot and for the next departure time; returns the slot
    /// (held for the call) and how long the wait was.
    pub async fn acquire(&self) -> (Option<OwnedSemaphorePermit>, Duration) {
        match &self.kind {
            Kind::Local(local) => local.acquire().await,
            Kind::Shared(shared) => {
                let started = Instant::now();
                let permit = shared.acquire().await;
                (permit, started.elapsed())
            }
        }
    }
}

impl Local {
    async fn pause(&self, delay: Duration) {
        let until = Instant::now() + delay;
        let mut paused = self.paused_until.lock().await;
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
        }
    }

    /// Waits for a slot and for the next departure time; returns the slot
    /// (held for the call) and how long the wait was.
    async fn acquire(&self) -> (Option<OwnedSemaphorePermit>, Duration) {
        let started = Instant::now();
        let paused = *self.paused_until.lock().await;
        if let Some(until) = paused {
            tokio::time::sleep_until(until).await;
        }
        // The slot first, then the pace: a call that waited for pace must not then
        // wait again for a slot and leave together with the next one.
        let permit = self.slots.clone().acquire_owned().await.ok();
        if let Some(interval) = self.interval {
            // The lock is held while sleeping, so callers depart in turn, each
            // at least `interval` after the previous one really departed.
            let mut last = self.last.lock().await;
            if let Some(previous) = *last {
                tokio::time::sleep_until(previous + interval).await;
            }
            *last = Some(Instant::now());
        }
        (permit, started.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn departures_are_spaced_by_the_rate() {
        let limiter = Arc::new(Limiter::new(10, 100));
        let started = tokio::time::Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                let _ = limiter.acquire().await;
                tokio::time::Instant::now()
            }));
        }
        let mut departures = Vec::new();
        for task in tasks {
            departures.push(task.await.unwrap() - started);
        }
        departures.sort();
        for pair in departures.windows(2) {
            assert!(
                pair[1] - pair[0] >= Duration::from_millis(100),
                "{departures:?}"
            );
        }
    }

    #[tokio::test]
    async fn at_most_max_concurrency_calls_hold_a_slot() {
        let limiter = Limiter::unlimited();
        let bounded = Limiter::new(1000, 2);
        let (a, _) = bounded.acquire().await;
        let (b, _) = bounded.acquire().await;
        assert!(a.is_some() && b.is_some());
        let Kind::Local(local) = &bounded.kind else {
            unreachable!()
        };
        assert_eq!(local.slots.available_permits(), 0);
        drop(a);
        assert_eq!(local.slots.available_permits(), 1);
        assert!(limiter.acquire().await.0.is_some());
    }
}
