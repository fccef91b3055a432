//! What a first start writes: one JSON object per line with `PROVISIO_LOG=json`,
//! never the generated API key in the log stream, no colour codes into a pipe,
//! and a failure said once, as prose.

use serde_json::Value;

use crate::process::Process;

#[tokio::test]
async fn a_first_start_in_json_keeps_every_line_json_and_the_api_key_out_of_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut process = Process::start(&[("PROVISIO_DATA_DIR", data.to_str().unwrap())]).await;
    process.signal("TERM");
    process.wait().await;
    let key = std::fs::read_to_string(data.join("api-key")).unwrap();
    let key = key.trim();
    assert!(key.len() > 16);
    let mut told_where = false;
    for line in &process.log {
        let parsed: Value = serde_json::from_str(line)
            .unwrap_or_else(|_| panic!("not one JSON object per line: {line:?}"));
        assert!(!line.contains(key), "the API key is in the log: {line}");
        told_where |= parsed["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("api-key"));
    }
    assert!(
        told_where,
        "the log does not say where the key is: {:?}",
        process.log
    );
}

#[test]
fn a_failed_start_says_so_once_without_colour_codes() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_provisio"))
        .env_clear()
        .env("PROVISIO_LISTEN", &address)
        .env("PROVISIO_LOG", "pretty")
        .env("PROVISIO_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        !stderr.contains('\u{1b}'),
        "colour codes in a pipe: {stderr}"
    );
    assert_eq!(stderr.matches("Could not listen").count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("Could not listen on {address}. ")),
        "{stderr}"
    );
}
