//! Integration tests of the store against real SQLite files in temporary folders.

#[path = "store/util.rs"]
mod util;

#[path = "store/durability.rs"]
mod durability;
#[path = "store/encryption.rs"]
mod encryption;
#[path = "store/failures.rs"]
mod failures;
#[path = "store/history.rs"]
mod history;
#[path = "store/migrations.rs"]
mod migrations;
#[path = "store/records.rs"]
mod records;
#[path = "store/retention.rs"]
mod retention;
#[path = "store/sessions.rs"]
mod sessions;
#[path = "store/sync_server.rs"]
mod sync_server;
