//! How one connection's app behaves, as every call to it sees it: its
//! [`AppProfile`] (learned facts, with an operator's overrides over them), and
//! what calls learn about it as they go — a `count` the app fails with, a
//! filter it ignores — handed to whoever keeps it (the service stores it).

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use crate::domain::{AppProfile, ConnectionProfile};

/// A connection's profile, after something was learned.
#[derive(Debug, Clone, Copy)]
pub struct Learned {
    pub connection_id: Uuid,
    pub profile: ConnectionProfile,
}

#[derive(Debug)]
pub struct Habits {
    connection_id: Uuid,
    profile: Mutex<ConnectionProfile>,
    /// Where learned facts go to be kept; `None` keeps them in memory only.
    sink: Option<UnboundedSender<Learned>>,
}

impl Habits {
    pub fn new(
        connection_id: Uuid,
        profile: ConnectionProfile,
        sink: Option<UnboundedSender<Learned>>,
    ) -> Self {
        Self {
            connection_id,
            profile: Mutex::new(profile),
            sink,
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

    /// Records what a call found out; a fact that changed is passed on to be kept.
    pub fn learn(&self, change: impl FnOnce(&mut AppProfile)) {
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
        self.keep(learned);
    }

    /// Takes in a probe's findings (over what calls learned before); the
    /// caller keeps the result, so that it is stored before the probe answers.
    pub fn probed(&self, findings: &AppProfile, at: DateTime<Utc>) -> ConnectionProfile {
        let mut profile = self.lock();
        profile.learned = profile.learned.overlaid_with(findings);
        profile.probed_at = Some(at);
        *profile
    }

    fn keep(&self, profile: ConnectionProfile) {
        if let Some(sink) = &self.sink {
            // The receiver only goes away at shutdown; the fact is then re-learned.
            let _ = sink.send(Learned {
                connection_id: self.connection_id,
                profile,
            });
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ConnectionProfile> {
        self.profile.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fact_learned_is_passed_on_once_and_an_override_still_wins() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
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
            Some(tx),
        );
        habits.learn(|p| p.count_param = Some(false));
        habits.learn(|p| p.count_param = Some(false));
        habits.learn(|p| p.filters = Some(false));
        assert_eq!(
            rx.try_recv().unwrap().profile.learned.count_param,
            Some(false)
        );
        assert_eq!(rx.try_recv().unwrap().profile.learned.filters, Some(false));
        assert!(
            rx.try_recv().is_err(),
            "an unchanged fact is not passed on again"
        );
        assert_eq!(habits.get().filters, Some(true));
        assert_eq!(habits.get().count_param, Some(false));
    }
}
