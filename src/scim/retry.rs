//! When and how long to wait before trying a call again: 429, 502/503/504 and
//! connection failures are retried with exponential backoff and jitter, or
//! after the app's `Retry-After`, within the request's time budget.

use std::time::Duration;

use super::error::{ProviderError, ProviderErrorKind};

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Tries per call, the first included.
    pub max_attempts: u32,
    /// The first backoff; each retry doubles it.
    pub base_delay: Duration,
    /// The longest backoff between two tries (a `Retry-After` may ask for more).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before try `attempt + 1`: the app's `Retry-After` if it sent
    /// one, else "equal jitter" backoff (half fixed, half random) so that many
    /// callers do not retry in lockstep.
    pub fn delay(&self, attempt: u32, error: &ProviderError) -> Duration {
        if let Some(retry_after) = error.retry_after {
            return retry_after;
        }
        let exponent = attempt.saturating_sub(1).min(16);
        let backoff = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let half = backoff / 2;
        let jitter = getrandom::u64().unwrap_or(0) % (half.as_millis() as u64 + 1);
        half + Duration::from_millis(jitter)
    }
}

/// Why a failure is worth another try, or `None` when it is not: the app said
/// no (4xx other than 429), failed for good (500), or took the whole timeout.
pub fn retry_reason(error: &ProviderError) -> Option<&'static str> {
    match (error.kind, error.status) {
        (ProviderErrorKind::RateLimited, _) => Some("rate_limited"),
        (ProviderErrorKind::Unavailable, None) => Some("connection"),
        (ProviderErrorKind::Unavailable, Some(502..=504)) => Some("unavailable"),
        _ => None,
    }
}

/// Whether a failed write may have been applied by the app before the answer
/// was lost, so that it must be looked up before being sent again. An answer
/// refused for want of memory may have been an app's success.
pub fn may_have_landed(error: &ProviderError) -> bool {
    matches!(
        error.kind,
        ProviderErrorKind::Unavailable | ProviderErrorKind::Timeout | ProviderErrorKind::Busy
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: ProviderErrorKind, status: Option<u16>) -> ProviderError {
        ProviderError {
            kind,
            status,
            scim_type: None,
            detail: None,
            retry_after: None,
        }
    }

    #[test]
    fn only_transient_failures_are_retried() {
        assert_eq!(
            retry_reason(&error(ProviderErrorKind::RateLimited, Some(429))),
            Some("rate_limited")
        );
        assert_eq!(
            retry_reason(&error(ProviderErrorKind::Unavailable, Some(503))),
            Some("unavailable")
        );
        assert_eq!(
            retry_reason(&error(ProviderErrorKind::Unavailable, None)),
            Some("connection")
        );
        assert_eq!(
            retry_reason(&error(ProviderErrorKind::Unavailable, Some(500))),
            None
        );
        assert_eq!(
            retry_reason(&error(ProviderErrorKind::Rejected, Some(400))),
            None
        );
        assert_eq!(retry_reason(&error(ProviderErrorKind::Timeout, None)), None);
    }

    #[test]
    fn retry_after_wins_and_backoff_grows_within_bounds() {
        let policy = RetryPolicy::default();
        let mut limited = error(ProviderErrorKind::RateLimited, Some(429));
        limited.retry_after = Some(Duration::from_secs(3));
        assert_eq!(policy.delay(1, &limited), Duration::from_secs(3));
        let unavailable = error(ProviderErrorKind::Unavailable, Some(503));
        for attempt in 1..10 {
            let delay = policy.delay(attempt, &unavailable);
            let full = policy
                .base_delay
                .saturating_mul(1 << (attempt - 1))
                .min(policy.max_delay);
            assert!(
                delay >= full / 2 && delay <= full,
                "attempt {attempt}: {delay:?}"
            );
        }
    }
}
