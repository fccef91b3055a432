use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::{
    domain::{
        ConnectionName, ConnectionSettings, CredentialKind, CredentialSummary, InstanceUrl,
        ProviderKind,
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
        created_at: None,
        updated_at: None,
    }
}

fn managed(id: &str, external_id: &str) -> ManagedUserRow {
    ManagedUserRow {
        connection_id: Uuid::nil(),
        provider_user_id: id.into(),
        external_id: Some(external_id.into()),
        user_name: id.into(),
        applied_hash: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn run(people: &[Person], accounts: &[User], links: &[ManagedUserRow], adopt: bool) -> Plan {
    let rules = Rules::default();
    let connection = connection();
    plan(&PlanInput {
        people,
        accounts,
        managed: links,
        rules: &rules,
        deprovision: Deprovision::Deactivate,
        adopt,
        profile: provider(ProviderKind::Scim),
        connection: &connection,
    })
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
