//! One rate budget per connection, shared by every request to it, rebuilt when
//! the connection's budget settings change.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use uuid::Uuid;

use crate::{domain::Connection, providers, scim::Limiter};

#[derive(Clone, Default)]
pub(super) struct Limiters(Arc<Mutex<HashMap<Uuid, Budget>>>);

struct Budget {
    per_second: u32,
    concurrency: u32,
    limiter: Arc<Limiter>,
}

impl Limiters {
    /// The connection's limiter, created on first use.
    pub(super) fn for_connection(&self, connection: &Connection) -> Arc<Limiter> {
        let (per_second, concurrency) = providers::rate_budget(&connection.settings);
        let Ok(mut map) = self.0.lock() else {
            // A poisoned map only means another request panicked; pace this call alone.
            return Arc::new(Limiter::new(per_second, concurrency));
        };
        let budget = map.entry(connection.id).or_insert_with(|| Budget {
            per_second,
            concurrency,
            limiter: Arc::new(Limiter::new(per_second, concurrency)),
        });
        if budget.per_second != per_second || budget.concurrency != concurrency {
            *budget = Budget {
                per_second,
                concurrency,
                limiter: Arc::new(Limiter::new(per_second, concurrency)),
            };
        }
        budget.limiter.clone()
    }
}
