//! In-process serialisation of writes to one user.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use uuid::Uuid;

/// One async mutex per (connection, user), created on demand and dropped when unused.
#[derive(Clone, Default)]
pub(super) struct UserLocks(Arc<Mutex<HashMap<UserKey, Arc<tokio::sync::Mutex<()>>>>>);

/// A user in one connection.
type UserKey = (Uuid, String);

pub(super) struct UserGuard {
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    locks: UserLocks,
    key: (Uuid, String),
}

impl UserLocks {
    pub(super) async fn lock(&self, key: (Uuid, String)) -> UserGuard {
        let mutex = match self.0.lock() {
            Ok(mut map) => map.entry(key.clone()).or_default().clone(),
            // A poisoned map only means another request panicked: lock nothing rather than fail.
            Err(_) => Arc::default(),
        };
        UserGuard {
            guard: Some(mutex.lock_owned().await),
            locks: self.clone(),
            key,
        }
    }
}

impl Drop for UserGuard {
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
