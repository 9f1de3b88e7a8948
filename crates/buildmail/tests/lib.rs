//! Integration tests of the real `buildmail` binary: one module per area.

mod support;

mod cli;
mod delivery;
mod explain;
mod notify;
mod outbox;
mod send;
mod sim;
