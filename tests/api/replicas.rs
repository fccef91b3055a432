//! Three provisio processes on one Postgres database behave as one service:
//! one rate budget, one concurrency limit and one 429 pause per connection.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::io::AsyncWriteExt;

use provisio::crypto::KeyRing;
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, Respond, ResponseTemplate,
    matchers::{method, path, path_regex},
};

use crate::{
    helpers::{API_KEY, Backend, TestDb, busiest_second, send_all},
    process::Process,
    proxy::read_request,
};

/// Processes sharing one Postgres database and key ring.
pub struct Replicas {
    pub db: TestDb,
    keys: String,
    dirs: Vec<tempfile::TempDir>,
    pub processes: Vec<Process>,
}

impl Replicas {
    pub async fn start(count: usize, extra: &[(&str, &str)]) -> Self {
        let mut replicas = Self {
            db: TestDb::new(Backend::Postgres).await,
            keys: KeyRing::generate_entry("replicas-k1").unwrap().to_string(),
            dirs: Vec::new(),
            processes: Vec::new(),
        };
        for _ in 0..count {
            let process = replicas.spawn(extra).await;
            replicas.processes.push(process);
        }
        replicas
    }

    /// Starts one more process (its own data directory) with `extra` environment.
    pub async fn spawn(&mut self, extra: &[(&str, &str)]) -> Process {
        self.dirs.push(tempfile::TempDir::new().unwrap());
        let dir = self
            .dirs
            .last()
            .unwrap()
            .path()
            .to_str()
            .unwrap()
            .to_owned();
        let mut env = vec![
            ("DATABASE_URL", self.db.url.as_str()),
            ("PROVISIO_DATA_DIR", dir.as_str()),
            ("PROVISIO_ENCRYPTION_KEYS", self.keys.as_str()),
            ("PROVISIO_API_KEYS", API_KEY),
            ("PROVISIO_ALLOW_PRIVATE_NETWORKS", "true"),
            // A thousand callers queue for the budget longer than the default deadline.
            ("PROVISIO_REQUEST_TIMEOUT_SECONDS", "120"),
        ];
        env.extend_from_slice(extra);
        Process::start(&env).await
    }

    /// Creates connection `name` to `app` (through the first process).
    pub async fn connect(&self, name: &str, app: &str, settings: Value) {
        let reply = reqwest::Client::new()
            .post(self.processes[0].url("/v1/connections"))
            .bearer_auth(API_KEY)
            .json(
                &json!({"name": name, "provider": "scim", "instance_url": app,
                "credentials": {"type": "bearer", "token": "replica-token-0123456789"},
                "settings": settings}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            reply.status().as_u16(),
            201,
            "{}",
            reply.text().await.unwrap()
        );
    }

    /// Reads `GET /users/u<i>` of `connection` `calls` times at once, spread
    /// over the processes in turn; returns the statuses.
    pub async fn read_users(&self, connection: &str, calls: usize) -> Vec<u16> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(calls)
            .build()
            .unwrap();
        send_all((0..calls).map(|i| {
            let process = &self.processes[i % self.processes.len()];
            client
                .get(process.url(&format!("/v1/connections/{connection}/users/u{i}")))
                .bearer_auth(API_KEY)
        }))
        .await
    }
}

/// An app that notes when each request arrived.
#[derive(Clone)]
struct Recording {
    arrivals: Arc<Mutex<Vec<Instant>>>,
    template: ResponseTemplate,
}

impl Recording {
    fn new() -> Self {
        let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1", "userName": "ada@example.com", "active": true});
        Self {
            arrivals: Arc::default(),
            template: ResponseTemplate::new(200).set_body_json(user),
        }
    }

    async fn mount(&self, app: &MockServer) {
        Mock::given(method("GET"))
            .and(path_regex("^/Users/u[0-9]+$"))
            .respond_with(self.clone())
            .mount(app)
            .await;
    }

    fn arrivals(&self) -> Vec<Instant> {
        let mut times = self.arrivals.lock().unwrap().clone();
        times.sort();
        times
    }
}

impl Respond for Recording {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        self.arrivals.lock().unwrap().push(Instant::now());
        self.template.clone()
    }
}

const CALLS: usize = 1000;

// 1,000 calls at 20/s take 50 s: the slowest test of the suite, run beside the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_send_an_app_no_more_than_its_budget_per_second() {
    let app = MockServer::start().await;
    let recording = Recording::new();
    recording.mount(&app).await;
    let replicas = Replicas::start(3, &[]).await;
    replicas
        .connect(
            "paced",
            &app.uri(),
            json!({"max_requests_per_second": 20, "max_concurrency": 20}),
        )
        .await;

    let statuses = replicas.read_users("paced", CALLS).await;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "every call succeeds: {} did not",
        statuses.iter().filter(|s| **s != 200).count()
    );
    let arrivals = recording.arrivals();
    assert_eq!(arrivals.len(), CALLS, "no call was lost or repeated");
    let busiest = busiest_second(&arrivals);
    assert!(busiest <= 21, "{busiest} calls arrived within one second");
    // The budget was used, not merely respected: 1,000 calls at 20/s take at
    // least 51 s; a replica too busy to leave on time skips its departure
    // rather than bunch with the next, so a loaded machine takes longer.
    let took = *arrivals.last().unwrap() - arrivals[0];
    assert!(took < Duration::from_secs(80), "the run took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_keep_no_more_calls_in_flight_than_max_concurrency() {
    let app = InFlightApp::start(Duration::from_millis(50)).await;
    let replicas = Replicas::start(3, &[]).await;
    replicas
        .connect(
            "narrow",
            &app.url,
            json!({"max_requests_per_second": 1000, "max_concurrency": 4}),
        )
        .await;

    let statuses = replicas.read_users("narrow", CALLS).await;
    assert!(statuses.iter().all(|s| *s == 200), "every call succeeds");
    assert_eq!(app.served.load(Ordering::SeqCst), CALLS);
    let most = app.most.load(Ordering::SeqCst);
    assert!(most <= 4, "{most} calls were in flight at once");
    assert!(most >= 3, "the limit was reached, not starved: {most}");
}

/// An app that answers every request after `delay`, counting how many it
/// was answering at once (counted on arrival, uncounted before answering,
/// so a caller cannot have seen the answer while it still counts).
struct InFlightApp {
    url: String,
    most: Arc<AtomicUsize>,
    served: Arc<AtomicUsize>,
}

impl InFlightApp {
    async fn start(delay: Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (most, served) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let now = Arc::new(AtomicUsize::new(0));
        let counters = (now, most.clone(), served.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve_in_flight(stream, delay, counters.clone()));
            }
        });
        Self { url, most, served }
    }
}

type Counters = (Arc<AtomicUsize>, Arc<AtomicUsize>, Arc<AtomicUsize>);

async fn serve_in_flight(
    mut stream: tokio::net::TcpStream,
    delay: Duration,
    (now, most, served): Counters,
) {
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "u1", "userName": "ada@example.com", "active": true})
    .to_string();
    loop {
        if read_request(&mut stream).await.is_empty() {
            return;
        }
        let current = now.fetch_add(1, Ordering::SeqCst) + 1;
        most.fetch_max(current, Ordering::SeqCst);
        tokio::time::sleep(delay).await;
        now.fetch_sub(1, Ordering::SeqCst);
        served.fetch_add(1, Ordering::SeqCst);
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_answered_to_one_replica_pauses_every_replica() {
    let app = MockServer::start().await;
    let recording = Recording::new();
    let limited = Arc::new(Mutex::new(None));
    Mock::given(method("GET"))
        .and(path("/Users/limited"))
        .respond_with(LimitedOnce {
            at: limited.clone(),
        })
        .mount(&app)
        .await;
    recording.mount(&app).await;
    let replicas = Replicas::start(3, &[]).await;
    replicas
        .connect("touchy", &app.uri(), json!({"max_requests_per_second": 40}))
        .await;

    // A steady stream of calls through every replica, and one that is told 429.
    let stream = replicas.read_users("touchy", 240);
    let client = reqwest::Client::new();
    let limited_call = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        client
            .get(replicas.processes[1].url("/v1/connections/touchy/users/limited"))
            .bearer_auth(API_KEY)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let (statuses, retried) = tokio::join!(stream, limited_call);
    assert!(statuses.iter().all(|s| *s == 200), "every call succeeds");
    assert_eq!(retried, 200, "the limited call succeeded after the pause");

    let told = limited.lock().unwrap().expect("the app said 429");
    let arrivals = recording.arrivals();
    // Calls already on their way when the app answered may still arrive.
    let paused = arrivals
        .iter()
        .filter(|t| **t > told + Duration::from_millis(100) && **t < told + Duration::from_secs(2))
        .count();
    assert_eq!(paused, 0, "calls reached the app during its Retry-After");
    assert!(
        arrivals.iter().any(|t| *t > told + Duration::from_secs(2)),
        "calls resumed"
    );
}

/// Answers 429 with `Retry-After: 2` once (noting when), then 200.
struct LimitedOnce {
    at: Arc<Mutex<Option<Instant>>>,
}

impl Respond for LimitedOnce {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let mut at = self.at.lock().unwrap();
        if at.is_some() {
            return ResponseTemplate::new(200).set_body_json(
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "id": "limited", "userName": "lim@example.com", "active": true}),
            );
        }
        *at = Some(Instant::now());
        ResponseTemplate::new(429).insert_header("retry-after", "2")
    }
}

/// Credentials rotated through one replica are what another replica's very
/// next call sends (whatever that replica cached about the connection).
#[tokio::test]
async fn a_credential_rotated_through_one_replica_is_used_by_the_others_next_call() {
    let app = MockServer::start().await;
    Recording::new().mount(&app).await;
    let replicas = Replicas::start(2, &[]).await;
    replicas.connect("rotating", &app.uri(), json!({})).await;
    let client = reqwest::Client::new();
    let read_through = |n: usize| {
        client
            .get(replicas.processes[n].url("/v1/connections/rotating/users/u1"))
            .bearer_auth(API_KEY)
            .send()
    };
    assert_eq!(read_through(1).await.unwrap().status().as_u16(), 200);

    let rotated = client
        .patch(replicas.processes[0].url("/v1/connections/rotating"))
        .bearer_auth(API_KEY)
        .json(&json!({"credentials": {"type": "bearer", "token": "rotated-token-0123456789"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(rotated.status().as_u16(), 200);
    assert_eq!(read_through(1).await.unwrap().status().as_u16(), 200);

    let sent: Vec<String> = app
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.headers.get("authorization"))
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        sent.last().map(String::as_str),
        Some("Bearer rotated-token-0123456789"),
        "{sent:?}"
    );
}
