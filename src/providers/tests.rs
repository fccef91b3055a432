use serde_json::json;

use super::*;

fn draft(url: Option<&str>, kind: CredentialKind, settings: Value) -> ConnectionDraft {
    ConnectionDraft {
        instance_url: url.map(str::to_owned),
        credential_kind: Some(kind),
        settings: settings.as_object().cloned().unwrap_or_default(),
    }
}

fn fields(errors: FieldErrors) -> Vec<String> {
    errors.into_vec().into_iter().map(|e| e.field).collect()
}

#[test]
fn workplace_defaults_to_the_meta_scim_host() {
    let resolved = resolve_connection(
        ProviderKind::Workplace,
        draft(None, CredentialKind::Bearer, json!({})),
    )
    .unwrap();
    assert_eq!(
        resolved.instance_url.as_str(),
        "https://scim.workplace.com/"
    );
}

#[test]
fn workplace_refuses_basic_credentials() {
    let errors = resolve_connection(
        ProviderKind::Workplace,
        draft(None, CredentialKind::Basic, json!({})),
    )
    .unwrap_err();
    assert_eq!(fields(errors), ["credentials.type"]);
}

#[test]
fn a_generic_scim_connection_needs_an_instance_url() {
    let errors = resolve_connection(
        ProviderKind::Scim,
        draft(None, CredentialKind::Bearer, json!({})),
    )
    .unwrap_err();
    assert_eq!(fields(errors), ["instance_url"]);
}

#[test]
fn a_pasted_users_endpoint_is_trimmed_to_the_base_url() {
    let resolved = resolve_connection(
        ProviderKind::Scim,
        draft(
            Some("https://app.example.com/scim/v2/Users/"),
            CredentialKind::Bearer,
            json!({}),
        ),
    )
    .unwrap();
    assert_eq!(
        resolved.instance_url.as_str(),
        "https://app.example.com/scim/v2"
    );
}

#[test]
fn interact_completes_the_scim_path_and_normalises_the_login_type() {
    let resolved = resolve_connection(
        ProviderKind::Interact,
        draft(
            Some("https://intranet.example.com"),
            CredentialKind::Bearer,
            json!({"login_type": "local login"}),
        ),
    )
    .unwrap();
    assert_eq!(
        resolved.instance_url.as_str(),
        "https://intranet.example.com/api/v2/scim/v2"
    );
    assert_eq!(resolved.settings.get_str("login_type"), Some("Local Login"));
}

#[test]
fn interact_requires_a_known_login_type() {
    let errors = resolve_connection(
        ProviderKind::Interact,
        draft(
            Some("https://intranet.example.com/api/v2/scim/v2"),
            CredentialKind::Bearer,
            json!({"login_type": "magic"}),
        ),
    )
    .unwrap_err();
    assert_eq!(fields(errors), ["settings.login_type"]);
}

#[test]
fn eight_by_eight_takes_the_customer_id_from_a_pasted_url() {
    let resolved = resolve_connection(
        ProviderKind::EightByEight,
        draft(
            Some("https://platform.8x8.com/udi/customers/0012abc/scim/v2/Users"),
            CredentialKind::ApiKey,
            json!({}),
        ),
    )
    .unwrap();
    assert_eq!(
        resolved.instance_url.as_str(),
        "https://platform.8x8.com/udi/customers/0012abc/scim/v2"
    );
    assert_eq!(resolved.settings.get_str("customer_id"), Some("0012abc"));
}

#[test]
fn eight_by_eight_builds_the_url_from_a_customer_id_setting() {
    let resolved = resolve_connection(
        ProviderKind::EightByEight,
        draft(None, CredentialKind::Bearer, json!({"customer_id": "c-42"})),
    )
    .unwrap();
    assert_eq!(
        resolved.instance_url.as_str(),
        "https://platform.8x8.com/udi/customers/c-42/scim/v2"
    );
}

#[test]
fn eight_by_eight_needs_a_customer_id_and_refuses_a_contradiction() {
    let missing = resolve_connection(
        ProviderKind::EightByEight,
        draft(None, CredentialKind::ApiKey, json!({})),
    )
    .unwrap_err();
    assert_eq!(fields(missing), ["settings.customer_id"]);
    let contradicting = resolve_connection(
        ProviderKind::EightByEight,
        draft(
            Some("https://platform.8x8.com/udi/customers/aaa/scim/v2"),
            CredentialKind::ApiKey,
            json!({"customer_id": "bbb"}),
        ),
    )
    .unwrap_err();
    assert_eq!(fields(contradicting), ["settings.customer_id"]);
}

#[test]
fn unknown_settings_are_named() {
    let errors = resolve_connection(
        ProviderKind::Workiva,
        draft(
            Some("https://h.example.com/scim"),
            CredentialKind::Basic,
            json!({"colour": "red"}),
        ),
    )
    .unwrap_err();
    assert_eq!(fields(errors), ["settings.colour"]);
}

#[test]
fn a_url_ending_in_multibyte_characters_is_judged_not_sliced() {
    for url in ["https://x.com/€€x", "https://x.com/ü", "€", "/Users"] {
        let _ = resolve_connection(
            ProviderKind::Scim,
            draft(Some(url), CredentialKind::Bearer, json!({})),
        );
    }
    assert_eq!(
        trim_users_endpoint("https://x.com/a€/Users"),
        "https://x.com/a€"
    );
}

#[test]
fn every_registered_provider_is_found_by_its_kind_and_catalogued_by_its_behaviour() {
    for (kind, profile) in &REGISTRY {
        let found = provider(*kind);
        assert!(
            std::ptr::eq(found.descriptor(), profile.descriptor()),
            "{kind}"
        );
        let said = capabilities(found);
        let puts_attribute_changes = matches!(
            found.patch_support(),
            PatchSupport::ActiveOnly | PatchSupport::None
        );
        assert_eq!(
            said.update == UpdateStrategy::Put,
            puts_attribute_changes,
            "{kind}"
        );
        assert_eq!(said.delete, found.delete_refusal().is_none(), "{kind}");
    }
}

/// Every provider asks for what it writes: a user cut down to the attributes
/// it names (a PATCH's answer) still holds each attribute a new user carries.
#[test]
fn every_provider_names_each_attribute_its_new_users_carry() {
    let user: UserFields = serde_json::from_value(json!({
        "user_name": "ada@example.com", "external_id": "E-1", "display_name": "Ada",
        "name": {"given_name": "Ada", "family_name": "Lovelace"}, "title": "Analyst",
        "emails": [{"value": "ada@example.com"}], "phone_numbers": [{"value": "+44"}],
        "department": "Engines", "manager_id": "m-1",
    }))
    .unwrap();
    for kind in ProviderKind::ALL {
        let profile = provider(kind);
        let connection = Connection {
            id: uuid::Uuid::nil(),
            name: crate::domain::ConnectionName::parse("hr").unwrap(),
            provider: kind,
            instance_url: InstanceUrl::parse("https://scim.example.com/v2").unwrap(),
            settings: ConnectionSettings::default(),
            credentials: crate::domain::CredentialSummary {
                kind: CredentialKind::Bearer,
                hint: None,
            },
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            revision: 1,
            profile: Default::default(),
        };
        let asked = profile.user_attributes();
        for key in profile.user_resource(&user, &connection).keys() {
            assert!(
                key == "schemas" || asked.contains(&key.as_str()),
                "{kind}: {key}"
            );
        }
    }
}
