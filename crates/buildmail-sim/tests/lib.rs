//! The sim driven by independent SMTP clients: lettre's low-level connection, a raw line client,
//! and Python's smtplib. One module per area.

// Helpers outside #[test] functions unwrap too: in a test a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod support;

mod dialogue;
mod garbage;
mod paused_clock;
mod python;
mod scenarios;
mod tls_auth;
