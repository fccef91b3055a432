//! Calling a connection's app. [`Apps::open`] turns a connection reference into
//! an [`AppConnection`] (its profile, its endpoint with opened credentials, its
//! shared rate budget); [`Apps::begin`] starts one operation on it for a caller
//! ([`Op`]: a fresh call context with the caller's deadline); writes go through
//! [`Apps::logged`], which runs them to the end and records them in the
//! operation log. Users (and later groups) are built on these.

mod limits;
mod locks;
mod log;
mod patch;

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    time::{Duration, Instant},
};

use super::{ConnectionService, OperationService, ServiceError, cache::Cache};
use crate::{
    domain::{Caller, Connection, ConnectionKey},
    providers::{self, Provider},
    scim::{CallContext, Endpoint, Habits, Keeper, Learned, Limiter, ScimClient, Session},
};

pub(super) use locks::LockGuard;
pub use log::{Describe, Subject};

use limits::Limiters;
use locks::Locks;
use patch::PatchCache;

/// A connection opened for calls: fixed for its revision.
pub struct AppConnection {
    pub connection: Connection,
    pub profile: &'static dyn Provider,
    pub endpoint: Endpoint,
    /// The connection's rate budget and concurrency limit, shared by every call.
    limiter: Arc<Limiter>,
}

/// One operation on an app for one caller: every call it makes shares the
/// caller's deadline and is counted for the operation's log entry.
pub struct Op {
    pub app: Arc<AppConnection>,
    pub caller: Caller,
    pub context: CallContext,
}

/// Connections kept opened between calls.
const OPENED_CONNECTIONS: usize = 4096;

/// What calls to the app may not eat into: time left to answer the caller
/// (a tenth of the request deadline when that is shorter).
const ANSWER_MARGIN: Duration = Duration::from_secs(1);

/// Cheap to clone: one pointer (every request and operation holds one).
#[derive(Clone)]
pub struct Apps(Arc<Parts>);

impl std::ops::Deref for Apps {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}

pub struct Parts {
    connections: ConnectionService,
    client: ScimClient,
    log: OperationService,
    /// How long one operation may take; retries stop short of it.
    budget: Duration,
    limiters: Limiters,
    patch: PatchCache,
    locks: Locks,
    /// One opening at a time per connection reference (see [`Apps::open`]).
    opening: Locks,
    /// Stores what calls learn about an app.
    keeper: Arc<dyn Keeper>,
    /// Connections opened (read, unsealed, endpoint built) by an earlier call;
    /// see [`super::cache`] for why an entry is never stale.
    opened: Arc<Cache<ConnectionKey, Arc<AppConnection>>>,
}

impl Apps {
    /// `shared`: the rate budgets replicas share (Postgres); `None` keeps
    /// each connection's budget in this process.
    pub fn new(
        connections: ConnectionService,
        client: ScimClient,
        log: OperationService,
        budget: Duration,
        shared: Option<super::SharedBudgets>,
    ) -> Self {
        Self(Arc::new(Parts {
            keeper: Arc::new(KeepInStore(connections.clone())),
            opened: Arc::new(Cache::new(connections.changes(), OPENED_CONNECTIONS)),
            connections,
            client,
            log,
            budget,
            limiters: shared.map_or_else(Limiters::default, Limiters::shared),
            patch: PatchCache::default(),
            locks: Locks::default(),
            opening: Locks::default(),
        }))
    }

    /// The connection with its credentials opened, ready to call: kept from
    /// an earlier call while it cannot have changed.
    pub async fn open(&self, key: &ConnectionKey) -> Result<Arc<AppConnection>, ServiceError> {
        if let Some(app) = self.still_open(key).await? {
            return Ok(app);
        }
        // A burst of calls to a connection not open yet shares one opening,
        // and so one view of how its app behaves (`Habits`): what the first
        // call finds out, the others know.
        let (id, name) = match key {
            ConnectionKey::Id(id) => (*id, String::new()),
            ConnectionKey::Name(name) => (uuid::Uuid::nil(), name.as_str().to_owned()),
        };
        let _opening = self.opening.lock((id, name)).await;
        if let Some(app) = self.still_open(key).await? {
            return Ok(app);
        }
        let stamp = self.opened.stamp();
        let app = self.open_now(key).await?;
        self.opened.insert(key.clone(), app.clone(), stamp);
        Ok(app)
    }

    /// The opened connection kept for `key`, if it is still current.
    async fn still_open(
        &self,
        key: &ConnectionKey,
    ) -> Result<Option<Arc<AppConnection>>, ServiceError> {
        match self.opened.get(key) {
            Some(app)
                if self.opened.changes().trusted()
                    || self.connections.revision(app.connection.id).await?
                        == Some(app.connection.revision) =>
            {
                Ok(Some(app))
            }
            _ => Ok(None),
        }
    }

    async fn open_now(&self, key: &ConnectionKey) -> Result<Arc<AppConnection>, ServiceError> {
        let (connection, credentials) = self.connections.get_with_credentials(key).await?;
        let mut endpoint = providers::endpoint(&connection, &credentials);
        endpoint.habits = Arc::new(Habits::new(
            connection.id,
            connection.profile,
            Some(self.keeper.clone()),
        ));
        Ok(Arc::new(AppConnection {
            profile: providers::provider(connection.provider),
            endpoint,
            limiter: self.limiters.for_connection(&connection),
            connection,
        }))
    }

    /// Starts an operation on `app` for `caller`, with the operation's deadline.
    pub fn begin(&self, app: Arc<AppConnection>, caller: &Caller) -> Op {
        let margin = ANSWER_MARGIN.min(self.budget / 10);
        let deadline = Instant::now() + self.budget.saturating_sub(margin);
        Op {
            context: CallContext::new(app.limiter.clone(), Some(deadline)),
            app,
            caller: caller.clone(),
        }
    }

    /// Another operation under the same caller and deadline, with its own
    /// statistics (one of several logged writes of one request).
    pub fn fork(&self, op: &Op) -> Op {
        Op {
            app: op.app.clone(),
            caller: op.caller.clone(),
            context: CallContext::new(op.app.limiter.clone(), op.context.deadline),
        }
    }

    /// Opens the connection and starts an operation on it.
    pub async fn start(&self, key: &ConnectionKey, caller: &Caller) -> Result<Op, ServiceError> {
        Ok(self.begin(self.open(key).await?, caller))
    }

    pub(super) fn connections(&self) -> &ConnectionService {
        &self.connections
    }

    /// The operation log and the other records of calls made.
    pub fn log(&self) -> &OperationService {
        &self.log
    }

    /// The operation's calls to its app.
    pub fn scim<'a>(&'a self, op: &'a Op) -> Session<'a> {
        self.client.session(&op.app.endpoint, &op.context)
    }

    /// Serialises writes to one resource of a connection within this process
    /// (across processes, `If-Match` guards where the app supports it).
    pub(super) async fn lock(&self, op: &Op, resource: &str) -> LockGuard {
        self.locks
            .lock((op.app.connection.id, resource.to_owned()))
            .await
    }
}

/// Keeps what calls learn about an app beside its connection. A failure is
/// logged: the fact is simply learned again.
struct KeepInStore(ConnectionService);

impl Keeper for KeepInStore {
    fn keep(&self, learned: Learned) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            let Learned {
                connection_id,
                profile,
            } = learned;
            if let Err(error) = self
                .0
                .save_learned(connection_id, profile.learned, profile.probed_at)
                .await
            {
                tracing::warn!(%error, %connection_id, "could not store what was learned about the app");
            }
        })
    }
}
