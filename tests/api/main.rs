//! provisio's integration tests: one binary, a real server per test, real
//! SQLite and Postgres databases. Run them with `./scripts/test`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod connection_errors;
mod connections;
mod faults;
mod helpers;
mod openapi;
mod ops;
mod provider_contracts;
mod scim_server;
mod secrets;
mod ssrf;
mod store;
mod users;
