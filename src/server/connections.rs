//! The table of open client connections: what each is doing and since when,
//! and which to close when a client is too slow, idle too long, or when room
//! is needed for a new one. Slow clients are shed first: a connection still
//! waiting for its request head goes before an idle kept-alive one, and one in
//! the middle of a request is never evicted.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use tokio::sync::Notify;

use super::conn::{Conn, Phase, millis_since};
use crate::{config::HttpConfig, metrics::Metrics};

/// Under this share of the cap, timeouts are the configured ones; above it they
/// shrink linearly to [`SCALED_FLOOR`] at the cap (as Envoy's overload manager
/// scales its timeouts), so slow clients give way sooner the fuller the server.
const PRESSURE_STARTS: f64 = 0.5;
const SCALED_FLOOR: Duration = Duration::from_secs(1);

/// How often deadlines are checked.
const REAP_EVERY: Duration = Duration::from_millis(250);

/// Every open connection, and the limits they are held to.
pub(super) struct Connections {
    table: Mutex<Table>,
    limits: Limits,
    /// Notified whenever a connection ends.
    ended: Notify,
    metrics: Arc<Metrics>,
    epoch: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    header: Duration,
    idle: Duration,
    /// A request's deadline plus time to write its answer.
    busy: Duration,
    max: usize,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    open: HashMap<u64, Arc<Conn>>,
    /// How many of `open` are closing.
    closing: usize,
    /// Learned when the process ran out of file descriptors: hold no more.
    ceiling: Option<usize>,
}

impl Table {
    fn active(&self) -> usize {
        self.open.len().saturating_sub(self.closing)
    }

    /// The connection to shed first: the oldest still sending its head, else
    /// the oldest idle one; never one in the middle of a request.
    fn shed_candidate(&self, now: u64) -> Option<(Phase, &Arc<Conn>)> {
        [Phase::Head, Phase::Idle].into_iter().find_map(|phase| {
            self.open
                .values()
                .filter(|conn| conn.phase() == phase)
                .max_by_key(|conn| conn.age_ms(now))
                .map(|conn| (phase, conn))
        })
    }
}

/// A connection's place in the table; leaving it (on drop) frees the place.
pub(super) struct Registration {
    id: u64,
    conn: Arc<Conn>,
    connections: Arc<Connections>,
}

impl Registration {
    pub(super) fn conn(&self) -> &Arc<Conn> {
        &self.conn
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.connections.remove(self.id);
    }
}

impl Connections {
    pub(super) fn new(http: &HttpConfig, metrics: Arc<Metrics>) -> Self {
        Self {
            table: Mutex::new(Table::default()),
            limits: Limits {
                header: http.header_timeout,
                idle: http.idle_timeout,
                busy: http.request_timeout + http.idle_timeout,
                max: http.max_connections,
            },
            ended: Notify::new(),
            metrics,
            epoch: Instant::now(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // The table stays consistent whatever a panicking holder did.
        self.table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn now(&self) -> u64 {
        millis_since(self.epoch)
    }

    fn capacity(&self, table: &Table) -> usize {
        table
            .ceiling
            .map_or(self.limits.max, |c| c.min(self.limits.max))
    }

    /// A place for a newly accepted connection. At the cap the slowest
    /// connection is shed to make room; when every one is in a request, the
    /// newcomer is refused (`None`) and should be closed at once.
    pub(super) fn admit(self: &Arc<Self>) -> Option<Registration> {
        let mut table = self.lock();
        if table.active() >= self.capacity(&table) && !self.shed_one(&mut table, "evicted") {
            self.metrics.count_shed_connection("refused");
            return None;
        }
        table.next_id += 1;
        let id = table.next_id;
        let conn = Arc::new(Conn::new(self.epoch));
        table.open.insert(id, conn.clone());
        self.metrics.set_open_connections(table.open.len());
        Some(Registration {
            id,
            conn,
            connections: self.clone(),
        })
    }

    fn shed_one(&self, table: &mut Table, reason: &'static str) -> bool {
        let Some((phase, conn)) = table.shed_candidate(self.now()) else {
            return false;
        };
        if !conn.close_from(phase) {
            return false;
        }
        table.closing += 1;
        self.metrics.count_shed_connection(reason);
        true
    }

    fn remove(&self, id: u64) {
        let mut table = self.lock();
        if let Some(conn) = table.open.remove(&id)
            && conn.phase() == Phase::Closing
        {
            table.closing = table.closing.saturating_sub(1);
        }
        self.metrics.set_open_connections(table.open.len());
        drop(table);
        self.ended.notify_waiters();
    }

    /// The process is out of file descriptors: hold an eighth fewer
    /// connections than are open now from here on (the database and calls to
    /// apps need descriptors too), shed the slowest one, and wait until a
    /// connection ends or `backoff` passes, so the next accept can succeed
    /// without spinning.
    pub(super) async fn out_of_descriptors(&self, backoff: Duration) {
        let ended = self.ended.notified();
        tokio::pin!(ended);
        ended.as_mut().enable();
        {
            let mut table = self.lock();
            let open = table.open.len();
            let ceiling = open.saturating_sub(open / 8).max(1);
            if table.ceiling.is_none_or(|c| ceiling < c) {
                tracing::warn!(
                    open,
                    ceiling,
                    "out of file descriptors: holding fewer client connections from now on; raise the \
                     descriptor limit (ulimit -n) or lower PROVISIO_MAX_CONNECTIONS"
                );
                table.ceiling = Some(ceiling);
            }
            self.shed_one(&mut table, "evicted");
        }
        let _ = tokio::time::timeout(backoff, ended).await;
    }

    /// Closes every connection past its deadline, every [`REAP_EVERY`].
    pub(super) async fn reap_forever(self: Arc<Self>) {
        let mut ticks = tokio::time::interval(REAP_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.reap();
        }
    }

    fn reap(&self) {
        let now = self.now();
        let mut table = self.lock();
        let load = table.active() as f64 / self.capacity(&table).max(1) as f64;
        let (header, idle) = (
            scaled(self.limits.header, load),
            scaled(self.limits.idle, load),
        );
        let mut closed = 0;
        for conn in table.open.values() {
            let phase = conn.phase();
            let limit = match phase {
                Phase::Head => header,
                Phase::Idle => idle,
                Phase::Busy => self.limits.busy,
                Phase::Closing => continue,
            };
            if u128::from(conn.age_ms(now)) > limit.as_millis() && conn.close_from(phase) {
                self.metrics.count_shed_connection(phase.timeout_reason());
                closed += 1;
            }
        }
        table.closing += closed;
    }

    /// Completes when no connection is open.
    pub(super) async fn drained(&self) {
        loop {
            let ended = self.ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            if self.lock().open.is_empty() {
                return;
            }
            ended.await;
        }
    }

    /// Tells every connection to close now, whatever it is doing.
    pub(super) fn close_all(&self) {
        let mut table = self.lock();
        let mut closed = 0;
        for conn in table.open.values() {
            let phase = conn.phase();
            if phase != Phase::Closing && conn.close_from(phase) {
                closed += 1;
            }
        }
        table.closing += closed;
    }
}

/// `full` scaled down by the load: unchanged under [`PRESSURE_STARTS`], at
/// [`SCALED_FLOOR`] (or `full`, if shorter) from the cap on.
fn scaled(full: Duration, load: f64) -> Duration {
    let pressure = ((load - PRESSURE_STARTS) / (1.0 - PRESSURE_STARTS)).clamp(0.0, 1.0);
    let floor = SCALED_FLOOR.min(full);
    floor + (full - floor).mul_f64(1.0 - pressure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_shrink_from_half_the_cap_to_one_second_at_the_cap() {
        let full = Duration::from_secs(10);
        assert_eq!(scaled(full, 0.0), full);
        assert_eq!(scaled(full, 0.5), full);
        assert_eq!(scaled(full, 0.75), Duration::from_millis(5500));
        assert_eq!(scaled(full, 1.0), SCALED_FLOOR);
        assert_eq!(scaled(full, 3.0), SCALED_FLOOR);
        let short = Duration::from_millis(300);
        assert_eq!(scaled(short, 1.0), short, "never longer than configured");
    }

    fn table(max: usize) -> Arc<Connections> {
        let mut http = crate::config::Config::from_lookup(|_| None).unwrap().http;
        http.max_connections = max;
        Arc::new(Connections::new(&http, Arc::new(Metrics::new())))
    }

    #[test]
    fn at_the_cap_a_head_is_shed_first_then_an_idle_one_never_a_busy_one() {
        let connections = table(3);
        let busy = connections.admit().unwrap();
        busy.conn().request_started();
        let idle = connections.admit().unwrap();
        idle.conn().response_done();
        let head = connections.admit().unwrap();
        let newcomer = connections.admit().unwrap();
        assert_eq!(head.conn().phase(), Phase::Closing);
        assert_eq!(idle.conn().phase(), Phase::Idle);
        newcomer.conn().request_started();
        let _another = connections.admit().unwrap();
        assert_eq!(idle.conn().phase(), Phase::Closing, "an idle one goes next");
        assert_eq!(
            busy.conn().phase(),
            Phase::Busy,
            "a request in flight stays"
        );
        assert_eq!(newcomer.conn().phase(), Phase::Busy);
    }

    #[test]
    fn when_every_connection_is_busy_a_newcomer_is_refused() {
        let connections = table(1);
        let busy = connections.admit().unwrap();
        busy.conn().request_started();
        assert!(connections.admit().is_none());
    }

    #[test]
    fn an_idle_connection_starts_a_head_when_bytes_arrive() {
        let connections = table(4);
        let one = connections.admit().unwrap();
        one.conn().request_started();
        one.conn().response_done();
        assert_eq!(one.conn().phase(), Phase::Idle);
        one.conn().bytes_read(b"GET /a");
        assert_eq!(one.conn().phase(), Phase::Head);
        assert!(!one.conn().request_line_ended());
        one.conn().bytes_read(b" HTTP/1.1\r\n");
        assert!(one.conn().request_line_ended());
    }
}
