//! The test harness: a real provisio on a free port, with its own fresh database
//! on SQLite or Postgres, and typed helpers to call it.

use std::{
    path::PathBuf,
    sync::{Arc, Once},
};

use provisio::{
    config::{Config, LogFormat},
    crypto::KeyRing,
    startup::Application,
};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::Value;
use tempfile::TempDir;
use uuid::Uuid;

pub const API_KEY: &str = "test-api-key-0123456789abcdef";
/// A second configured key, for what must differ between callers.
pub const SECOND_API_KEY: &str = "second-key-0123456789abcdef";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one test per backend from an `async fn(TestApp)` body.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::helpers::TestApp) $body

            #[tokio::test]
            async fn on_sqlite() {
                run($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await).await
            }

            #[tokio::test]
            async fn on_postgres() {
                run($crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await).await
            }
        }
    )*};
}

/// A fresh, empty database for one test.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    admin_url: Option<String>,
    name: String,
    _dir: Option<TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = TempDir::new().unwrap();
                let url = format!("sqlite://{}", dir.path().join("provisio.db").display());
                Self {
                    backend,
                    url,
                    admin_url: None,
                    name: String::new(),
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let name = format!("provisio_test_{}", Uuid::new_v4().simple());
                let admin = sqlx::PgPool::connect(&admin_url).await.unwrap_or_else(|e| {
                    panic!("cannot reach the test Postgres at {admin_url}: {e}; run ./scripts/test")
                });
                sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
                    .execute(&admin)
                    .await
                    .unwrap();
                admin.close().await;
                let mut url = url::Url::parse(&admin_url).unwrap();
                url.set_path(&name);
                Self {
                    backend,
                    url: url.to_string(),
                    admin_url: Some(admin_url),
                    name,
                    _dir: None,
                }
            }
        }
    }

    /// Drops a Postgres database now, under a running app (to simulate an outage).
    pub async fn drop_now(&self) {
        let admin_url = self
            .admin_url
            .clone()
            .expect("only Postgres databases can be dropped");
        let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
        let sql = format!("drop database if exists {} with (force)", self.name);
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
    }

    /// All bytes of every column of one connection row, for plaintext searches.
    pub async fn raw_connection_bytes(&self, id: &str) -> Vec<u8> {
        match self.backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await.unwrap();
                let (text, blob): (String, Vec<u8>) = sqlx::query_as(
                    "select connection_id || name || provider || instance_url || settings || credential_type \
                     || credential_key_id || coalesce(credential_hint, ''), credential_sealed \
                     from connection where connection_id = ?",
                )
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
                pool.close().await;
                [text.into_bytes(), blob].concat()
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
                let (text, blob): (String, Vec<u8>) = sqlx::query_as(
                    "select c::text, credential_sealed from connection c where connection_id = $1::uuid",
                )
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
                pool.close().await;
                [text.into_bytes(), blob].concat()
            }
        }
    }

    /// Every stored API key row, as text, for searches.
    pub async fn dump_api_keys(&self) -> String {
        let table = "api_key";
        match self.backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await.unwrap();
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "select group_concat(t.rowid || ' ' || coalesce(quote(t.api_key_id), '') || coalesce(quote(t.key_hash), '') || coalesce(quote(t.name), ''), char(10)) from {table} t"
                )))
                .fetch_all(&pool)
                .await
                .unwrap();
                pool.close().await;
                rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n")
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "select t::text from {table} t"
                )))
                .fetch_all(&pool)
                .await
                .unwrap();
                pool.close().await;
                rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n")
            }
        }
    }

    /// How many instances took items of sync runs (the last lease owner of each item).
    pub async fn distinct_sync_owners(&self) -> i64 {
        self.count("select count(distinct lease_owner) from sync_item")
            .await
    }

    /// The one number `sql` selects.
    pub async fn count(&self, sql: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await.unwrap();
                let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
                pool.close().await;
                n
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
                let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
                pool.close().await;
                n
            }
        }
    }

    /// Runs a statement against the database directly (to tamper with rows).
    pub async fn execute(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
        }
    }
}

impl Drop for TestDb {
    /// Drops a Postgres test database, so runs against a shared server leave nothing behind.
    fn drop(&mut self) {
        let Some(admin_url) = self.admin_url.clone() else {
            return;
        };
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                    let sql = format!("drop database if exists {name} with (force)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&admin).await;
                    admin.close().await;
                }
            });
        })
        .join();
    }
}

fn postgres_admin_url() -> String {
    std::env::var("PROVISIO_TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| {
            panic!(
                "Postgres tests need a server: run ./scripts/test (it starts one), \
                 or set PROVISIO_TEST_DATABASE_URL to a superuser URL"
            )
        })
}

/// Logs only with TEST_LOG=1, to keep test output readable.
pub fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            provisio::telemetry::init(LogFormat::Pretty);
        }
    });
}

/// A configuration for a test instance: free port, explicit keys, its own data dir.
pub fn test_config(db: &TestDb, data_dir: PathBuf, key_ring_spec: &str) -> Config {
    let mut config = Config::from_lookup(|_| None).unwrap();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.database.url = SecretString::from(db.url.clone());
    config.data_dir = data_dir;
    config.secrets.encryption_keys = Some(KeyRing::parse(key_ring_spec).unwrap());
    config.secrets.api_keys = vec![
        SecretString::from(API_KEY.to_owned()),
        SecretString::from(SECOND_API_KEY.to_owned()),
    ];
    // Tests talk to servers on loopback over http; the SSRF tests switch this off.
    config.network = provisio::netguard::NetworkPolicy::permissive();
    config
}

/// A running provisio and everything needed to inspect it.
pub struct TestApp {
    pub address: String,
    pub db: Arc<TestDb>,
    pub key_ring_spec: String,
    pub client: reqwest::Client,
    pub data_dir: TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Spawns an app after letting `adjust` change its configuration.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    init_logging();
    let db = Arc::new(TestDb::new(backend).await);
    let key_ring_spec = KeyRing::generate_entry("test-k1").unwrap().to_string();
    start(db, key_ring_spec, adjust).await
}

impl TestApp {
    /// Another provisio on the same database and key ring (a second instance,
    /// or a restart with a different configuration).
    pub async fn another_instance(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        start(self.db.clone(), self.key_ring_spec.clone(), adjust).await
    }
}

async fn start(
    db: Arc<TestDb>,
    key_ring_spec: String,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    let data_dir = TempDir::new().unwrap();
    let mut config = test_config(&db, data_dir.path().to_path_buf(), &key_ring_spec);
    adjust(&mut config);
    let app = Application::build(config).await.expect("the app builds");
    let address = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        db,
        key_ring_spec,
        client: reqwest::Client::new(),
        data_dir,
        stop: Some(stop),
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json response with this status and code, and returns its body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        let body = self.json();
        assert_eq!(body["code"], code, "{}", self.text);
        assert_eq!(body["status"], status);
        assert!(body["request_id"].is_string(), "{}", self.text);
        body
    }

    /// Asserts a 422 naming exactly these fields.
    #[track_caller]
    pub fn assert_invalid_fields(&self, fields: &[&str]) {
        let body = self.assert_problem(422, "validation_failed");
        let named: Vec<&str> = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors: {}", self.text))
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(named, fields, "{}", self.text);
    }
}

impl TestApp {
    pub async fn request(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(API_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    /// A request built by the caller (headers, raw bodies), sent as is.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        read(request.send().await.unwrap()).await
    }

    /// Sends `head` (a request line and headers, no trailing blank line) as
    /// written, for paths an HTTP client would normalise; returns the raw answer.
    pub async fn raw(&self, head: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = self.address.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!("{head}\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.request(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.request(Method::DELETE, path, None).await
    }

    /// Creates a connection and returns its body; panics unless 201.
    pub async fn create_connection(&self, body: Value) -> Value {
        let reply = self.post("/v1/connections", body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()
    }
}

async fn read(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    Reply {
        status,
        headers,
        text,
    }
}

/// A wiremock responder that notes when each request arrived.
#[derive(Clone)]
pub struct Stamped {
    template: wiremock::ResponseTemplate,
    pub arrivals: Arc<std::sync::Mutex<Vec<std::time::Instant>>>,
}

impl Stamped {
    pub fn new(
        template: wiremock::ResponseTemplate,
        arrivals: &Arc<std::sync::Mutex<Vec<std::time::Instant>>>,
    ) -> Self {
        Self {
            template,
            arrivals: arrivals.clone(),
        }
    }
}

impl wiremock::Respond for Stamped {
    fn respond(&self, _request: &wiremock::Request) -> wiremock::ResponseTemplate {
        self.arrivals
            .lock()
            .unwrap()
            .push(std::time::Instant::now());
        self.template.clone()
    }
}

/// Sends `requests` all at once; their statuses (0 where no answer came).
pub async fn send_all(requests: impl IntoIterator<Item = reqwest::RequestBuilder>) -> Vec<u16> {
    let mut calls = tokio::task::JoinSet::new();
    for request in requests {
        calls.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
    }
    let mut statuses = Vec::new();
    while let Some(result) = calls.join_next().await {
        statuses.push(result.unwrap().unwrap_or(0));
    }
    statuses
}

/// The most of these (sorted) instants within any one second.
pub fn busiest_second(arrivals: &[std::time::Instant]) -> usize {
    (0..arrivals.len())
        .map(|i| {
            arrivals[i..]
                .iter()
                .take_while(|t| **t - arrivals[i] < std::time::Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}
