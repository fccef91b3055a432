use serde_json::json;

use super::*;

fn full_user() -> UserFields {
    serde_json::from_value(json!({
        "user_name": "ada@example.com",
        "external_id": "E-1",
        "name": {"given_name": "Ada", "family_name": "Lovelace"},
        "title": "Analyst",
        "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
        "phone_numbers": [{"value": "+441234567890", "type": "mobile"}],
        "department": "Engines",
        "manager_id": "m-1",
        "extensions": {"urn:example:ext:2.0:User": {"badge": "42"}}
    }))
    .unwrap()
}

#[test]
fn a_user_maps_to_the_standard_scim_shape() {
    let resource = to_scim(&full_user(), Dialect::STANDARD);
    assert_eq!(
        Value::Object(resource),
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER, "urn:example:ext:2.0:User"],
            "userName": "ada@example.com",
            "active": true,
            "externalId": "E-1",
            "title": "Analyst",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
            "phoneNumbers": [{"value": "+441234567890", "type": "mobile"}],
            ENTERPRISE_USER: {"department": "Engines", "manager": {"value": "m-1"}},
            "urn:example:ext:2.0:User": {"badge": "42"}
        })
    );
}

#[test]
fn a_scim_resource_maps_back_to_the_same_user() {
    let mut resource = to_scim(&full_user(), Dialect::STANDARD);
    resource.insert("id".into(), json!("u-1"));
    resource.insert(
        "meta".into(),
        json!({"created": "2026-01-02T03:04:05Z", "lastModified": "2026-01-03T00:00:00.5Z"}),
    );
    let user = from_scim(&resource).unwrap();
    assert_eq!(user.id, "u-1");
    assert_eq!(user.fields, full_user());
    assert_eq!(
        user.created_at.unwrap().to_rfc3339(),
        "2026-01-02T03:04:05+00:00"
    );
    assert!(user.updated_at.is_some());
}

#[test]
fn reading_tolerates_numeric_ids_string_booleans_and_manager_id() {
    let resource = json!({"id": 17, "userName": "x", "active": "False",
        ENTERPRISE_USER: {"manager": {"managerId": "boss"}}});
    let user = from_scim(resource.as_object().unwrap()).unwrap();
    assert_eq!(user.id, "17");
    assert!(!user.fields.active);
    assert_eq!(user.fields.manager_id.as_deref(), Some("boss"));
}

#[test]
fn a_resource_without_id_or_user_name_is_refused() {
    assert!(from_scim(json!({"userName": "x"}).as_object().unwrap()).is_err());
    assert!(from_scim(json!({"id": "1"}).as_object().unwrap()).is_err());
}

#[test]
fn a_merge_patch_becomes_replace_and_remove_operations() {
    let patch: UserPatch = serde_json::from_value(json!({
        "active": false,
        "name": {"given_name": "Ann", "middle_name": null},
        "title": null,
        "department": "Ops",
        "manager_id": "m-2",
        "emails": [{"value": "ann@example.com"}],
        "extensions": {"urn:example:ext:2.0:User": {"badge": null, "floor": 3}}
    }))
    .unwrap();
    let ops: Vec<Value> = operations(
        &patch,
        Dialect {
            manager_key: "managerId",
        },
    )
    .into_iter()
    .map(|op| serde_json::to_value(op).unwrap())
    .collect();
    assert_eq!(
        ops,
        [
            json!({"op": "replace", "path": "active", "value": false}),
            json!({"op": "replace", "path": "name.givenName", "value": "Ann"}),
            json!({"op": "remove", "path": "name.middleName"}),
            json!({"op": "remove", "path": "title"}),
            json!({"op": "replace", "path": format!("{ENTERPRISE_USER}:department"), "value": "Ops"}),
            json!({"op": "replace", "path": format!("{ENTERPRISE_USER}:manager"), "value": {"managerId": "m-2"}}),
            json!({"op": "replace", "path": "emails", "value": [{"value": "ann@example.com"}]}),
            json!({"op": "remove", "path": "urn:example:ext:2.0:User:badge"}),
            json!({"op": "replace", "path": "urn:example:ext:2.0:User:floor", "value": 3}),
        ]
    );
}

#[test]
fn every_attribute_a_user_is_written_with_is_asked_for_when_reading_it_back() {
    let mut user = serde_json::to_value(full_user()).unwrap();
    for (field, _, _) in TEXT_ATTRIBUTES {
        user[field] = json!("x");
    }
    let user: UserFields = serde_json::from_value(user).unwrap();
    let resource = to_scim(&user, Dialect::STANDARD);
    let asked = read_attributes(&["urn:example:ext:2.0:User"]);
    for key in resource.keys().filter(|k| *k != "schemas") {
        assert!(asked.contains(&key.as_str()), "{key} is not asked for");
    }
    for read in ["groups", "meta"] {
        assert!(asked.contains(&read), "{read}");
    }
}
