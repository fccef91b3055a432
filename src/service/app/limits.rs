//! One rate budget per connection, shared by every request to it, rebuilt when
//! the connection's budget settings change: this process's own, or its share
//! of the budget every replica on the database draws on.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use uuid::Uuid;

use crate::{domain::Connection, providers, scim::Limiter, service::SharedBudgets};

#[derive(Clone, Default)]
pub(super) struct Limiters {
    budgets: Arc<Mutex<HashMap<Uuid, Budget>>>,
    /// Set where replicas share the database.
    shared: Option<SharedBudgets>,
}

struct Budget {
    per_second: u32,
    concurrency: u32,
    limiter: Arc<Limiter>,
}

impl Limiters {
    pub(super) fn shared(budgets: SharedBudgets) -> Self {
        Self {
            shared: Some(budgets),
            ..Self::default()
        }
    }

    /// The connection's limiter, created on first use.
    pub(super) fn for_connection(&self, connection: &Connection) -> Arc<Limiter> {
        let (per_second, concurrency) = providers::rate_budget(&connection.settings);
        let Ok(mut map) = self.budgets.lock() else {
            // A poisoned map only means another request panicked; pace this call alone.
            return self.limiter(connection.id, per_second, concurrency);
        };
        if let Some(budget) = map.get(&connection.id)
            && budget.per_second == per_second
            && budget.concurrency == concurrency
        {
            return budget.limiter.clone();
        }
        let limiter = self.limiter(connection.id, per_second, concurrency);
        map.insert(
            connection.id,
            Budget {
                per_second,
                concurrency,
                limiter: limiter.clone(),
            },
        );
        limiter
    }

    fn limiter(&self, connection: Uuid, per_second: u32, concurrency: u32) -> Arc<Limiter> {
        Arc::new(match &self.shared {
            Some(shared) => shared.limiter(connection, per_second, concurrency),
            None => Limiter::new(per_second, concurrency),
        })
    }
}
