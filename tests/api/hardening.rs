//! Security round two, second part: what an attack run found about limits,
//! keys, storage and memory, each proven fixed.

use serde_json::json;

use crate::helpers::{Backend, spawn_app};

#[tokio::test]
async fn an_8x8_customer_id_of_dots_is_refused_rather_than_collapsing_the_path() {
    let app = spawn_app(Backend::Sqlite).await;
    for customer_id in ["..", ".", " .. "] {
        let reply = app
            .post(
                "/v1/connections",
                json!({"name": "c", "provider": "8x8",
                "settings": {"customer_id": customer_id},
                "credentials": {"type": "api_key", "token": "token-0123456789"}}),
            )
            .await;
        reply.assert_invalid_fields(&["settings.customer_id"]);
    }
    // A dot inside an id is still an id.
    app.create_connection(json!({"name": "c", "provider": "8x8",
        "settings": {"customer_id": "acme.eu"},
        "credentials": {"type": "api_key", "token": "token-0123456789"}}))
        .await;
}
