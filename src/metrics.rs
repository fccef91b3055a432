//! Prometheus metrics, served at `/metrics`: HTTP requests by route and
//! status, open client connections and those shed, calls to apps by provider and outcome, retries, rate-limit waits and
//! the database pool, and the budget replicas share (waits per connection id,
//! database round trips). Labels never carry connection names, user data or secrets.

mod exposition;

use std::{sync::Arc, time::Duration};

pub use exposition::Exposition;

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::{Metric, Registry},
};

/// The database connection pool's figures of this moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

// Labels are fixed words (`&'static str`) wherever they can be, so that
// counting a request allocates only its route template, shared (`Arc`) by
// both of its families.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: &'static str,
    route: Arc<str>,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: Arc<str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabels {
    provider: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderLabels {
    provider: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RetryLabels {
    provider: &'static str,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectionLabels {
    connection: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ShedLabels {
    reason: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to ~65 s, past the default request deadline of 60 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

fn latency_family<L: Clone + std::hash::Hash + Eq>() -> Histograms<L> {
    Family::new_with_constructor(latency_histogram)
}

pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Histograms<RouteLabels>,
    upstream_requests: Family<UpstreamLabels, Counter>,
    upstream_duration: Histograms<ProviderLabels>,
    upstream_retries: Family<RetryLabels, Counter>,
    rate_limit_waits: Family<ProviderLabels, Counter>,
    rate_limit_wait: Histograms<ProviderLabels>,
    shared_budget_wait: Histograms<ConnectionLabels>,
    shared_budget_round_trips: Family<KindLabels, Counter>,
    operation_log_failures: Counter,
    deferred_writes: Gauge,
    deferred_writes_lost: Counter,
    db_pool: Family<PoolLabels, Gauge>,
    open_connections: Gauge,
    shed_connections: Family<ShedLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

// Each family's name (after the `provisio_` prefix) and help text.
const HTTP_REQUESTS: (&str, &str) = ("http_requests", "HTTP requests served, by route and status");
const HTTP_DURATION: (&str, &str) = (
    "http_request_duration_seconds",
    "HTTP request latency, by route",
);
const UPSTREAM_REQUESTS: (&str, &str) = (
    "upstream_requests",
    "Calls to apps, by provider and outcome",
);
const UPSTREAM_DURATION: (&str, &str) = (
    "upstream_request_duration_seconds",
    "Latency of calls to apps, by provider",
);
const UPSTREAM_RETRIES: (&str, &str) = (
    "upstream_retries",
    "Calls to apps retried, by provider and reason",
);
const RATE_LIMIT_WAITS: (&str, &str) = (
    "rate_limit_waits",
    "Calls to apps that waited for their connection's rate budget",
);
const RATE_LIMIT_WAIT: (&str, &str) = (
    "rate_limit_wait_seconds",
    "Time calls waited for their connection's rate budget",
);
const SHARED_BUDGET_WAIT: (&str, &str) = (
    "shared_budget_wait_seconds",
    "Time calls waited for the rate budget replicas share, by connection id",
);
const SHARED_BUDGET_ROUND_TRIPS: (&str, &str) = (
    "shared_budget_round_trips",
    "Database round trips spent on the shared rate budget, by kind",
);
const OPERATION_LOG_FAILURES: (&str, &str) = (
    "operation_log_failures",
    "Operation log entries that could not be written",
);
const DEFERRED_WRITES: (&str, &str) = (
    "deferred_writes",
    "Records of calls carried out at apps (operation log, managed links) the database refused, waiting to be written again",
);
const DEFERRED_WRITES_LOST: (&str, &str) = (
    "deferred_writes_lost",
    "Refused records dropped because too many were waiting (each logged at ERROR)",
);
const DB_POOL: (&str, &str) = (
    "db_pool_connections",
    "Database pool connections, by state (idle, in_use, max)",
);
const OPEN_CONNECTIONS: (&str, &str) = ("http_open_connections", "Client connections open");
const SHED_CONNECTIONS: (&str, &str) = (
    "http_connections_shed",
    "Client connections provisio closed to protect itself, by reason",
);

/// Registers `metric` and hands it back for recording (the registry keeps a
/// handle to the same values).
fn registered<M: Metric + Clone>(
    registry: &mut Registry,
    (name, help): (&str, &str),
    metric: M,
) -> M {
    registry.register(name, help, metric.clone());
    metric
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("provisio");
        let r = &mut registry;
        Self {
            http_requests: registered(r, HTTP_REQUESTS, Family::default()),
            http_duration: registered(r, HTTP_DURATION, latency_family()),
            upstream_requests: registered(r, UPSTREAM_REQUESTS, Family::default()),
            upstream_duration: registered(r, UPSTREAM_DURATION, latency_family()),
            upstream_retries: registered(r, UPSTREAM_RETRIES, Family::default()),
            rate_limit_waits: registered(r, RATE_LIMIT_WAITS, Family::default()),
            rate_limit_wait: registered(r, RATE_LIMIT_WAIT, latency_family()),
            shared_budget_wait: registered(r, SHARED_BUDGET_WAIT, latency_family()),
            shared_budget_round_trips: registered(r, SHARED_BUDGET_ROUND_TRIPS, Family::default()),
            operation_log_failures: registered(r, OPERATION_LOG_FAILURES, Counter::default()),
            deferred_writes: registered(r, DEFERRED_WRITES, Gauge::default()),
            deferred_writes_lost: registered(r, DEFERRED_WRITES_LOST, Counter::default()),
            db_pool: registered(r, DB_POOL, Family::default()),
            open_connections: registered(r, OPEN_CONNECTIONS, Gauge::default()),
            shed_connections: registered(r, SHED_CONNECTIONS, Family::default()),
            registry,
        }
    }

    /// One request served: `method` is a fixed word, `route` the route's
    /// template (never the raw path).
    pub fn observe_http(&self, method: &'static str, route: &str, status: u16, elapsed: Duration) {
        let route: Arc<str> = Arc::from(route);
        self.http_requests
            .get_or_create(&HttpLabels {
                method,
                route: route.clone(),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels { method, route })
            .observe(elapsed.as_secs_f64());
    }

    pub fn observe_upstream(
        &self,
        provider: &'static str,
        outcome: &'static str,
        elapsed: Duration,
    ) {
        self.upstream_requests
            .get_or_create(&UpstreamLabels { provider, outcome })
            .inc();
        self.upstream_duration
            .get_or_create(&ProviderLabels { provider })
            .observe(elapsed.as_secs_f64());
    }

    pub fn count_retry(&self, provider: &'static str, reason: &'static str) {
        self.upstream_retries
            .get_or_create(&RetryLabels { provider, reason })
            .inc();
    }

    pub fn observe_rate_limit_wait(&self, provider: &'static str, waited: Duration) {
        let labels = ProviderLabels { provider };
        self.rate_limit_waits.get_or_create(&labels).inc();
        self.rate_limit_wait
            .get_or_create(&labels)
            .observe(waited.as_secs_f64());
    }

    pub fn observe_shared_budget_wait(&self, connection: uuid::Uuid, waited: Duration) {
        self.shared_budget_wait
            .get_or_create(&ConnectionLabels {
                connection: connection.to_string(),
            })
            .observe(waited.as_secs_f64());
    }

    /// One database round trip of the shared budget; `kind` is a fixed word.
    pub fn count_shared_budget_round_trip(&self, kind: &'static str) {
        self.shared_budget_round_trips
            .get_or_create(&KindLabels { kind })
            .inc();
    }

    pub fn count_operation_log_failure(&self) {
        self.operation_log_failures.inc();
    }

    pub fn set_open_connections(&self, open: usize) {
        self.open_connections
            .set(i64::try_from(open).unwrap_or(i64::MAX));
    }

    /// A client connection closed by provisio: `reason` is one of a few fixed words.
    pub fn count_shed_connection(&self, reason: &'static str) {
        self.shed_connections
            .get_or_create(&ShedLabels { reason })
            .inc();
    }

    /// Adds `change` to the records waiting to be written again.
    pub fn deferred_writes(&self, change: i64) {
        self.deferred_writes.inc_by(change);
    }

    pub fn count_deferred_write_lost(&self) {
        self.deferred_writes_lost.inc();
    }

    /// The exposition in `format`, with the pool figures of this moment.
    pub fn render_as(&self, pool: PoolStats, format: Exposition) -> String {
        let text = self.render(pool);
        match format {
            Exposition::OpenMetrics => text,
            Exposition::Classic => exposition::to_classic(&text),
        }
    }

    /// The OpenMetrics exposition, with the pool figures of this moment.
    pub fn render(&self, pool: PoolStats) -> String {
        let in_use = pool.size.saturating_sub(pool.idle);
        for (state, value) in [("idle", pool.idle), ("in_use", in_use), ("max", pool.max)] {
            self.db_pool
                .get_or_create(&PoolLabels { state })
                .set(i64::from(value));
        }
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_family() {
        let metrics = Metrics::new();
        metrics.observe_http("GET", "/v1/connections", 200, Duration::from_millis(3));
        metrics.observe_upstream("scim", "success", Duration::from_millis(20));
        metrics.count_retry("scim", "rate_limited");
        metrics.observe_rate_limit_wait("scim", Duration::from_millis(50));
        metrics.set_open_connections(4);
        metrics.count_shed_connection("header_timeout");
        metrics.observe_shared_budget_wait(uuid::Uuid::nil(), Duration::from_millis(5));
        metrics.count_shared_budget_round_trip("lease_pace");
        let text = metrics.render(PoolStats {
            size: 3,
            idle: 2,
            max: 10,
        });
        for needle in [
            r#"provisio_http_requests_total{method="GET",route="/v1/connections",status="200"} 1"#,
            "provisio_http_request_duration_seconds_bucket",
            r#"provisio_upstream_requests_total{provider="scim",outcome="success"} 1"#,
            r#"provisio_upstream_retries_total{provider="scim",reason="rate_limited"} 1"#,
            r#"provisio_rate_limit_waits_total{provider="scim"} 1"#,
            r#"provisio_db_pool_connections{state="in_use"} 1"#,
            "provisio_http_open_connections 4",
            r#"provisio_http_connections_shed_total{reason="header_timeout"} 1"#,
            r#"provisio_shared_budget_wait_seconds_count{connection="00000000-0000-0000-0000-000000000000"} 1"#,
            r#"provisio_shared_budget_round_trips_total{kind="lease_pace"} 1"#,
        ] {
            assert!(text.contains(needle), "missing {needle} in\n{text}");
        }
    }
}
