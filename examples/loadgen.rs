//! A small load generator for scripts/loadtest: runs N requests with fixed
//! concurrency against a running provisio and reports throughput, latency
//! percentiles and status counts as JSON.
//!
//! loadgen <base-url> <api-key> <connection> <writes> <reads> <concurrency>
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};

struct Phase {
    latencies: Vec<Duration>,
    statuses: BTreeMap<String, usize>,
    elapsed: Duration,
}

impl Phase {
    fn report(&mut self) -> Value {
        self.latencies.sort();
        let at = |q: f64| {
            let index = ((self.latencies.len() as f64 * q).ceil() as usize)
                .clamp(1, self.latencies.len())
                - 1;
            self.latencies[index].as_secs_f64() * 1000.0
        };
        json!({
            "requests": self.latencies.len(),
            "seconds": self.elapsed.as_secs_f64(),
            "throughput_per_second": self.latencies.len() as f64 / self.elapsed.as_secs_f64(),
            "p50_ms": at(0.50),
            "p99_ms": at(0.99),
            "max_ms": at(1.0),
            "statuses": self.statuses,
        })
    }
}

/// Runs `total` requests made by `make(i)` with `concurrency` in flight.
async fn run<F>(total: usize, concurrency: usize, make: F) -> Phase
where
    F: Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (make, next) = (make.clone(), next.clone());
        workers.spawn(async move {
            let mut seen = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return seen;
                }
                let sent = Instant::now();
                let status = match make(i).send().await {
                    Ok(response) => {
                        let status = response.status().as_u16().to_string();
                        let _ = response.bytes().await;
                        status
                    }
                    Err(_) => "transport_error".to_owned(),
                };
                seen.push((sent.elapsed(), status));
            }
        });
    }
    let mut phase = Phase {
        latencies: Vec::new(),
        statuses: BTreeMap::new(),
        elapsed: Duration::ZERO,
    };
    while let Some(results) = workers.join_next().await {
        for (latency, status) in results.unwrap() {
            phase.latencies.push(latency);
            *phase.statuses.entry(status).or_default() += 1;
        }
    }
    phase.elapsed = started.elapsed();
    phase
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, key, connection, writes, reads, concurrency] = args.as_slice() else {
        panic!("usage: loadgen <base-url> <api-key> <connection> <writes> <reads> <concurrency>");
    };
    let (writes, reads, concurrency): (usize, usize, usize) = (
        writes.parse().unwrap(),
        reads.parse().unwrap(),
        concurrency.parse().unwrap(),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let users = format!("{base}/v1/connections/{connection}/users");

    let (c, k, u) = (client.clone(), key.clone(), users.clone());
    let mut write_phase = run(writes, concurrency, move |i| {
        c.post(&u).bearer_auth(&k).json(&json!({
            "user_name": format!("load-{i:05}@example.com"),
            "external_id": format!("L-{i:05}"),
            "name": {"given_name": "Load", "family_name": format!("Tester {i}")},
            "emails": [{"value": format!("load-{i:05}@example.com"), "type": "work", "primary": true}],
        }))
    })
    .await;

    // The ids the writes created, to read them back.
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        // Cursors are URL-safe base64: they go into the query as they are.
        let url = match &cursor {
            Some(c) => format!("{users}?page_size=100&cursor={c}"),
            None => format!("{users}?page_size=100"),
        };
        let page: Value = client
            .get(url)
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert!(!ids.is_empty(), "the writes created no users");
    let listed = ids.len();
    let ids = Arc::new(ids);
    let (c, k, u) = (client.clone(), key.clone(), users.clone());
    let mut read_phase = run(reads, concurrency, move |i| {
        // Nine reads by id for every filtered lookup.
        if i % 10 == 9 {
            c.get(format!("{u}?external_id=L-{:05}", i % writes.max(1)))
                .bearer_auth(&k)
        } else {
            c.get(format!("{u}/{}", ids[i % ids.len()])).bearer_auth(&k)
        }
    })
    .await;
    // The same number of reads that stay inside provisio: its own cost, without the app's.
    let (c, k, local) = (
        client.clone(),
        key.clone(),
        format!("{base}/v1/connections/{connection}"),
    );
    let mut local_phase = run(reads, concurrency, move |_| c.get(&local).bearer_auth(&k)).await;
    println!(
        "{}",
        json!({"local_reads": local_phase.report(), "writes": write_phase.report(), "reads": read_phase.report(), "users_listed": listed})
    );
}
