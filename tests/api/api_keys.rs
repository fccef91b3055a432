//! API keys managed with `provisio api-key`: hashed at rest, scoped, revocable,
//! beside the keys from the environment.

use serde_json::json;

use crate::{both_backends, helpers::TestDb};

async fn cli(db: &TestDb, args: &[&str]) -> (bool, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_provisio"))
        .arg("api-key")
        .args(args)
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .output()
        .await
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

both_backends! {
    async fn a_created_key_works_is_stored_hashed_and_can_be_revoked(app: TestApp) {
        let (ok, stdout, stderr) = cli(&app.db, &["create", "--name", "hr-system"]).await;
        assert!(ok, "{stderr}");
        let key = stdout.trim().to_owned();
        assert!(key.starts_with("pvs_"), "{stdout}");
        let reply = app.send(app.client.get(app.url("/v1/connections")).bearer_auth(&key)).await;
        assert_eq!(reply.status.as_u16(), 200);

        // The key is kept only as a digest.
        let (_, listed, _) = cli(&app.db, &["list"]).await;
        assert!(listed.contains("hr-system") && listed.contains("read_write"), "{listed}");
        assert!(!listed.contains(&key));
        let dump = app.db.dump_api_keys().await;
        assert!(!dump.contains(&key[4..]), "{dump}");

        let (ok, _, stderr) = cli(&app.db, &["revoke", "hr-system"]).await;
        assert!(ok, "{stderr}");
        let revoked = app.send(app.client.get(app.url("/v1/connections")).bearer_auth(&key)).await;
        revoked.assert_problem(401, "unauthorized");
        let (ok, _, stderr) = cli(&app.db, &["revoke", "hr-system"]).await;
        assert!(!ok && stderr.contains("no active API key"), "{stderr}");
    }

    async fn a_read_only_key_may_only_read(app: TestApp) {
        let (ok, stdout, stderr) = cli(&app.db, &["create", "--name", "dashboard", "--read-only"]).await;
        assert!(ok, "{stderr}");
        let key = stdout.trim().to_owned();
        let read = app.send(app.client.get(app.url("/v1/providers")).bearer_auth(&key)).await;
        assert_eq!(read.status.as_u16(), 200);
        let write = app
            .send(app.client.post(app.url("/v1/connections")).bearer_auth(&key)
                .json(&json!({"name": "c", "provider": "workplace", "credentials": {"type": "bearer", "token": "token-0123456789"}})))
            .await;
        write.assert_problem(403, "forbidden");
        app.get("/v1/connections/c").await.assert_problem(404, "connection_not_found");
    }

    async fn key_names_are_unique(app: TestApp) {
        assert!(cli(&app.db, &["create", "--name", "twice"]).await.0);
        let (ok, _, stderr) = cli(&app.db, &["create", "--name", "twice"]).await;
        assert!(!ok && stderr.contains("another API key has this name"), "{stderr}");
    }
}
