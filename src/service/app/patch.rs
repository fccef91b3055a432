//! Whether an app takes SCIM PATCH: the profile says, or (for apps that
//! advertise it) the app's ServiceProviderConfig, read once per connection
//! revision and trusted for a while.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use uuid::Uuid;

use super::{Apps, Op};
use crate::providers::PatchSupport;

/// Per connection (id, revision): whether its ServiceProviderConfig offers PATCH,
/// and until when that answer holds. Each slot is read by one caller at a time,
/// so a burst of writes to a new connection reads the configuration once.
#[derive(Clone, Default)]
pub(super) struct PatchCache(Arc<Mutex<HashMap<(Uuid, i64), PatchSlot>>>);

type PatchSlot = Arc<tokio::sync::Mutex<Option<(Instant, bool)>>>;

/// How long a ServiceProviderConfig answer is trusted.
const CONFIG_TTL: Duration = Duration::from_secs(600);

/// How long writes use GET-merge-PUT, without asking again, after the
/// ServiceProviderConfig could not be read.
const CONFIG_RETRY: Duration = Duration::from_secs(30);

impl Apps {
    /// The profile's patch support, resolving `AsAdvertised` from the app's
    /// (cached) ServiceProviderConfig. PATCH is optional in RFC 7644, so an
    /// app that does not say it supports it gets GET-merge-PUT. An unreadable
    /// configuration means PUT, which always works, for `CONFIG_RETRY`.
    pub async fn patch_support(&self, op: &Op) -> PatchSupport {
        let support = op.app.profile.patch_support();
        if support != PatchSupport::AsAdvertised {
            return support;
        }
        let as_support = |patch| {
            if patch {
                PatchSupport::Full
            } else {
                PatchSupport::None
            }
        };
        let key = (op.app.connection.id, op.app.connection.revision);
        let Some(slot) = self.patch.slot(key) else {
            return PatchSupport::None;
        };
        let mut held = slot.lock().await;
        if let Some((until, patch)) = *held
            && Instant::now() < until
        {
            return as_support(patch);
        }
        let (trust, patch) = match self.scim(op).service_provider_config().await {
            Ok(config) => (CONFIG_TTL, config.patch.supported.unwrap_or(false)),
            Err(error) => {
                tracing::warn!(error = %error, "could not read ServiceProviderConfig; updating with GET-merge-PUT");
                (CONFIG_RETRY, false)
            }
        };
        *held = Some((Instant::now() + trust, patch));
        as_support(patch)
    }
}

impl PatchCache {
    /// The cache slot of one connection revision, dropping slots that have
    /// expired and that no one is reading.
    fn slot(&self, key: (Uuid, i64)) -> Option<PatchSlot> {
        let mut cache = self.0.lock().ok()?;
        let now = Instant::now();
        cache.retain(|k, slot| {
            *k == key
                || Arc::strong_count(slot) > 1
                || matches!(slot.try_lock().as_deref(), Ok(Some((until, _))) if now < *until)
        });
        Some(Arc::clone(cache.entry(key).or_default()))
    }
}
