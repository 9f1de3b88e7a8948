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

use crate::cli::{Cli, Command};
use crate::exit::Exit;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Send(args) => args.smtp.reports.clone().after(send::run(args)),
        Command::Notify(args) => args.smtp.reports.clone().after(notify::run(args)),
        Command::Explain(args) => explain::run(args),
        Command::Outbox(args) => outbox::run(args),
        Command::Sim(args) => sim::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Completions(args) => completions::run(args),
    }
}

/// The tokio runtime for the commands that talk to the network. One thread: a command drives one
/// delivery (or one sim) at a time, and worker threads cost start-up time and memory for nothing.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context as _;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
