//! In-process serialisation of writes to one resource (a user, a group) of a connection.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use uuid::Uuid;

/// One async mutex per (connection, resource), created on demand and dropped when unused.
#[derive(Clone, Default)]
pub(super) struct Locks(Arc<Mutex<HashMap<ResourceKey, Arc<tokio::sync::Mutex<()>>>>>);

/// A resource in one connection.
type ResourceKey = (Uuid, String);

pub struct LockGuard {
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    locks: Locks,
    key: ResourceKey,
}

impl Locks {
    pub(super) async fn lock(&self, key: ResourceKey) -> LockGuard {
        let mutex = match self.0.lock() {
            Ok(mut map) => map.entry(key.clone()).or_default().clone(),
            // A poisoned map only means another request panicked: lock nothing rather than fail.
            Err(_) => Arc::default(),
        };
        LockGuard {
            guard: Some(mutex.lock_owned().await),
            locks: self.clone(),
            key,
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        self.guard.take();
        if let Ok(mut map) = self.locks.0.lock()
            && map
                .get(&self.key)
                .is_some_and(|m| Arc::strong_count(m) == 1)
        {
            map.remove(&self.key);
        }
    }
}
