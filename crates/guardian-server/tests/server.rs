//! Integration tests: the real `guardian-server` binary on an ephemeral loopback port,
//! spoken to over real HTTP/1.1 sockets, with a real SQLite file in a temporary folder.

#[path = "server/util.rs"]
mod util;

#[path = "server/api.rs"]
mod api;
#[path = "server/bad_input.rs"]
mod bad_input;
#[path = "server/lifecycle.rs"]
mod lifecycle;
#[path = "server/security.rs"]
mod security;
#[path = "server/sessions.rs"]
mod sessions;
#[path = "server/sync.rs"]
mod sync;
