//! What the probes and the metrics ask about this instance's database.

use super::ServiceError;
use crate::{metrics::PoolStats, store::DynStore};

#[derive(Clone)]
pub struct HealthService {
    store: DynStore,
}

impl HealthService {
    pub fn new(store: DynStore) -> Self {
        Self { store }
    }

    /// Succeeds when the database answers and takes a write.
    pub async fn ready(&self) -> Result<(), ServiceError> {
        Ok(self.store.ping().await?)
    }

    /// The connection pool's figures of this moment.
    pub fn pool_stats(&self) -> PoolStats {
        self.store.pool_stats()
    }
}
