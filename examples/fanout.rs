//! Load for `scripts/bench-budget`: keeps `concurrency` reads of one user in
//! flight for `seconds`, spread in turn over several provisio replicas, and
//! prints how many succeeded and the rate as JSON.
//!
//! fanout <api-key> <connection> <seconds> <concurrency> <base-url>...
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, key, connection, seconds, concurrency, bases @ ..] = args.as_slice() else {
        panic!("usage: fanout <api-key> <connection> <seconds> <concurrency> <base-url>...");
    };
    let (seconds, concurrency): (u64, usize) =
        (seconds.parse().unwrap(), concurrency.parse().unwrap());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let urls: Arc<Vec<String>> = Arc::new(
        bases
            .iter()
            .map(|b| format!("{b}/v1/connections/{connection}/users/u1"))
            .collect(),
    );
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let (client, urls, key) = (client.clone(), urls.clone(), key.clone());
        let (ok, failed) = (ok.clone(), failed.clone());
        tasks.spawn(async move {
            let mut turn = worker;
            while Instant::now() < until {
                let url = &urls[turn % urls.len()];
                turn += 1;
                match client.get(url).bearer_auth(&key).send().await {
                    Ok(r) if r.status().is_success() => ok.fetch_add(1, Ordering::Relaxed),
                    _ => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed().as_secs_f64();
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    println!(
        "{{\"ok\": {ok}, \"failed\": {failed}, \"seconds\": {elapsed:.2}, \"per_second\": {:.1}}}",
        ok as f64 / elapsed
    );
}
