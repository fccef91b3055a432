//! An open-loop load generator for `scripts/bench-gateway`: sends GETs at a
//! fixed rate whatever the answers' latency (so a slow server cannot slow the
//! load down and hide its latency, as a closed loop would), over keep-alive
//! connections, and prints the latency percentiles as one JSON line.
//!
//! paced URL[,URL…] RATE SECONDS [BEARER]   (URLs are used in turn)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let urls: Vec<String> = args[0].split(',').map(str::to_owned).collect();
    let rate: u64 = args[1].parse().expect("RATE");
    let seconds: u64 = args[2].parse().expect("SECONDS");
    let bearer = args.get(3).cloned().unwrap_or_default();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..rate * seconds {
        tick.tick().await;
        let request = client
            .get(&urls[n as usize % urls.len()])
            .bearer_auth(&bearer);
        calls.spawn(async move {
            let started = Instant::now();
            let status = request.send().await.map(|r| r.status().as_u16());
            (started.elapsed(), status)
        });
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    while let Some(result) = calls.join_next().await {
        let (elapsed, status) = result.unwrap();
        if !matches!(status, Ok(200)) {
            failures += 1;
        }
        latencies.push(elapsed);
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    println!(
        r#"{{"requests": {}, "failures": {failures}, "p50_ms": {:.3}, "p99_ms": {:.3}}}"#,
        latencies.len(),
        at(0.5),
        at(0.99)
    );
}
