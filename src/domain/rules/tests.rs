use serde_json::json;

use super::*;

fn fields(errors: FieldErrors) -> Vec<String> {
    errors.into_vec().into_iter().map(|e| e.field).collect()
}

#[test]
fn nested_conditions_evaluate_over_the_person() {
    let rules = Rules::parse(&json!({"eligibility": {"all": [
        {"attribute": "attributes.employment_status", "in": ["active", "on_leave"]},
        {"any": [
            {"attribute": "attributes.department", "equals": "Sales"},
            {"attribute": "attributes.location", "starts_with": "London"},
            {"not": {"attribute": "attributes.contractor", "exists": true}}
        ]}
    ]}}))
    .unwrap();
    let condition = rules.eligibility.unwrap();
    let person = |status: &str, department: &str, contractor: bool| {
        let mut attributes =
            json!({"employment_status": status, "department": department, "location": "Paris"});
        if contractor {
            attributes["contractor"] = json!(true);
        }
        json!({"user_name": "a", "attributes": attributes})
    };
    assert!(condition.matches(&person("active", "Sales", true)));
    assert!(condition.matches(&person("on_leave", "Ops", false)));
    assert!(!condition.matches(&person("active", "Ops", true)));
    assert!(!condition.matches(&person("terminated", "Sales", false)));
}

#[test]
fn faults_are_named_by_their_path() {
    let errors = Rules::parse(&json!({
        "eligibility": {"all": [
            {"attribute": "attributes.a", "equals": 1},
            {"attribute": "attributes.b", "in": "not-a-list"},
            {"any": [{"attribute": "attributes.c", "matches": "x"}]},
            {"equals": 3}
        ]},
        "mapping": {"title": {"from": "attributes.job_title", "transform": ["shout"]}, "favourite_colour": {"value": "red"},
                    "user_name": {"template": "{given_name"}},
        "match_order": ["external_id", "phone"],
        "deprovision_limit": {"percent": 140},
        "colour": true
    }))
    .unwrap_err();
    assert_eq!(
        fields(errors),
        [
            "colour",
            "eligibility.all[1].in",
            "eligibility.all[2].any[0].matches",
            "eligibility.all[3].attribute",
            "mapping.favourite_colour",
            "mapping.title.transform[0]",
            "mapping.user_name.template",
            "match_order[1]",
            "deprovision_limit.percent",
        ]
    );
}

#[test]
fn mappings_read_paths_fill_templates_and_transform() {
    let rules = Rules::parse(&json!({"mapping": {
        "user_name": {"template": "{given_name}.{family_name}@example.com", "transform": ["lower", "trim"]},
        "title": {"from": "attributes.job_title"},
        "organization": {"value": "Acme"},
        "extensions.urn:8x8:scim:schemas:extension:8x8user:2.0:User.site": {"from": "attributes.location", "transform": "upper"}
    }}))
    .unwrap();
    let person = json!({"name": {"given_name": "Ada", "family_name": "Lovelace "}, "attributes": {"job_title": "Analyst", "location": "london"}});
    let mapped: Vec<(String, Result<Value, String>)> = rules
        .mapping_rules()
        .into_iter()
        .map(|(target, rule)| (target, rule.apply(&person)))
        .collect();
    assert!(mapped.contains(&("user_name".into(), Ok(json!("ada.lovelace @example.com")))));
    assert!(mapped.contains(&("title".into(), Ok(json!("Analyst")))));
    assert!(mapped.contains(&("organization".into(), Ok(json!("Acme")))));
    assert!(mapped.contains(&(
        "extensions.urn:8x8:scim:schemas:extension:8x8user:2.0:User.site".into(),
        Ok(json!("LONDON"))
    )));
    let missing = rules
        .mapping_rules()
        .into_iter()
        .find(|(t, _)| t == "title")
        .unwrap()
        .1;
    assert_eq!(
        missing.apply(&json!({"attributes": {}})),
        Err("attributes.job_title".into())
    );
}

#[test]
fn defaults_match_by_id_then_name_then_email_with_a_ten_percent_limit() {
    let rules = Rules::parse(&json!({})).unwrap();
    assert_eq!(rules, Rules::default());
    assert_eq!(
        rules.match_order,
        [MatchKey::ExternalId, MatchKey::UserName, MatchKey::Email]
    );
    assert!(rules.is_leaving("Terminated"));
    let round_trip = Rules::parse(&serde_json::to_value(&rules).unwrap()).unwrap();
    assert_eq!(round_trip, rules);
}

#[test]
fn deep_nesting_is_refused_not_followed() {
    let mut condition = json!({"attribute": "a", "exists": true});
    for _ in 0..40 {
        condition = json!({"not": condition});
    }
    assert!(Rules::parse(&json!({"eligibility": condition})).is_err());
}
