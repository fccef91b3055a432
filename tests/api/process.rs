//! provisio as a real process, for tests that signal or kill it.

use std::process::Stdio;

use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    task::JoinHandle,
};

pub struct Process {
    pub address: String,
    pub child: Child,
    /// Reads the log as it is written (a full pipe would block the process),
    /// returning the lines read after start-up when the process exits.
    drain: Option<JoinHandle<Vec<String>>>,
    /// Log lines read so far (all of them after [`Process::wait`]).
    pub log: Vec<String>,
}

impl Process {
    /// Starts `provisio serve` with JSON logs and `env`, and waits until it listens.
    pub async fn start(env: &[(&str, &str)]) -> Process {
        Self::spawn(Command::new(env!("CARGO_BIN_EXE_provisio")), env).await
    }

    /// Like [`Process::start`], with at most `files` open file descriptors.
    pub async fn start_with_file_limit(files: u32, env: &[(&str, &str)]) -> Process {
        let mut command = Command::new("/bin/sh");
        command.args([
            "-c",
            &format!("ulimit -n {files} && exec \"$0\""),
            env!("CARGO_BIN_EXE_provisio"),
        ]);
        Self::spawn(command, env).await
    }

    async fn spawn(mut command: Command, env: &[(&str, &str)]) -> Process {
        command
            .env_clear()
            .env("PROVISIO_LISTEN", "127.0.0.1:0")
            .env("PROVISIO_LOG", "json")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut log = Vec::new();
        let address = loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("provisio exited: {log:?}"));
            let parsed: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            log.push(line);
            if parsed["message"] == "provisio is listening" {
                break parsed["addr"].as_str().unwrap().to_owned();
            }
        };
        let drain = tokio::spawn(async move {
            let mut rest = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                rest.push(line);
            }
            rest
        });
        Process {
            address,
            child,
            drain: Some(drain),
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Sends `signal` (`TERM`, `KILL`) to the process.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit, collecting the rest of its log.
    pub async fn wait(&mut self) -> std::process::ExitStatus {
        let status = self.child.wait().await.unwrap();
        if let Some(drain) = self.drain.take() {
            self.log.extend(drain.await.unwrap());
        }
        status
    }
}
