//! Integration tests of the real `buildmail` binary: one module per area.

mod support;

mod bounds;
mod cli;
mod delivery;
mod explain;
mod first_minutes;
mod hostile;
mod notify;
mod notify_evidence;
mod outbox;
mod send;
mod sim;
mod wire;
