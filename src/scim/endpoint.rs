//! Where an app is and how to reach it (the static [`Endpoint`]), and what one
//! operation's calls to it share (the per-call [`CallContext`]: the
//! connection's rate budget, the caller's deadline, and attempt statistics).

use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use secrecy::SecretString;
use url::Url;

use super::{habits::Habits, limiter::Limiter, redact::Redactor};

/// How requests authenticate. `Debug` never shows the secret.
#[derive(Clone)]
pub enum Auth {
    Bearer(SecretString),
    Basic {
        username: SecretString,
        password: SecretString,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Bearer(_) => f.write_str("Auth::Bearer(***)"),
            Auth::Basic { .. } => f.write_str("Auth::Basic(***)"),
        }
    }
}

/// Where and how to reach one app: fixed for a connection's revision.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The SCIM base URL; `Users` and `ServiceProviderConfig` are joined onto it.
    pub base: Url,
    pub auth: Auth,
    /// The deadline of each single call.
    pub timeout: Duration,
    /// The provider id, for metrics and logs.
    pub provider: &'static str,
    /// Removes `auth`'s secrets from whatever the app answers.
    pub redactor: Redactor,
    /// How the app behaves, shared by every call to the connection.
    pub habits: Arc<Habits>,
}

impl Endpoint {
    pub fn new(base: Url, auth: Auth, timeout: Duration, provider: &'static str) -> Self {
        Self {
            redactor: Redactor::for_auth(&auth),
            habits: Arc::new(Habits::standard()),
            base,
            auth,
            timeout,
            provider,
        }
    }
}

/// What the calls of one operation share: the connection's rate budget and
/// concurrency limit, the time by which the caller needs an answer, and what
/// happened (for the operation log).
#[derive(Debug)]
pub struct CallContext {
    pub limiter: Arc<Limiter>,
    /// No retry starts past it, and no call outlasts it.
    pub deadline: Option<Instant>,
    pub stats: CallStats,
}

impl CallContext {
    pub fn new(limiter: Arc<Limiter>, deadline: Option<Instant>) -> Self {
        Self {
            limiter,
            deadline,
            stats: CallStats::default(),
        }
    }

    /// No rate limit and no deadline (tests, one-off tools).
    pub fn unlimited() -> Self {
        Self::new(Arc::new(Limiter::unlimited()), None)
    }
}

/// What happened during one operation's calls to an app: for the operation log.
#[derive(Debug, Default)]
pub struct CallStats {
    retries: AtomicU32,
    last_status: AtomicU32,
    wrote: AtomicBool,
}

impl CallStats {
    pub fn count_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// Records an answer's status; once a write has answered, reads no longer count.
    pub fn record_status(&self, status: u16, write: bool) {
        if write {
            self.wrote.store(true, Ordering::Relaxed);
        } else if self.wrote.load(Ordering::Relaxed) {
            return;
        }
        self.last_status.store(u32::from(status), Ordering::Relaxed);
    }

    /// Tries made: one plus the retries.
    pub fn attempts(&self) -> u32 {
        1 + self.retries.load(Ordering::Relaxed)
    }

    /// The app's last HTTP status, if it answered at all.
    pub fn last_status(&self) -> Option<u16> {
        u16::try_from(self.last_status.load(Ordering::Relaxed))
            .ok()
            .filter(|s| *s != 0)
    }
}
