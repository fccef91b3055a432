//! Replicas failing and stopping mid-run: the others finish the run, each
//! change once, and the budget is whole again.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{
    process::Process,
    sync::{Cluster, people, wait_for_run},
};

/// The holder id a process's shared budget uses in `budget_slot`, from its log.
fn holder_of(process: &Process) -> String {
    process
        .log
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find_map(|line| line["holder"].as_str().map(str::to_owned))
        .expect("the process logs its budget holder id")
}

/// Slots of `holder` still held (unexpired) in the database.
async fn slots_held(pool: &sqlx::PgPool, holder: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from budget_slot where holder::text = $1 and held_until > now()",
    )
    .bind(holder)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// A replica killed (SIGKILL) while it holds budget slots and sync items: the
/// others finish the run, every change reaches the app once, and the dead
/// replica's share of the budget comes back within 2 s.
#[tokio::test]
async fn a_replica_killed_mid_run_leaves_the_run_done_once_and_the_budget_whole() {
    let mut cluster = Cluster::new().await;
    let lease = [("PROVISIO_SYNC_LEASE_SECONDS", "3")];
    let mut processes = Vec::new();
    for _ in 0..3 {
        processes.push(cluster.start(&lease).await);
    }
    let settings = json!({"max_requests_per_second": 40, "max_concurrency": 6});
    let location = cluster.apply(&processes[0], settings, people(0..150)).await;

    // Kill the replica holding the most slots once part of the run is applied.
    cluster.proxy.wait_for_writes(30).await;
    let pool = sqlx::PgPool::connect(&cluster.replicas.db.url)
        .await
        .unwrap();
    let mut held = Vec::new();
    for process in &processes {
        held.push(slots_held(&pool, &holder_of(process)).await);
    }
    let victim = (0..held.len()).max_by_key(|i| held[*i]).unwrap();
    assert!(held[victim] > 0, "a replica holds slots: {held:?}");
    let mut dead = processes.remove(victim);
    let dead_holder = holder_of(&dead);
    dead.signal("KILL");
    let killed = Instant::now();
    dead.wait().await;
    while slots_held(&pool, &dead_holder).await > 0 {
        assert!(
            killed.elapsed() < Duration::from_secs(2),
            "the dead replica's slots lapse"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let run = wait_for_run(&processes[0].url(""), &location).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["progress"]["done"], 150);
    assert_eq!(
        cluster.proxy.writes("POST"),
        150,
        "each create reached the app exactly once"
    );
}

/// A replica stopped (SIGTERM) mid-run hands its sync items back at once:
/// another replica finishes the run long before their leases would lapse.
#[tokio::test]
async fn a_stopping_replica_hands_its_sync_items_back_at_once() {
    let mut cluster = Cluster::new().await;
    // Leases so long that waiting for them to lapse would fail the test.
    let lease = [("PROVISIO_SYNC_LEASE_SECONDS", "600")];
    let mut first = cluster.start(&lease).await;
    let settings = json!({"max_requests_per_second": 20});
    let location = cluster.apply(&first, settings, people(0..60)).await;
    cluster.proxy.wait_for_writes(10).await;
    first.signal("TERM");
    assert!(first.wait().await.success());
    assert!(
        first
            .log
            .iter()
            .any(|l| l.contains("handed sync items in hand back")),
        "the stopping replica said it handed items back"
    );

    let second = cluster.start(&lease).await;
    let run = tokio::time::timeout(
        Duration::from_secs(60),
        wait_for_run(&second.url(""), &location),
    )
    .await
    .expect("the run finishes without waiting for leases to lapse");
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        cluster.proxy.writes("POST"),
        60,
        "each create reached the app exactly once"
    );
}
