//! provisio: one REST API to provision and deprovision people in many SaaS apps.
//!
//! Layers, top to bottom: [`api`] (HTTP) → [`service`] (use cases) →
//! [`providers`] (per-app dispatch) → [`scim`] (wire format), with [`store`]
//! (Postgres or SQLite) and [`crypto`] (sealed credentials) beside them, and
//! [`domain`] as the shared vocabulary. [`server`] is the HTTP edge in front of [`api`].

pub mod api;
pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod metrics;
pub mod netguard;
pub mod providers;
pub mod scim;
pub mod server;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;
