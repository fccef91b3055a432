//! What this instance keeps about connections between calls, so that a call
//! does not read and unseal its connection from the database every time.
//!
//! Correctness rests on one counter, [`Changes`]: every write to a connection
//! bumps it once the write is committed (in this process by
//! [`ConnectionService`](super::ConnectionService); from other instances, by
//! whatever tells this one). A [`Cache`] stamps each entry with the counter
//! read *before* the database was, and drops everything as soon as the counter
//! moves, so an entry can never outlive a change that committed after it was
//! read: a rotated credential or a new `instance_url` is used by the very next
//! call. Connections change rarely beside the calls made with them, so
//! dropping all entries on any change costs one re-read each.
//!
//! Where changes can be made that this process does not hear of, [`Changes`]
//! is not `trusted`, and callers confirm an entry's revision against the
//! database before using it (one indexed read, no unsealing).

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

/// The count of connection changes this process has heard of.
#[derive(Debug, Default)]
pub struct Changes {
    generation: AtomicU64,
    /// Whether every change reaches [`Changes::bump`] before the next call
    /// can ask (one process on the database).
    trusted: bool,
}

impl Changes {
    pub fn new(trusted: bool) -> Arc<Self> {
        Arc::new(Self {
            generation: AtomicU64::new(0),
            trusted,
        })
    }

    /// A connection changed (call after the change is committed).
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    pub fn current(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn trusted(&self) -> bool {
        self.trusted
    }
}

/// A bounded map of values read at one generation of [`Changes`]. Values are
/// dropped (and any secret in them zeroized by its own `Drop`) when the
/// generation moves, or to make room.
pub struct Cache<K, V> {
    changes: Arc<Changes>,
    capacity: usize,
    inner: Mutex<Entries<K, V>>,
}

struct Entries<K, V> {
    generation: u64,
    map: HashMap<K, V>,
}

impl<K: Eq + Hash + Clone, V: Clone> Cache<K, V> {
    pub fn new(changes: Arc<Changes>, capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Entries {
                generation: changes.current(),
                map: HashMap::new(),
            }),
            changes,
            capacity: capacity.max(1),
        }
    }

    /// The stamp to insert with: read it before reading the database.
    pub fn stamp(&self) -> u64 {
        self.changes.current()
    }

    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.entries()?.map.get(key).cloned()
    }

    /// Keeps `value` unless a change was heard of since `stamp`.
    pub fn insert(&self, key: K, value: V, stamp: u64) {
        let Some(mut entries) = self.entries() else {
            return;
        };
        if entries.generation != stamp {
            return;
        }
        if entries.map.len() >= self.capacity && !entries.map.contains_key(&key) {
            // Any entry will do: all are equally fresh, and re-read on demand.
            if let Some(victim) = entries.map.keys().next().cloned() {
                entries.map.remove(&victim);
            }
        }
        entries.map.insert(key, value);
    }

    /// The entries, emptied first if a change was heard of since they were read.
    fn entries(&self) -> Option<std::sync::MutexGuard<'_, Entries<K, V>>> {
        // A poisoned lock means a panic mid-update: work without the cache.
        let mut entries = self.inner.lock().ok()?;
        let now = self.changes.current();
        if entries.generation != now {
            entries.map.clear();
            entries.generation = now;
        }
        Some(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_drops_every_entry_and_refuses_values_read_before_it() {
        let changes = Changes::new(true);
        let cache = Cache::new(changes.clone(), 10);
        let stamp = cache.stamp();
        cache.insert("a", 1, stamp);
        assert_eq!(cache.get(&"a"), Some(1));
        let before = cache.stamp();
        changes.bump();
        assert_eq!(cache.get(&"a"), None, "dropped on the change");
        cache.insert("a", 2, before);
        assert_eq!(cache.get(&"a"), None, "read before the change: not kept");
        cache.insert("a", 3, cache.stamp());
        assert_eq!(cache.get(&"a"), Some(3));
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let cache = Cache::new(Changes::new(true), 2);
        for n in 0..5 {
            cache.insert(n, n, cache.stamp());
        }
        let kept = (0..5).filter(|n| cache.get(n).is_some()).count();
        assert_eq!(kept, 2);
        assert_eq!(cache.get(&4), Some(4), "the newest is kept");
    }
}
