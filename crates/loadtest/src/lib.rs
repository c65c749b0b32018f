//! The harnesses that drive the real `styringsdialog` binary from outside, as its users and
//! its operators would: the load benchmark (`loadtest`, src/main.rs) and the crash harness
//! (`crashtest`, src/bin/crashtest.rs). Both start the server on a fresh national demo on
//! SQLite or PostgreSQL ([`server`]) and sign its users in ([`setup`]).

pub mod html;
pub mod journeys;
pub mod phases;
pub mod quiet;
pub mod report;
pub mod server;
pub mod setup;
