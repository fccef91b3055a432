//! The stand-in SCIM 2.0 app of the tests as a program, for benchmarks and by hand:
//!
//! cargo run --release --example scim_app -- --port 0 --quirk count-500 --quirk ignore-filter
//!
//! It starts empty, prints `listening on http://127.0.0.1:PORT/scim/v2` once bound,
//! and serves until killed. Quirks: see `Quirk` in tests/support/scim_app.rs.

#[path = "../tests/support/scim_app.rs"]
mod scim_app;

use clap::Parser;
use scim_app::{Options, Quirk, ScimApp};

#[derive(Parser)]
#[command(about = "An in-memory SCIM 2.0 app with switchable bad habits")]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Require `Authorization: Bearer <token>`.
    #[arg(long)]
    bearer_token: Option<String>,
    /// A bad habit to switch on (repeatable).
    #[arg(long = "quirk", value_name = "QUIRK", value_parser = parse_quirk)]
    quirks: Vec<Quirk>,
    /// The largest page a listing returns.
    #[arg(long, default_value_t = 1000)]
    max_page_size: usize,
    /// Where SCIM lives on the server.
    #[arg(long, default_value = "/scim/v2")]
    prefix: String,
    /// Print an access-log line per request (`"GET /scim/v2/Users HTTP/1.1" 200`).
    #[arg(long)]
    log_requests: bool,
}

fn parse_quirk(name: &str) -> Result<Quirk, String> {
    Quirk::parse(name).ok_or_else(|| {
        let known: Vec<&str> = Quirk::ALL.iter().map(|q| q.name()).collect();
        format!("unknown quirk; known: {}", known.join(", "))
    })
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let app = ScimApp::bind(Options {
        port: args.port,
        bearer_token: args.bearer_token,
        quirks: args.quirks,
        max_page_size: args.max_page_size,
        prefix: args.prefix,
        log_requests: args.log_requests,
    })
    .await?;
    println!("listening on {}", app.base_url());
    tokio::signal::ctrl_c().await
}
