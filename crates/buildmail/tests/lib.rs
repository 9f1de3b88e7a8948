//! Integration tests of the real `buildmail` binary: one module per area.

mod support;

mod cli;
mod explain;
mod notify;
mod sim;
