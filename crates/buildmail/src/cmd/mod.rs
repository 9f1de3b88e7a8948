//! One module per subcommand: its flags and the code that turns them into a call of the core.

pub mod common;
pub mod completions;
pub mod deliver;
pub mod demo;
pub mod explain;
pub mod jenkins_reports;
pub mod notify;
pub mod outbox;
pub mod send;
pub mod sim;
