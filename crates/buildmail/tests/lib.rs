//! Integration tests of the real `buildmail` binary: one module per area.

mod support;

mod cli;
mod notify;
mod send;
mod sim;
