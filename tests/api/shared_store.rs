//! What replicas share through the store: two stores on one Postgres
//! database stand for two replicas.

use std::time::Duration;

use provisio::store::{
    self, ConnectionChange, DynStore, StoreOptions,
    budget::{BudgetLedger, BudgetNotice},
};
use secrecy::SecretString;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::{
    helpers::{Backend, TestDb},
    store::row,
};

async fn open(db: &TestDb) -> DynStore {
    store::connect(
        &SecretString::from(db.url.clone()),
        &StoreOptions::default(),
    )
    .await
    .unwrap()
}

/// Waits (briefly) until `store`'s listener listens.
async fn until_live(store: &DynStore) {
    let watch = store.connection_watch();
    tokio::time::timeout(Duration::from_secs(5), async {
        while !watch.is_live() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the listener connects");
}

async fn next<T: Clone>(changes: &mut broadcast::Receiver<T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), changes.recv())
        .await
        .expect("a notification arrives")
        .unwrap()
}

#[tokio::test]
async fn a_connection_changed_through_one_replica_is_heard_by_the_other() {
    let db = TestDb::new(Backend::Postgres).await;
    let (a, b) = (open(&db).await, open(&db).await);
    until_live(&b).await;
    let mut changes = b.connection_watch().subscribe();

    let learned = row("learned", "k1");
    let connection = row("watched", "k1");
    a.insert_connection(&learned).await.unwrap();
    a.insert_connection(&connection).await.unwrap();
    // Learning about the app is not a change a cache must drop: the first
    // notification is the update of the other connection.
    let profile = serde_json::json!({"learned": {}});
    assert!(
        a.save_app_profile(learned.connection_id, &profile)
            .await
            .unwrap()
    );
    update_then_delete(&a, connection, &mut changes).await;
}

/// Updates then deletes `connection` through `writer`; each is heard.
async fn update_then_delete(
    writer: &DynStore,
    mut connection: store::ConnectionRow,
    changes: &mut broadcast::Receiver<ConnectionChange>,
) {
    connection.revision += 1;
    let id = connection.connection_id;
    assert!(
        writer
            .update_connection(&connection, connection.revision - 1)
            .await
            .unwrap()
    );
    assert_eq!(next(changes).await, ConnectionChange::Changed(id));
    assert!(writer.delete_connection(id).await.unwrap());
    assert_eq!(next(changes).await, ConnectionChange::Changed(id));
}

#[tokio::test]
async fn one_sqlite_process_hears_its_own_connection_writes() {
    let db = TestDb::new(Backend::Sqlite).await;
    let store = open(&db).await;
    assert!(store.connection_watch().is_live());
    let mut changes = store.connection_watch().subscribe();
    let connection = row("watched", "k1");
    store.insert_connection(&connection).await.unwrap();
    update_then_delete(&store, connection, &mut changes).await;
}

#[tokio::test]
async fn housekeeping_runs_on_one_replica_at_a_time() {
    let db = TestDb::new(Backend::Postgres).await;
    let (a, b) = (open(&db).await, open(&db).await);
    let held = a.try_exclusive("housekeeping").await.unwrap();
    assert!(held.is_some());
    assert!(b.try_exclusive("housekeeping").await.unwrap().is_none());
    assert!(b.try_exclusive("another task").await.unwrap().is_some());
    drop(held);
    // The lock goes with the session, which the server ends as the socket closes.
    tokio::time::timeout(Duration::from_secs(5), async {
        while b.try_exclusive("housekeeping").await.unwrap().is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the other replica takes its turn");
}

async fn ledgers() -> (TestDb, DynStore, DynStore, Uuid) {
    let db = TestDb::new(Backend::Postgres).await;
    let (a, b) = (open(&db).await, open(&db).await);
    let connection = row("budgeted", "k1");
    a.insert_connection(&connection).await.unwrap();
    (db, a, b, connection.connection_id)
}

fn ledger(store: &DynStore) -> std::sync::Arc<dyn BudgetLedger> {
    store.shared_budget().expect("Postgres shares the budget")
}

#[tokio::test]
async fn replicas_lease_consecutive_stretches_of_one_schedule() {
    let (_db, a, b, id) = ledgers().await;
    let interval = Duration::from_millis(100);
    let first = ledger(&a).lease_pace(id, 5, interval).await.unwrap();
    let second = ledger(&b).lease_pace(id, 5, interval).await.unwrap();
    let now = ledger(&a).now();
    let late = chrono::Duration::milliseconds(100);
    assert!(
        first.starts_at > now - late && first.starts_at <= now,
        "{first:?}"
    );
    assert_eq!(
        second.starts_at, first.ends_at,
        "the second follows the first"
    );
    assert_eq!(second.ends_at - second.starts_at, late * 5);

    // The end of the last lease handed back is leased again.
    let from = second.ends_at - chrono::Duration::milliseconds(300);
    assert!(
        ledger(&b)
            .return_pace(id, second.ends_at, from)
            .await
            .unwrap()
    );
    let third = ledger(&a).lease_pace(id, 1, interval).await.unwrap();
    assert_eq!(third.ends_at, from + chrono::Duration::milliseconds(100));
    // Not once another lease follows it.
    assert!(
        !ledger(&b)
            .return_pace(id, second.ends_at, from)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_pause_pushes_every_replicas_next_lease_past_it_and_is_announced() {
    let (_db, a, b, id) = ledgers().await;
    until_live(&b).await;
    let mut notices = ledger(&b).notices();
    ledger(&a).pause(id, Duration::from_secs(2)).await.unwrap();
    assert_eq!(
        next(&mut notices).await,
        BudgetNotice::Paused(id, Duration::from_secs(2))
    );
    let lease = ledger(&b)
        .lease_pace(id, 1, Duration::from_millis(10))
        .await
        .unwrap();
    let paused_for = lease.starts_at - ledger(&b).now();
    assert!(
        paused_for > chrono::Duration::seconds(1),
        "the lease starts after the pause: {lease:?}"
    );
}

#[tokio::test]
async fn concurrency_slots_are_held_by_one_replica_until_returned_or_lapsed() {
    let (_db, a, b, id) = ledgers().await;
    let (one, two) = (Uuid::now_v7(), Uuid::now_v7());
    let long = Duration::from_secs(60);
    ledger(&a).size_slots(id, 3).await.unwrap();
    let taken = ledger(&a).lease_slots(id, one, 5, long).await.unwrap();
    assert_eq!(taken.len(), 3, "no more than max_concurrency");
    assert!(
        ledger(&b)
            .lease_slots(id, two, 1, long)
            .await
            .unwrap()
            .is_empty()
    );

    until_live(&b).await;
    let mut notices = ledger(&b).notices();
    ledger(&a).return_slots(id, one, &taken[..1]).await.unwrap();
    assert_eq!(next(&mut notices).await, BudgetNotice::SlotsFreed(id));
    assert_eq!(
        ledger(&b)
            .lease_slots(id, two, 2, long)
            .await
            .unwrap()
            .len(),
        1
    );

    // A holder that stops renewing (it died) loses its slots.
    assert_eq!(
        ledger(&a).renew_slots(one, Duration::ZERO).await.unwrap(),
        2
    );
    assert_eq!(
        ledger(&b)
            .lease_slots(id, two, 5, long)
            .await
            .unwrap()
            .len(),
        2
    );
    // Fewer slots: those past the new size are gone.
    ledger(&a).size_slots(id, 1).await.unwrap();
    assert_eq!(ledger(&a).renew_slots(two, long).await.unwrap(), 1);
}
