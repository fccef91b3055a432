//! A request-body example for every operation that takes a body: what Swagger
//! UI fills in, what schemathesis sends first, and what a reader copies. Kept
//! in one table so they read as one walk-through (hire Ada on `acme-scim`).

use serde_json::{Value, json};
use utoipa::openapi::path::Operation;

use super::conventions::set_body_example;

/// The example for `method path`, if its body has one.
fn example(method: &str, path: &str) -> Option<Value> {
    let example = match (method, path) {
        ("post", "/v1/connections") => json!({
            "name": "acme-scim",
            "provider": "scim",
            "instance_url": "https://scim.example.com/scim/v2",
            "credentials": {"type": "bearer", "token": "scim-token-from-the-app"}
        }),
        ("patch", "/v1/connections/{connection}") => json!({
            "credentials": {"type": "bearer", "token": "the-rotated-scim-token"}
        }),
        ("post", "/v1/connections/{connection}/test") => json!({"write": false}),
        ("post", "/v1/connections/{connection}/users") => json!({
            "user_name": "ada.lovelace@example.com",
            "external_id": "E-1815",
            "name": {"given_name": "Ada", "family_name": "Lovelace"},
            "emails": [{"value": "ada.lovelace@example.com", "type": "work", "primary": true}],
            "title": "Analyst"
        }),
        ("patch", "/v1/connections/{connection}/users/{user_id}") => {
            json!({"title": "Lead Analyst", "nick_name": null})
        }
        ("post", "/v1/connections/{connection}/groups") => {
            json!({"display_name": "Analysts", "external_id": "team-analysts"})
        }
        ("patch", "/v1/connections/{connection}/groups/{group_id}") => {
            json!({"display_name": "Lead analysts"})
        }
        ("post", "/v1/connections/{connection}/groups/{group_id}/members") => {
            json!({"add": ["2819c223-7f76-453a-919d-413861904646"], "remove": []})
        }
        ("put", "/v1/connections/{connection}/rules") => json!({
            "eligibility": {"attribute": "attributes.location", "in": ["London", "Paris"]},
            "leaving_statuses": ["terminated"],
            "mapping": {"title": {"from": "attributes.job_title"}},
            "match_order": ["external_id", "user_name", "email"]
        }),
        ("post", "/v1/connections/{connection}/sync") => json!({
            "mode": "plan",
            "people": [{
                "external_id": "E-1815",
                "user_name": "ada.lovelace@example.com",
                "name": {"given_name": "Ada", "family_name": "Lovelace"},
                "attributes": {"job_title": "Lead Analyst", "location": "London"}
            }]
        }),
        _ => return None,
    };
    Some(example)
}

/// Sets the operation's request-body example from the table.
pub fn add(path: &str, method: &str, operation: &mut Operation) {
    if let Some(example) = example(method, path) {
        set_body_example(operation, example);
    }
}
