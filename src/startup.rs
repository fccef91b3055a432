//! Building and running the application: secrets, store, router, listener.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use tokio::{
    net::TcpListener,
    sync::{Notify, watch},
};

use crate::{
    api::{self, ApiKeys, AppState, Services},
    bootstrap,
    config::{Config, DatabaseConfig},
    metrics::Metrics,
    netguard::NetworkPolicy,
    scim::{ScimClient, ScimClientOptions},
    server::Server,
    service::{
        ApiKeyService, Apps, ConnectionService, GroupService, HealthService, IdempotencyService,
        OperationService, SharedBudgets, UserService,
        sync::{SyncService, Worker},
    },
    store::{self, DynStore, StoreOptions},
};

/// How long in-flight requests may take to finish after a shutdown signal, at
/// least: a request may run for its whole deadline, so the grace covers that too.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A built, bound, not yet serving application.
pub struct Application {
    server: Server,
    addr: SocketAddr,
    maintenance: Maintenance,
    worker: Worker,
    grace: Duration,
    /// This replica's share of the budget replicas share (Postgres).
    budgets: Option<SharedBudgets>,
}

/// Housekeeping that runs beside the server: pruning old operation log entries,
/// expired idempotency keys, expired sync plans and old sync runs. Replicas
/// take turns (one at a time holds the database's lock for it); each prune is
/// one statement, so a replica dying mid-way leaves each done or not at all.
#[derive(Clone)]
struct Maintenance {
    store: DynStore,
    operations: OperationService,
    retention: Duration,
}

/// How often housekeeping runs.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(3600);

impl Maintenance {
    async fn run_once(&self) {
        let _alone = match self.store.try_exclusive("housekeeping").await {
            Ok(Some(guard)) => guard,
            Ok(None) => {
                tracing::debug!("another replica is doing the housekeeping");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, "could not take the housekeeping lock");
                return;
            }
        };
        let now = self.store.now();
        match self.operations.prune(self.retention, now).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "pruned old operation log entries"),
            Err(error) => tracing::warn!(%error, "could not prune the operation log"),
        }
        match self.store.prune_idempotency(now).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "pruned expired idempotency keys"),
            Err(error) => tracing::warn!(%error, "could not prune idempotency keys"),
        }
        match self.store.prune_plans(now).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "pruned expired sync plans"),
            Err(error) => tracing::warn!(%error, "could not prune sync plans"),
        }
        // Finished runs (their items hold people's data) go with the operation log's retention.
        let before =
            now - chrono::Duration::from_std(self.retention).unwrap_or(chrono::Duration::days(90));
        match self.store.prune_runs(before).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "pruned old sync runs"),
            Err(error) => tracing::warn!(%error, "could not prune sync runs"),
        }
    }

    async fn run_forever(self) {
        let mut ticks = tokio::time::interval(MAINTENANCE_INTERVAL);
        loop {
            ticks.tick().await;
            self.run_once().await;
        }
    }
}

impl Application {
    /// Resolves secrets, opens (and migrates) the database, and binds the
    /// listener. Port 0 binds a free port; see [`Application::local_addr`].
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let key_ring = bootstrap::resolve_key_ring(&config)?;
        let api_keys = ApiKeys::new(&bootstrap::resolve_api_keys(&config)?);
        let store = open_store(&config.database).await?;
        let network = network_policy(&config);
        let connections = ConnectionService::new(store.clone(), key_ring, network.clone());
        connections.hear_changes();
        ensure_key_ring_opens_everything(&connections).await?;
        let work = Arc::new(Notify::new());
        let metrics = Arc::new(Metrics::new());
        let budgets = store
            .shared_budget()
            .map(|ledger| SharedBudgets::new(ledger, Some(metrics.clone())));
        let shared = Shared {
            work: work.clone(),
            metrics,
            budgets: budgets.clone(),
        };
        let state = app_state(&config, &store, connections, network, api_keys, shared)?;
        let services = (state.users.clone(), state.groups.clone());
        let worker = Worker::new(store.clone(), services, config.sync.worker, work);
        let maintenance = Maintenance {
            store: store.clone(),
            operations: state.operations.clone(),
            retention: config.database.retention,
        };
        let metrics = state.metrics.clone();
        let router = api::router(state, &config);
        let (listener, addr) = bind(config.http.listen).await?;
        let grace = SHUTDOWN_GRACE.max(config.http.request_timeout + Duration::from_secs(5));
        let server = Server::new(listener, router, &config.http, metrics, grace);
        tracing::info!(%addr, database = store.backend(), "provisio is listening");
        Ok(Self {
            server,
            addr,
            maintenance,
            worker,
            grace,
            budgets,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes, then drains: in-flight requests and the
    /// sync items in hand finish (for up to the grace period).
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let housekeeping = tokio::spawn(self.maintenance.clone().run_forever());
        let (stop_worker, worker_stopped) = watch::channel(false);
        let worker = tokio::spawn(self.worker.clone().run(worker_stopped));
        let grace = self.grace;
        let budgets = self.budgets.clone();
        // On the signal, the sync items in hand go back at once, for other
        // replicas to take, while in-flight requests finish.
        let stop = async move {
            stop.await;
            let _ = stop_worker.send(true);
        };
        let result = self.serve(stop).await;
        housekeeping.abort();
        if tokio::time::timeout(grace, worker).await.is_err() {
            tracing::warn!(
                "sync items in hand were not handed back within {grace:?}; their leases will lapse"
            );
        }
        if let Some(budgets) = budgets {
            budgets.hand_back().await;
        }
        result
    }

    async fn serve(self, stop: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        self.server.run(stop).await;
        Ok(())
    }
}

/// The network policy every outbound call follows, shared by the connection
/// checks and the HTTP client.
fn network_policy(config: &Config) -> Arc<NetworkPolicy> {
    let network = Arc::new(config.network.clone());
    if network.allow_private {
        tracing::warn!(
            "PROVISIO_ALLOW_PRIVATE_NETWORKS is on: connections may reach private and loopback addresses over plain http"
        );
    }
    network
}

/// What the services share beside the store.
struct Shared {
    /// Wakes the sync worker.
    work: Arc<Notify>,
    metrics: Arc<Metrics>,
    budgets: Option<SharedBudgets>,
}

/// The services the API calls: one store, one HTTP client to apps and one set
/// of metrics under all of them.
fn app_state(
    config: &Config,
    store: &DynStore,
    connections: ConnectionService,
    network: Arc<NetworkPolicy>,
    api_keys: ApiKeys,
    Shared {
        work,
        metrics,
        budgets,
    }: Shared,
) -> anyhow::Result<AppState> {
    let options = ScimClientOptions {
        answer_budget_bytes: config.upstream.answer_memory_bytes,
        ..ScimClientOptions::default()
    };
    let scim = ScimClient::new(&options, network, Some(metrics.clone()))
        .context("Could not build the HTTP client.")?;
    let operations = OperationService::new(store.clone(), Some(metrics.clone()));
    let timeout = config.http.request_timeout;
    let apps = Apps::new(
        connections.clone(),
        scim,
        operations.clone(),
        timeout,
        budgets,
    );
    let plan_ttl = config.sync.plan_ttl;
    Ok(AppState::new(Services {
        health: HealthService::new(store.clone()),
        idempotency: IdempotencyService::new(store.clone()),
        sync: SyncService::new(
            store.clone(),
            connections.clone(),
            apps.clone(),
            plan_ttl,
            work,
        ),
        groups: GroupService::new(apps.clone()),
        users: UserService::new(apps, store.clone()),
        connections,
        operations,
        api_keys: Arc::new(api_keys),
        api_key_service: ApiKeyService::new(store.clone()),
        metrics,
        http: Arc::new(config.http.clone()),
    }))
}

/// Binds the listener; port 0 takes a free port.
async fn bind(listen: SocketAddr) -> anyhow::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("Could not listen on {listen}."))?;
    let addr = listener
        .local_addr()
        .context("The listener has no local address.")?;
    Ok((listener, addr))
}

/// Opens the configured database and runs its migrations.
pub async fn open_store(database: &DatabaseConfig) -> anyhow::Result<DynStore> {
    let options = StoreOptions {
        max_connections: database.max_connections,
        ..StoreOptions::default()
    };
    store::connect(&database.url, &options)
        .await
        .with_context(|| format!("Could not open the database {}.", database.url_for_logs()))
}

/// Refuses to start when stored credentials are sealed with a key the ring
/// lacks, or with a key other than the one the ring holds under that id:
/// better a clear start-up error than connections failing one by one later.
/// Only key ids are named, never key material.
pub async fn ensure_key_ring_opens_everything(
    connections: &ConnectionService,
) -> anyhow::Result<()> {
    let list = |keys: Vec<(String, i64)>| {
        keys.iter()
            .map(|(key, count)| format!("`{key}` ({count} connection(s))"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let missing = connections.missing_keys().await?;
    if !missing.is_empty() {
        anyhow::bail!(
            "Stored credentials are sealed with keys the key ring lacks: {}. Add them back to \
             PROVISIO_ENCRYPTION_KEYS (after the current key), run `provisio rotate-keys`, then remove them.",
            list(missing)
        )
    }
    let wrong = connections.wrong_keys().await?;
    if !wrong.is_empty() {
        anyhow::bail!(
            "The key ring holds a different key than the one that sealed the stored credentials under: {}. \
             Put the key that sealed them under that id in PROVISIO_ENCRYPTION_KEYS (a new key needs a new id).",
            list(wrong)
        )
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
