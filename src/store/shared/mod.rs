//! The SQL both backends run alike, written once. This folder is compiled
//! twice, as `postgres::shared` and `sqlite::shared` (each backend's `mod.rs`
//! includes it with `#[path]`), and each backend supplies what differs: `Db`,
//! its store type `DbStore`, the id and time codecs (`id`, `time`, `get_id`,
//! `get_opt_id`, `get_time`, `get_opt_time`) and `constraint_from_message`.
//! sqlx's SQLite driver reads `$N` placeholders, so the text is the same on
//! both. What truly differs (claiming items, connecting) stays in the backend.

mod api_keys;
mod connections;
mod idempotency;
mod operations;
mod runs;
mod sync;

use super::{
    CLAIM_LOCK, Db, DbStore, constraint_from_message, get_id, get_opt_id, get_opt_time, get_time,
    id, time,
};

type DbRow = <Db as sqlx::Database>::Row;
