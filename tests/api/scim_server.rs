//! A real, independent SCIM 2.0 server for the tests: scim2-server (PyPI,
//! pinned in tests/requirements.txt, installed by scripts/test), started on a
//! free port per test and killed when dropped.

use std::{path::PathBuf, process::Stdio, time::Duration};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

pub enum ScimAuth {
    Bearer(&'static str),
    Basic(&'static str, &'static str),
}

pub struct ScimServer {
    /// `http://127.0.0.1:<port>/v2`
    pub base_url: String,
    _child: Child,
}

fn python() -> PathBuf {
    std::env::var_os("PROVISIO_TEST_PYTHON").map(PathBuf::from).unwrap_or_else(|| {
        panic!("SCIM tests need scim2-server: run ./scripts/test (it installs it), or set PROVISIO_TEST_PYTHON")
    })
}

impl ScimServer {
    pub async fn start(auth: ScimAuth) -> Self {
        // A free port can be taken between probing and binding; try again then.
        for _ in 0..5 {
            if let Some(server) = Self::try_start(&auth).await {
                return server;
            }
        }
        panic!("scim2-server did not start");
    }

    async fn try_start(auth: &ScimAuth) -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port()
            .to_string();
        let python = python();
        let mut command = match auth {
            ScimAuth::Bearer(token) => {
                let mut c = Command::new(python.with_file_name("scim2-server"));
                c.args([
                    "--hostname",
                    "127.0.0.1",
                    "--port",
                    &port,
                    "--bearer-token",
                    token,
                ]);
                c
            }
            ScimAuth::Basic(user, password) => {
                let script = concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/support/scim_basic_auth_server.py"
                );
                let mut c = Command::new(&python);
                c.args([script, &port, user, password]);
                c
            }
        };
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("scim2-server starts");
        let mut lines = BufReader::new(child.stdout.take()?).lines();
        // The server prints this line once its socket is bound.
        let ready = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with("Serving SCIM on") {
                    return true;
                }
            }
            false
        })
        .await
        .unwrap_or(false);
        // Keep draining stdout so the server can never block on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        ready.then(|| ScimServer {
            base_url: format!("http://127.0.0.1:{port}/v2"),
            _child: child,
        })
    }
}
