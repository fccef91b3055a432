//! The files an operator copies: docker-compose.yml and the README's commands.

fn file(name: &str) -> String {
    std::fs::read_to_string(format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn compose_publishes_on_loopback_and_requires_a_database_password() {
    let compose = file("docker-compose.yml");
    assert!(
        compose.contains(r#"- "${PUBLISH_ADDRESS:-127.0.0.1}:${PROVISIO_PORT:-8080}:8080""#),
        "the port is published on every interface by default"
    );
    assert!(
        !compose.contains("POSTGRES_PASSWORD:-"),
        "a default database password"
    );
    assert_eq!(compose.matches("${POSTGRES_PASSWORD:?").count(), 2);
}

#[test]
fn the_readmes_request_bodies_survive_being_pasted() {
    // An ellipsis inside a JSON string is sent as is, and the app refuses the token.
    let readme = file("README.md");
    for line in readme.lines().filter(|l| l.contains(r#""token": ""#)) {
        let token = line
            .split(r#""token": ""#)
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(token.is_ascii(), "not ASCII: {line}");
    }
}
