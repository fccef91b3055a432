//! The `Store` contract, run against both implementations.

use chrono::Duration;
use provisio::{
    domain::{
        ConnectionKey, ConnectionName, GroupTarget, ItemChange, ItemStatus, MembersPayload,
        SyncItem, SyncRun,
    },
    store::{self, ConnectionRow, DynStore, ItemOutcome, KeyUsage, StoreError, StoreOptions},
};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Backend, TestDb};

macro_rules! store_suite {
    ($(async fn $name:ident($store:ident: DynStore) $body:block)*) => {$(
        mod $name {
            use super::*;

            async fn run($store: DynStore) $body

            async fn open(backend: Backend) -> (DynStore, TestDb) {
                let db = TestDb::new(backend).await;
                let store = store::connect(&SecretString::from(db.url.clone()), &StoreOptions::default()).await.unwrap();
                (store, db)
            }

            #[tokio::test]
            async fn on_sqlite() {
                let (store, _db) = open(Backend::Sqlite).await;
                run(store).await
            }

            #[tokio::test]
            async fn on_postgres() {
                let (store, _db) = open(Backend::Postgres).await;
                run(store).await
            }
        }
    )*};
}

pub fn row(name: &str, key_id: &str) -> ConnectionRow {
    let now = store::now();
    ConnectionRow {
        connection_id: Uuid::now_v7(),
        name: name.to_owned(),
        provider: "scim".to_owned(),
        instance_url: "https://scim.example.com/v2".to_owned(),
        settings: json!({"a": 1}),
        credential_type: "bearer".to_owned(),
        credential_sealed: vec![1, 0, 255, 7],
        credential_key_id: key_id.to_owned(),
        credential_hint: Some("wxyz".to_owned()),
        revision: 1,
        created_at: now,
        updated_at: now,
        app_profile: json!({"learned": {"filters": false}}),
        profile_overrides: json!({}),
    }
}

fn by_name(name: &str) -> ConnectionKey {
    ConnectionKey::Name(ConnectionName::parse(name).unwrap())
}

store_suite! {
    async fn a_connection_reads_back_exactly_as_written(store: DynStore) {
        let written = row("alpha", "k1");
        store.insert_connection(&written).await.unwrap();
        let by_id = store.get_connection(&ConnectionKey::Id(written.connection_id)).await.unwrap().unwrap();
        assert_eq!(by_id, written);
        assert_eq!(store.get_connection(&by_name("alpha")).await.unwrap().unwrap(), written);
        assert!(store.get_connection(&by_name("beta")).await.unwrap().is_none());
    }

    async fn a_duplicate_name_names_the_unique_constraint(store: DynStore) {
        store.insert_connection(&row("alpha", "k1")).await.unwrap();
        match store.insert_connection(&row("alpha", "k1")).await {
            Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, "connection_name_key"),
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    async fn listing_is_by_name_after_a_position(store: DynStore) {
        for name in ["c", "a", "d", "b"] {
            store.insert_connection(&row(name, "k1")).await.unwrap();
        }
        let names = |rows: Vec<ConnectionRow>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(names(store.list_connections(None, 3).await.unwrap()), ["a", "b", "c"]);
        assert_eq!(names(store.list_connections(Some("b"), 10).await.unwrap()), ["c", "d"]);
        assert!(store.list_connections(Some("d"), 10).await.unwrap().is_empty());
    }

    async fn names_sort_bytewise_on_both_backends(store: DynStore) {
        for name in ["ab", "a_b", "a.b", "a-b", "a1"] {
            store.insert_connection(&row(name, "k1")).await.unwrap();
        }
        let names: Vec<String> = store.list_connections(None, 10).await.unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["a-b", "a.b", "a1", "a_b", "ab"]);
        let after: Vec<String> = store.list_connections(Some("a.b"), 10).await.unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(after, ["a1", "a_b", "ab"]);
    }

    async fn an_update_applies_only_at_the_expected_revision(store: DynStore) {
        let original = row("alpha", "k1");
        store.insert_connection(&original).await.unwrap();
        let mut changed = original.clone();
        changed.name = "renamed".into();
        changed.settings = json!({"b": [1, 2]});
        changed.credential_sealed = vec![9, 9];
        changed.credential_key_id = "k2".into();
        changed.credential_hint = None;
        changed.revision = 2;
        changed.updated_at = original.updated_at + Duration::seconds(5);
        assert!(store.update_connection(&changed, 1).await.unwrap());
        assert_eq!(store.get_connection(&ConnectionKey::Id(original.connection_id)).await.unwrap().unwrap(), changed);
        // A writer still holding revision 1 loses.
        assert!(!store.update_connection(&original, 1).await.unwrap());
    }

    async fn an_update_onto_a_taken_name_conflicts(store: DynStore) {
        store.insert_connection(&row("alpha", "k1")).await.unwrap();
        let beta = row("beta", "k1");
        store.insert_connection(&beta).await.unwrap();
        let mut clash = beta.clone();
        clash.name = "alpha".into();
        clash.revision = 2;
        assert!(matches!(store.update_connection(&clash, 1).await, Err(StoreError::Conflict { .. })));
    }

    async fn deleting_reports_whether_anything_was_deleted(store: DynStore) {
        let alpha = row("alpha", "k1");
        store.insert_connection(&alpha).await.unwrap();
        assert!(store.delete_connection(alpha.connection_id).await.unwrap());
        assert!(!store.delete_connection(alpha.connection_id).await.unwrap());
        assert!(store.get_connection(&ConnectionKey::Id(alpha.connection_id)).await.unwrap().is_none());
    }

    async fn key_usage_and_rotation_candidates_are_reported(store: DynStore) {
        let mut old = Vec::new();
        for i in 0..5 {
            let r = row(&format!("old-{i}"), "k1");
            old.push(r.connection_id);
            store.insert_connection(&r).await.unwrap();
        }
        store.insert_connection(&row("new", "k2")).await.unwrap();
        assert_eq!(
            store.credential_key_usage().await.unwrap(),
            [KeyUsage { key_id: "k1".into(), connections: 5 }, KeyUsage { key_id: "k2".into(), connections: 1 }]
        );
        let first = store.connections_not_sealed_with("k2", None, 3).await.unwrap();
        let rest = store.connections_not_sealed_with("k2", Some(first[2].connection_id), 3).await.unwrap();
        let ids: Vec<Uuid> = first.iter().chain(&rest).map(|r| r.connection_id).collect();
        old.sort();
        assert_eq!(ids, old);
    }

    async fn the_store_answers_pings(store: DynStore) {
        store.ping().await.unwrap();
    }

    async fn claims_take_lapsed_items_then_pending_ones_in_order_one_phase_at_a_time(store: DynStore) {
        let connection = row("alpha", "k1");
        store.insert_connection(&connection).await.unwrap();
        let now = store::now();
        // A finished run's items are never handed out.
        let old = sync_run(connection.connection_id, Some(now));
        let done: Vec<SyncItem> = (0..50).map(|seq| sync_item(old.run_id, seq, ItemChange::Deactivate, ItemStatus::Done)).collect();
        store.insert_run(&old, &done).await.unwrap();
        // Five account changes (phase 0), then two membership changes (phase 1).
        let open = sync_run(connection.connection_id, None);
        let members = || ItemChange::AddMembers(MembersPayload {
            group: GroupTarget { id: Some("g1".into()), display_name: "g".into() },
            members: vec![],
        });
        let items: Vec<SyncItem> = (0..5)
            .map(|seq| sync_item(open.run_id, seq, ItemChange::Deactivate, ItemStatus::Pending))
            .chain((5..7).map(|seq| sync_item(open.run_id, seq, members(), ItemStatus::Pending)))
            .collect();
        store.insert_run(&open, &items).await.unwrap();
        let seqs = |claimed: Vec<store::ClaimedItem>| -> Vec<(i32, i32)> {
            claimed.into_iter().map(|c| c.unwrap()).map(|i| (i.seq, i.attempts)).collect()
        };
        let lease = Duration::seconds(30);

        let first = store.claim_items("w1", now, now + lease, 2).await.unwrap();
        assert_eq!(seqs(first), [(0, 1), (1, 1)]);
        // w1 died: once its leases lapse, its items go first, then the next pending one.
        let later = now + lease + Duration::seconds(1);
        let second = store.claim_items("w2", later, later + lease, 3).await.unwrap();
        assert_eq!(seqs(second), [(0, 2), (1, 2), (2, 1)]);
        // The memberships wait while any account change of their run is open.
        let third = store.claim_items("w2", later, later + lease, 10).await.unwrap();
        assert_eq!(seqs(third), [(3, 1), (4, 1)]);
        for seq in 0..5 {
            assert!(store.finish_item(open.run_id, seq, "w2", &ItemOutcome {
                status: ItemStatus::Done, user_id: None, error_code: None, error_detail: None,
            }, later).await.unwrap());
        }
        let fourth = store.claim_items("w2", later, later + lease, 10).await.unwrap();
        assert_eq!(seqs(fourth), [(5, 1), (6, 1)]);
        assert!(store.claim_items("w3", later, later + lease, 10).await.unwrap().is_empty());
    }
}

fn sync_run(connection_id: Uuid, finished_at: Option<chrono::DateTime<chrono::Utc>>) -> SyncRun {
    SyncRun {
        run_id: Uuid::now_v7(),
        connection_id,
        plan_id: None,
        totals: json!({}),
        api_key_id: None,
        request_id: None,
        created_at: store::now(),
        finished_at,
    }
}

fn sync_item(run_id: Uuid, seq: i32, change: ItemChange, status: ItemStatus) -> SyncItem {
    SyncItem {
        run_id,
        seq,
        change,
        external_id: Some(format!("E-{seq}")),
        user_id: Some(format!("u{seq}")),
        user_name: None,
        status,
        attempts: 0,
        error_code: None,
        error_detail: None,
        updated_at: store::now(),
    }
}
