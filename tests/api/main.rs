//! provisio's integration tests: one binary, a real server per test, real
//! SQLite and Postgres databases. Run them with `./scripts/test`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod any_app;
mod api_keys;
mod app_profiles;
mod auth;
mod cache;
mod catalogue;
mod connection_errors;
mod connections;
mod deployment;
mod disk_full;
mod edge;
mod failover;
mod faults;
mod groups;
mod hardening;
mod helpers;
mod idempotency;
mod large_sync;
mod layers;
mod limits;
mod metrics;
mod openapi;
mod operations;
mod ops;
mod patch_answers;
mod process;
mod provider_contracts;
mod proxy;
mod rate_limit;
mod replicas;
mod restart;
mod retries;
mod roles;
#[path = "../support/scim_app.rs"]
pub mod scim_app;
mod scim_app_selftest;
mod scim_server;
mod secret_echo;
mod secrets;
mod security;
mod shared_store;
mod slow_clients;
mod ssrf;
mod startup_logs;
mod store;
mod sync;
mod users;
