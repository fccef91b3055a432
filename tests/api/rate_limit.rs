//! The per-connection rate budget: a burst of API calls reaches the app at the
//! configured pace, and every caller gets an answer.

use std::{sync::Arc, time::Duration};

use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path_regex},
};

use crate::helpers::{API_KEY, Backend, Stamped, busiest_second, send_all, spawn_app_with};

const CALLS: usize = 1000;
const PER_SECOND: usize = 20;

// Two workers, so that the thousand waiting callers do not delay provisio's own tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_a_thousand_calls_reaches_the_app_at_twenty_per_second() {
    let mock = MockServer::start().await;
    let arrivals = Arc::default();
    let user = json!({"id": "u1", "userName": "ada@example.com", "active": true});
    Mock::given(method("GET"))
        .and(path_regex("^/Users/u[0-9]+$"))
        .respond_with(Stamped::new(
            ResponseTemplate::new(200).set_body_json(user),
            &arrivals,
        ))
        .mount(&mock)
        .await;
    // 1,000 calls at 20/s take 50 s: the request deadline must allow the queueing.
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.http.request_timeout = Duration::from_secs(120)
    })
    .await;
    app.create_connection(
        json!({"name": "wp", "provider": "workplace", "instance_url": mock.uri(),
        "credentials": {"type": "bearer", "token": "wp-token-0123456789"},
        "settings": {"max_requests_per_second": PER_SECOND, "max_concurrency": 20}}),
    )
    .await;

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CALLS)
        .build()
        .unwrap();
    let statuses = send_all((0..CALLS).map(|i| {
        client
            .get(app.url(&format!("/v1/connections/wp/users/u{i}")))
            .bearer_auth(API_KEY)
    }))
    .await;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "every caller succeeds: {:?}",
        statuses.iter().filter(|s| **s != 200).collect::<Vec<_>>()
    );

    let mut arrivals = arrivals.lock().unwrap().clone();
    arrivals.sort();
    assert_eq!(arrivals.len(), CALLS, "no call was retried or lost");
    // In any one-second window, at most 20 calls arrived, give or take one at
    // the window's edge: calls leave 50 ms apart, so 21 departures span exactly
    // one second, and a millisecond more on the way for the first of them puts
    // all 21 inside it (the replicas test allows the same).
    let busiest = busiest_second(&arrivals);
    assert!(
        busiest <= PER_SECOND + 1,
        "{busiest} calls arrived within one second"
    );
    let span = arrivals[CALLS - 1] - arrivals[0];
    let rate = (CALLS - 1) as f64 / span.as_secs_f64();
    assert!(
        rate > PER_SECOND as f64 * 0.9,
        "the budget is used, not wasted: {rate:.1}/s"
    );
}
