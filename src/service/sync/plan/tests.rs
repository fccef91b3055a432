use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::{
    domain::{
        ConnectionName, ConnectionSettings, CredentialKind, CredentialSummary, InstanceUrl,
        ProviderKind, User,
    },
    providers::provider,
};

fn connection() -> Connection {
    Connection {
        id: Uuid::nil(),
        name: ConnectionName::parse("hr").unwrap(),
        provider: ProviderKind::Scim,
        instance_url: InstanceUrl::parse("https://scim.example.com/v2").unwrap(),
        settings: ConnectionSettings::default(),
        credentials: CredentialSummary {
            kind: CredentialKind::Bearer,
            hint: None,
        },
        created_at: Utc::now(),
        updated_at: Utc::now(),
        revision: 1,
        profile: Default::default(),
    }
}

fn person(external_id: &str, user_name: &str, extra: serde_json::Value) -> Person {
    let mut value = json!({"external_id": external_id, "user_name": user_name});
    for (k, v) in extra.as_object().unwrap() {
        value[k] = v.clone();
    }
    serde_json::from_value(value).unwrap()
}

fn account(
    id: &str,
    external_id: Option<&str>,
    user_name: &str,
    active: bool,
    title: &str,
) -> User {
    User {
        id: id.into(),
        fields: serde_json::from_value(json!({"external_id": external_id, "user_name": user_name, "active": active, "title": title}))
            .unwrap(),
        groups: Vec::new(),
        created_at: None,
        updated_at: None,
    }
}

fn managed(id: &str, external_id: &str) -> ManagedAccount {
    ManagedAccount {
        user_id: id.into(),
        external_id: Some(external_id.into()),
    }
}

fn run(people: &[Person], accounts: &[User], links: &[ManagedAccount], adopt: bool) -> Plan {
    run_with(&Rules::default(), people, accounts, links, adopt)
}

fn run_with(
    rules: &Rules,
    people: &[Person],
    accounts: &[User],
    links: &[ManagedAccount],
    adopt: bool,
) -> Plan {
    let connection = connection();
    let people = People::collect(people.iter().cloned());
    let accounts: Accounts = accounts.iter().collect();
    let plan = plan(&PlanInput {
        people: &people,
        accounts: &accounts,
        managed: links,
        rules,
        deprovision: Deprovision::Deactivate,
        adopt,
        profile: provider(ProviderKind::Scim),
        connection: &connection,
        groups: &Default::default(),
        app: Default::default(),
    });
    // What a run applies is exactly what the plan says changes.
    for item in &plan.items {
        assert_eq!(
            item.change.as_deref().map(ItemChange::action),
            item.action.is_change().then_some(item.action),
        );
    }
    plan
}

fn action_of(plan: &Plan, external_id: &str) -> Action {
    plan.items
        .iter()
        .find(|i| i.external_id.as_deref() == Some(external_id))
        .unwrap()
        .action
}

#[test]
fn every_kind_of_change_is_planned() {
    let accounts = [
        account("u1", Some("E1"), "same", true, "Analyst"),
        account("u2", Some("E2"), "changed", true, "Analyst"),
        account("u3", Some("E3"), "leaver", true, "Analyst"),
        account("u4", Some("E4"), "terminated", true, "Analyst"),
        account("u5", Some("E5"), "rehire", false, "Analyst"),
        account("u6", None, "orphan", true, "Analyst"),
    ];
    let links = ["E1", "E2", "E3", "E4", "E5"].map(|e| managed(&format!("u{}", &e[1..]), e));
    let people = [
        person("E1", "same", json!({"title": "Analyst"})),
        person("E2", "changed", json!({"title": "Lead"})),
        person(
            "E4",
            "terminated",
            json!({"attributes": {"employment_status": "Terminated"}}),
        ),
        person("E5", "rehire", json!({"title": "Analyst"})),
        person("E6", "new", json!({"title": "Analyst"})),
    ];
    let plan = run(&people, &accounts, &links, false);
    assert_eq!(action_of(&plan, "E1"), Action::Unchanged);
    assert_eq!(action_of(&plan, "E2"), Action::Update);
    assert_eq!(
        action_of(&plan, "E3"),
        Action::Deactivate,
        "absent from the HR data"
    );
    assert_eq!(
        action_of(&plan, "E4"),
        Action::Deactivate,
        "a leaving status"
    );
    assert_eq!(action_of(&plan, "E5"), Action::Reactivate);
    assert_eq!(action_of(&plan, "E6"), Action::Create);
    let totals = &plan.totals;
    assert_eq!(
        (
            totals.create,
            totals.update,
            totals.deactivate,
            totals.reactivate,
            totals.unchanged,
            totals.conflict,
            totals.orphans
        ),
        (1, 1, 2, 1, 1, 0, 1)
    );
    let update = plan
        .items
        .iter()
        .find(|i| i.action == Action::Update)
        .unwrap();
    assert_eq!(
        update.changes,
        [Change {
            field: "title".into(),
            before: json!("Analyst"),
            after: json!("Lead")
        }]
    );
    assert_eq!(plan.orphans[0].user_id, "u6");
}

#[test]
fn unmanaged_accounts_are_matched_by_user_name_or_email_but_never_deprovisioned_unclaimed() {
    let accounts = [
        account("u1", None, "ada@example.com", true, "A"),
        account("u2", None, "someone-else", true, "A"),
    ];
    let people = [person("E1", "ADA@example.com", json!({"title": "A"}))];
    let plan = run(&people, &accounts, &[], false);
    let item = &plan.items[0];
    assert_eq!(
        (item.action, item.user_id.as_deref()),
        (Action::Update, Some("u1")),
        "external_id is stamped"
    );
    assert_eq!(plan.totals.deactivate, 0);
    assert_eq!(plan.orphans.len(), 1);
    // Adopting deprovisions the orphan.
    let adopted = run(&people, &accounts, &[], true);
    assert_eq!(adopted.totals.deactivate, 1);
}

#[test]
fn ambiguous_and_contested_matches_are_conflicts() {
    let accounts = [
        account("u1", None, "twin", true, "A"),
        account("u2", Some("X"), "TWIN", true, "A"),
        account("u3", Some("E9"), "taken", true, "A"),
    ];
    let links = [managed("u3", "E9")];
    let people = [
        person("E1", "twin", json!({})),
        person("E2", "taken", json!({})),
    ];
    let plan = run(&people, &accounts, &links, false);
    assert_eq!(action_of(&plan, "E1"), Action::Conflict);
    assert!(
        plan.items[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("2 accounts match by user_name")
    );
    assert_eq!(action_of(&plan, "E2"), Action::Conflict);
    assert!(
        plan.items[1]
            .reason
            .as_deref()
            .unwrap()
            .contains("managed for external_id E9")
    );
}

#[test]
fn a_second_plan_after_applying_is_all_unchanged() {
    let accounts = [account("u1", Some("E1"), "ada", true, "Lead")];
    let people = [person("E1", "ada", json!({"title": "Lead"}))];
    let plan = run(&people, &accounts, &[managed("u1", "E1")], false);
    assert_eq!(plan.totals.unchanged, 1);
    assert_eq!(plan.totals.people, 1);
    assert_eq!(
        fingerprint(&plan),
        fingerprint(&run(&people, &accounts, &[managed("u1", "E1")], false))
    );
}

#[test]
fn only_accounts_matched_to_people_are_marked_for_linking() {
    let people = [
        person("E-1", "ada@example.com", json!({"title": "Analyst"})),
        person("E-2", "bob@example.com", json!({})),
    ];
    let accounts = [
        account("u1", Some("E-1"), "ada@example.com", true, "Analyst"),
        account("u9", None, "stray@example.com", true, ""),
        account("u8", Some("E-8"), "gone@example.com", true, ""),
    ];
    let plan = run(&people, &accounts, &[managed("u8", "E-8")], true);
    let matched: Vec<(Option<&str>, Action, bool)> = plan
        .items
        .iter()
        .map(|i| (i.user_id.as_deref(), i.action, i.matched))
        .collect();
    assert_eq!(
        matched,
        [
            (Some("u1"), Action::Unchanged, true),
            (None, Action::Create, false),
            (Some("u8"), Action::Deactivate, false),
            (Some("u9"), Action::Deactivate, false),
        ]
    );
}

fn item<'p>(plan: &'p Plan, user_id: &str) -> &'p PlanItem {
    plan.items
        .iter()
        .find(|i| i.user_id.as_deref() == Some(user_id))
        .unwrap_or_else(|| panic!("no item for {user_id}: {:?}", plan.items))
}

#[test]
fn matching_looks_for_the_account_the_mapping_describes() {
    let rules = Rules::parse(&json!({
        "mapping": {"email": {"template": "{given_name}.{family_name}@example.com", "transform": "lower"}},
        "match_order": ["external_id", "email"]
    }))
    .unwrap();
    let mut existing = account("u1", None, "ada", true, "");
    existing.fields.emails = serde_json::from_value(
        json!([{"value": "ada.lovelace@example.com", "type": "work", "primary": true}]),
    )
    .unwrap();
    let people = [person(
        "E1",
        "ada",
        json!({"name": {"given_name": "Ada", "family_name": "Lovelace"}}),
    )];
    let plan = run_with(&rules, &people, &[existing], &[], false);
    // Matched (and completed with what the app lacks), not created beside it.
    assert_eq!(item(&plan, "u1").action, Action::Update, "{plan:?}");
    assert_eq!(plan.totals.create, 0);
    assert!(plan.orphans.is_empty());
}

#[test]
fn accounts_caught_up_in_a_conflict_are_never_deprovisioned() {
    // HR re-keyed a person from E2 to E1: their account is managed for E2.
    let accounts = [account("u1", Some("E2"), "ada", true, "")];
    let plan = run(
        &[person("E1", "ada", json!({}))],
        &accounts,
        &[managed("u1", "E2")],
        true,
    );
    assert_eq!(action_of(&plan, "E1"), Action::Conflict);
    assert!(
        plan.items.iter().all(|i| i.action != Action::Deactivate),
        "{plan:?}"
    );

    // Two accounts match one person's user name: neither is touched, even adopted.
    let accounts = [
        account("u1", None, "bob", true, ""),
        account("u2", None, "BOB", true, ""),
    ];
    let plan = run(
        &[person("E3", "bob", json!({}))],
        &accounts,
        &[managed("u1", "E9")],
        true,
    );
    assert_eq!(action_of(&plan, "E3"), Action::Conflict);
    assert!(
        plan.items.iter().all(|i| i.action != Action::Deactivate),
        "{plan:?}"
    );
}

#[test]
fn a_leaver_matched_to_an_unmanaged_account_is_deprovisioned_only_when_adopted() {
    let accounts = [account("u1", None, "ada", true, "")];
    let leaver = [person(
        "E1",
        "ada",
        json!({"attributes": {"employment_status": "terminated"}}),
    )];
    let plan = run(&leaver, &accounts, &[], false);
    let left = item(&plan, "u1");
    assert_eq!(left.action, Action::Unchanged);
    assert!(
        !left.matched,
        "not linked either: linking would deprovision it next time"
    );
    assert!(
        left.reason.as_deref().unwrap().contains("adopt"),
        "{left:?}"
    );
    let adopted = run(&leaver, &accounts, &[], true);
    assert_eq!(item(&adopted, "u1").action, Action::Deactivate);
}

#[test]
fn an_adopted_orphan_is_not_linked_to_the_external_id_it_carries() {
    // u2 is a stray duplicate carrying E1, which is u1's person.
    let accounts = [
        account("u1", Some("E1"), "ada", true, ""),
        account("u2", Some("E1"), "ada.old", true, ""),
    ];
    let plan = run(
        &[person("E1", "ada", json!({}))],
        &accounts,
        &[managed("u1", "E1")],
        true,
    );
    let orphan = item(&plan, "u2");
    assert_eq!(orphan.action, Action::Deactivate);
    assert_eq!(orphan.external_id, None);
    assert_eq!(item(&plan, "u1").action, Action::Unchanged);
}

#[test]
fn creates_that_would_collide_on_user_name_are_conflicts() {
    let accounts = [account("u1", Some("E9"), "taken", true, "")];
    let rules = Rules::parse(&json!({"match_order": ["external_id"]})).unwrap();
    let people = [
        person("E1", "smith", json!({})),
        person("E2", "SMITH", json!({})),
        person("E3", "taken", json!({})),
        person("E4", "fine", json!({})),
    ];
    let plan = run_with(&rules, &people, &accounts, &[], false);
    assert_eq!(action_of(&plan, "E1"), Action::Conflict);
    assert_eq!(action_of(&plan, "E2"), Action::Conflict);
    assert_eq!(action_of(&plan, "E3"), Action::Conflict);
    assert_eq!(action_of(&plan, "E4"), Action::Create);
    let e1 = plan
        .items
        .iter()
        .find(|i| i.external_id.as_deref() == Some("E1"))
        .unwrap();
    assert!(e1.reason.as_deref().unwrap().contains("E2"), "{e1:?}");
}

#[test]
fn a_create_shows_every_field_it_sets_and_the_fingerprint_covers_them() {
    let people = [person("E1", "ada", json!({"title": "Analyst"}))];
    let plan = run(&people, &[], &[], false);
    let create = &plan.items[0];
    assert_eq!(create.action, Action::Create);
    assert!(create.changes.contains(&Change {
        field: "title".into(),
        before: json!(null),
        after: json!("Analyst")
    }));
    let other = run(
        &[person("E1", "ada", json!({"title": "Lead"}))],
        &[],
        &[],
        false,
    );
    assert_ne!(fingerprint(&plan), fingerprint(&other));
}

#[test]
fn the_fingerprint_ignores_the_order_accounts_and_links_come_in() {
    let accounts = [
        account("u1", Some("E1"), "a", true, "x"),
        account("u2", Some("E2"), "b", true, "x"),
    ];
    let links = [managed("u1", "E1"), managed("u2", "E2")];
    let people = [person("E3", "c", json!({}))];
    let forward = run(&people, &accounts, &links, false);
    let (mut accounts_reversed, mut links_reversed) = (accounts.to_vec(), links.to_vec());
    accounts_reversed.reverse();
    links_reversed.reverse();
    let backward = run(&people, &accounts_reversed, &links_reversed, false);
    assert_eq!(fingerprint(&forward), fingerprint(&backward));
}

#[test]
fn a_reactivation_shows_active_false_to_true_as_a_deactivation_shows_its_way() {
    let accounts = [
        account("u1", Some("E1"), "rehire", false, "Analyst"),
        account("u2", Some("E2"), "leaver", true, "Analyst"),
    ];
    let links = [managed("u1", "E1"), managed("u2", "E2")];
    let people = [person("E1", "rehire", json!({"title": "Lead"}))];
    let plan = run(&people, &accounts, &links, false);
    let active = |before: bool, after: bool| Change {
        field: "active".into(),
        before: json!(before),
        after: json!(after),
    };
    assert_eq!(item(&plan, "u1").action, Action::Reactivate);
    assert_eq!(item(&plan, "u1").changes[0], active(false, true));
    assert!(item(&plan, "u1").changes.iter().any(|c| c.field == "title"));
    assert_eq!(item(&plan, "u2").changes, [active(true, false)]);
}
