//! How one connection's app behaves, as every call to it sees it: its
//! [`AppProfile`] (learned facts, with an operator's overrides over them), and
//! what calls learn about it as they go — a `count` the app fails with, a
//! filter it ignores — handed to a [`Keeper`] (the service stores it) before
//! the call goes on, so the next request, here or on another instance, knows.

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{AppProfile, ConnectionProfile};

/// A connection's profile, after something was learned.
#[derive(Debug, Clone, Copy)]
pub struct Learned {
    pub connection_id: Uuid,
    pub profile: ConnectionProfile,
}

/// Keeps what calls learn (the service stores it beside the connection).
pub trait Keeper: Send + Sync {
    fn keep(&self, learned: Learned) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

pub struct Habits {
    connection_id: Uuid,
    profile: Mutex<ConnectionProfile>,
    /// Held by the one call finding a fact out (see [`Habits::find_out_once`]).
    finding_out: tokio::sync::Mutex<()>,
    /// Where learned facts go to be kept; `None` keeps them in memory only.
    keeper: Option<Arc<dyn Keeper>>,
}

impl std::fmt::Debug for Habits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Habits")
            .field("profile", &self.snapshot())
            .finish_non_exhaustive()
    }
}

impl Habits {
    pub fn new(
        connection_id: Uuid,
        profile: ConnectionProfile,
        keeper: Option<Arc<dyn Keeper>>,
    ) -> Self {
        Self {
            connection_id,
            profile: Mutex::new(profile),
            finding_out: tokio::sync::Mutex::new(()),
            keeper,
        }
    }

    /// Nothing known: the app is taken to follow the standard.
    pub fn standard() -> Self {
        Self::new(Uuid::nil(), ConnectionProfile::default(), None)
    }

    /// What calls act on.
    pub fn get(&self) -> AppProfile {
        self.lock().effective()
    }

    pub fn snapshot(&self) -> ConnectionProfile {
        *self.lock()
    }

    /// While `unknown` holds of what calls act on, one call at a time goes
    /// ahead (holding the guard) to find the fact out and the others wait for
    /// it, so a burst of calls to a new connection pays for finding out once.
    /// `None`: the fact is known, go ahead.
    pub async fn find_out_once(
        &self,
        unknown: impl Fn(&AppProfile) -> bool,
    ) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        if !unknown(&self.get()) {
            return None;
        }
        let guard = self.finding_out.lock().await;
        // The call before may have found it out meanwhile.
        unknown(&self.get()).then_some(guard)
    }

    /// Records what a call found out; a fact that changed is kept before this returns.
    pub async fn learn(&self, change: impl FnOnce(&mut AppProfile)) {
        let learned = {
            let mut profile = self.lock();
            let before = profile.learned;
            change(&mut profile.learned);
            if profile.learned == before {
                return;
            }
            *profile
        };
        tracing::info!(learned = ?learned.learned, "learned how the app behaves");
        if let Some(keeper) = &self.keeper {
            keeper
                .keep(Learned {
                    connection_id: self.connection_id,
                    profile: learned,
                })
                .await;
        }
    }

    /// Takes in a probe's findings (over what calls learned before); the
    /// caller keeps the result, so that it is stored before the probe answers.
    pub fn probed(&self, findings: &AppProfile, at: DateTime<Utc>) -> ConnectionProfile {
        let mut profile = self.lock();
        profile.learned = profile.learned.overlaid_with(findings);
        profile.probed_at = Some(at);
        *profile
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ConnectionProfile> {
        self.profile.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Kept(Mutex<Vec<Learned>>);

    impl Keeper for Kept {
        fn keep(&self, learned: Learned) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
            self.0.lock().unwrap().push(learned);
            Box::pin(async {})
        }
    }

    #[tokio::test]
    async fn a_fact_learned_is_kept_once_and_an_override_still_wins() {
        let kept = Arc::new(Kept(Mutex::new(Vec::new())));
        let overrides = AppProfile {
            filters: Some(true),
            ..AppProfile::default()
        };
        let habits = Habits::new(
            Uuid::nil(),
            ConnectionProfile {
                overrides,
                ..ConnectionProfile::default()
            },
            Some(kept.clone()),
        );
        habits.learn(|p| p.count_param = Some(false)).await;
        habits.learn(|p| p.count_param = Some(false)).await;
        habits.learn(|p| p.filters = Some(false)).await;
        let kept = kept.0.lock().unwrap();
        assert_eq!(kept.len(), 2, "an unchanged fact is not kept again");
        assert_eq!(kept[0].profile.learned.count_param, Some(false));
        assert_eq!(kept[1].profile.learned.filters, Some(false));
        assert_eq!(habits.get().filters, Some(true));
        assert_eq!(habits.get().count_param, Some(false));
    }
}
