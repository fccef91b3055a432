//! The connections API, on both backends.

use provisio::domain::ProviderKind;
use serde_json::json;

use crate::both_backends;

fn bearer(token: &str) -> serde_json::Value {
    json!({"type": "bearer", "token": token})
}

both_backends! {
    async fn a_workplace_connection_needs_only_a_name_and_a_token(app: TestApp) {
        let created = app
            .create_connection(json!({"name": "acme-wp", "provider": "workplace", "credentials": bearer("EAAB-secret-token-abcd")}))
            .await;
        assert_eq!(created["instance_url"], "https://scim.workplace.com/");
        assert_eq!(created["provider"], "workplace");
        assert_eq!(created["credentials"], json!({"type": "bearer", "hint": "abcd"}));
    }

    async fn creating_answers_201_with_a_location_and_never_the_secret(app: TestApp) {
        let reply = app
            .post("/v1/connections", json!({
                "name": "hr-scim", "provider": "scim", "instance_url": "https://scim.example.com/v2",
                "credentials": {"type": "basic", "username": "svc-provisio", "password": "correct-horse-battery"}
            }))
            .await;
        assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
        let body = reply.json();
        let id = body["id"].as_str().unwrap();
        assert_eq!(reply.header("location"), Some(format!("/v1/connections/{id}").as_str()));
        assert_eq!(body["credentials"], json!({"type": "basic", "hint": "tery"}));
        for secret in ["svc-provisio", "correct-horse-battery"] {
            assert!(!reply.text.contains(secret), "{}", reply.text);
        }
        let fetched = app.get(&format!("/v1/connections/{id}")).await;
        assert!(!fetched.text.contains("correct-horse-battery"));
    }

    async fn a_connection_is_found_by_id_and_by_name(app: TestApp) {
        let created = app
            .create_connection(json!({"name": "wiva", "provider": "workiva", "instance_url": "https://api.app.wdesk.com/scim/v2",
                "credentials": {"type": "basic", "username": "prov-id", "password": "prov-secret-0001"}}))
            .await;
        let by_id = app.get(&format!("/v1/connections/{}", created["id"].as_str().unwrap())).await.json();
        let by_name = app.get("/v1/connections/wiva").await.json();
        assert_eq!(by_id, created);
        assert_eq!(by_name, created);
    }

    async fn listing_pages_through_every_connection_in_name_order(app: TestApp) {
        for name in ["e-5", "a-1", "d-4", "b-2", "c-3"] {
            app.create_connection(json!({"name": name, "provider": "workplace", "credentials": bearer("token-0123456789")})).await;
        }
        let mut names = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/connections?page_size=2&cursor={c}"),
                None => "/v1/connections?page_size=2".to_owned(),
            };
            let page = app.get(&path).await.json();
            pages += 1;
            names.extend(page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(names, ["a-1", "b-2", "c-3", "d-4", "e-5"]);
        assert_eq!(pages, 3);
    }

    async fn names_are_unique(app: TestApp) {
        let body = json!({"name": "dup", "provider": "workplace", "credentials": bearer("token-0123456789")});
        app.create_connection(body.clone()).await;
        let reply = app.post("/v1/connections", body).await;
        let problem = reply.assert_problem(409, "connection_exists");
        assert_eq!(problem["errors"][0]["field"], "name");
    }

    async fn patching_renames_moves_and_replaces_credentials(app: TestApp) {
        let created = app
            .create_connection(json!({"name": "intra", "provider": "interact", "instance_url": "https://intranet.example.com",
                "credentials": bearer("first-token-0000"), "settings": {"login_type": "SAML"}}))
            .await;
        assert_eq!(created["instance_url"], "https://intranet.example.com/api/v2/scim/v2");
        let reply = app
            .patch("/v1/connections/intra", json!({
                "name": "intranet",
                "instance_url": "https://new-intranet.example.com",
                "credentials": bearer("second-token-1111"),
                "settings": {"login_type": "windows login"}
            }))
            .await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
        let patched = reply.json();
        assert_eq!(patched["id"], created["id"]);
        assert_eq!(patched["name"], "intranet");
        assert_eq!(patched["instance_url"], "https://new-intranet.example.com/api/v2/scim/v2");
        assert_eq!(patched["credentials"], json!({"type": "bearer", "hint": "1111"}));
        assert_eq!(patched["settings"], json!({"login_type": "Windows Login"}));
        assert_eq!(patched["created_at"], created["created_at"]);
        assert_ne!(patched["updated_at"], created["updated_at"]);
        assert_eq!(app.get("/v1/connections/intranet").await.json(), patched);
        app.get("/v1/connections/intra").await.assert_problem(404, "connection_not_found");
    }

    async fn patching_with_null_instance_url_restores_the_default(app: TestApp) {
        app.create_connection(json!({"name": "wp", "provider": "workplace", "instance_url": "https://scim.example.org/",
            "credentials": bearer("token-0123456789")})).await;
        let patched = app
            .patch("/v1/connections/wp", json!({"instance_url": null, "credentials": bearer("token-for-meta-01")}))
            .await
            .json();
        assert_eq!(patched["instance_url"], "https://scim.workplace.com/");
    }

    async fn moving_to_another_host_needs_the_credentials_again(app: TestApp) {
        app.create_connection(json!({"name": "s", "provider": "scim", "instance_url": "https://scim.example.org/v2",
            "credentials": bearer("token-0123456789")})).await;
        // Same host, other path: the stored credentials may follow.
        let moved = app.patch("/v1/connections/s", json!({"instance_url": "https://scim.example.org/v3"})).await;
        assert_eq!(moved.status.as_u16(), 200, "{}", moved.text);
        // Another host (or scheme, or port) would send the stored secret somewhere new.
        for url in ["https://attacker.example.net/v2", "http://scim.example.org/v2", "https://scim.example.org:8443/v2"] {
            app.patch("/v1/connections/s", json!({"instance_url": url}))
                .await
                .assert_invalid_fields(&["credentials"]);
        }
        let unchanged = app.get("/v1/connections/s").await.json();
        assert_eq!(unchanged["instance_url"], "https://scim.example.org/v3");
    }

    async fn null_settings_remove_every_setting(app: TestApp) {
        app.create_connection(json!({"name": "i", "provider": "interact", "instance_url": "https://intranet.example.com",
            "credentials": bearer("token-0123456789"), "settings": {"login_type": "SAML", "request_timeout_seconds": 5}})).await;
        let patched = app.patch("/v1/connections/i", json!({"settings": {"request_timeout_seconds": null}})).await.json();
        assert_eq!(patched["settings"], json!({"login_type": "SAML"}));
        // Interact needs its login type, so clearing everything is refused, naming it.
        app.patch("/v1/connections/i", json!({"settings": null}))
            .await
            .assert_invalid_fields(&["settings.login_type"]);
    }

    async fn patching_keeps_what_is_absent(app: TestApp) {
        let created = app
            .create_connection(json!({"name": "eight", "provider": "8x8",
                "instance_url": "https://platform.8x8.com/udi/customers/cust-77/scim/v2/Users",
                "credentials": {"type": "api_key", "token": "8x8-token-abcdefgh"}}))
            .await;
        assert_eq!(created["settings"], json!({"customer_id": "cust-77"}));
        let patched = app.patch("/v1/connections/eight", json!({"name": "eight-by-eight"})).await.json();
        assert_eq!(patched["instance_url"], created["instance_url"]);
        assert_eq!(patched["settings"], created["settings"]);
        assert_eq!(patched["credentials"], created["credentials"]);
    }

    async fn renaming_onto_a_taken_name_conflicts(app: TestApp) {
        for name in ["one", "two"] {
            app.create_connection(json!({"name": name, "provider": "workplace", "credentials": bearer("token-0123456789")})).await;
        }
        app.patch("/v1/connections/two", json!({"name": "one"})).await.assert_problem(409, "connection_exists");
    }

    async fn the_provider_of_a_connection_cannot_change(app: TestApp) {
        app.create_connection(json!({"name": "wp", "provider": "workplace", "credentials": bearer("token-0123456789")})).await;
        app.patch("/v1/connections/wp", json!({"provider": "scim"})).await.assert_invalid_fields(&["provider"]);
        let same = app.patch("/v1/connections/wp", json!({"provider": "workplace"})).await;
        assert_eq!(same.status.as_u16(), 200, "{}", same.text);
    }

    async fn a_patch_is_validated_against_the_provider(app: TestApp) {
        app.create_connection(json!({"name": "wp", "provider": "workplace", "credentials": bearer("token-0123456789")})).await;
        app.patch("/v1/connections/wp", json!({"credentials": {"type": "basic", "username": "u", "password": "p"}}))
            .await
            .assert_invalid_fields(&["credentials.type"]);
        app.patch("/v1/connections/wp", json!({"settings": {"customer_id": "x"}}))
            .await
            .assert_invalid_fields(&["settings.customer_id"]);
        app.patch("/v1/connections/wp", json!({"name": null})).await.assert_invalid_fields(&["name"]);
    }

    async fn deleting_forgets_the_connection(app: TestApp) {
        let created = app.create_connection(json!({"name": "gone", "provider": "workplace", "credentials": bearer("token-0123456789")})).await;
        let reply = app.delete("/v1/connections/gone").await;
        assert_eq!(reply.status.as_u16(), 204);
        assert!(reply.text.is_empty());
        app.get(&format!("/v1/connections/{}", created["id"].as_str().unwrap())).await.assert_problem(404, "connection_not_found");
        app.delete("/v1/connections/gone").await.assert_problem(404, "connection_not_found");
        assert_eq!(app.get("/v1/connections").await.json()["items"], json!([]));
    }

    async fn unknown_connections_are_404(app: TestApp) {
        app.get("/v1/connections/nobody").await.assert_problem(404, "connection_not_found");
        app.get("/v1/connections/0190b5a2-7c3e-7d4a-9f00-123456789abc").await.assert_problem(404, "connection_not_found");
        app.get("/v1/connections/NOT%20A%20NAME").await.assert_problem(404, "connection_not_found");
        app.patch("/v1/connections/nobody", json!({"name": "x"})).await.assert_problem(404, "connection_not_found");
    }

    async fn each_provider_validates_what_it_needs(app: TestApp) {
        // 8x8: the customer id comes from settings or the pasted URL.
        let eight = app
            .create_connection(json!({"name": "e1", "provider": "8x8", "credentials": {"type": "api_key", "token": "tok-0123456789ab"},
                "settings": {"customer_id": "c-1"}}))
            .await;
        assert_eq!(eight["instance_url"], "https://platform.8x8.com/udi/customers/c-1/scim/v2");
        app.post("/v1/connections", json!({"name": "e2", "provider": "8x8", "credentials": {"type": "api_key", "token": "tok-0123456789ab"}}))
            .await
            .assert_invalid_fields(&["settings.customer_id"]);
        // Interact: a login type and the intranet URL.
        app.post("/v1/connections", json!({"name": "i1", "provider": "interact", "credentials": bearer("token-0123456789")}))
            .await
            .assert_invalid_fields(&["settings.login_type", "instance_url"]);
        // Workiva: Basic or bearer, but no API key type.
        app.post("/v1/connections", json!({"name": "w1", "provider": "workiva", "instance_url": "https://h.example.com/scim",
                "credentials": {"type": "api_key", "token": "tok-0123456789ab"}}))
            .await
            .assert_invalid_fields(&["credentials.type"]);
        // Generic SCIM needs its URL.
        app.post("/v1/connections", json!({"name": "s1", "provider": "scim", "credentials": bearer("token-0123456789")}))
            .await
            .assert_invalid_fields(&["instance_url"]);
    }

    async fn the_provider_catalogue_lists_every_provider_and_its_needs(app: TestApp) {
        let catalogue = app.get("/v1/providers").await.json();
        let items = catalogue["items"].as_array().unwrap();
        let ids: Vec<&str> = items.iter().map(|p| p["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ProviderKind::ALL.map(ProviderKind::as_str));
        let entry = |kind: ProviderKind| &items[ids.iter().position(|id| *id == kind.as_str()).unwrap()];
        let eight = entry(ProviderKind::EightByEight);
        assert_eq!(eight["auth_types"], json!(["api_key", "bearer"]));
        assert_eq!(eight["settings"][0]["name"], "customer_id");
        assert_eq!(eight["settings"][0]["required"], true);
        assert_eq!(eight["capabilities"]["delete"], false);
        let interact = entry(ProviderKind::Interact);
        assert_eq!(interact["settings"][0]["values"], json!(["SAML", "Local Login", "Windows Login"]));
        assert_eq!(entry(ProviderKind::Workplace)["instance_url"]["default"], "https://scim.workplace.com/");
    }
}
