//! One module per subcommand: its flags and the code that turns them into a call of the core.

pub mod choices;
pub mod common;
pub mod completions;
pub mod config_check;
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
        Command::Send(args) => {
            let (reports, output) = (args.smtp.reports.clone(), args.smtp.output);
            json_on_error(output, reports.after(send::run(args)))
        }
        Command::Notify(args) => {
            let (reports, output) = (args.smtp.reports.clone(), args.smtp.output);
            json_on_error(output, reports.after(notify::run(args)))
        }
        Command::Explain(args) => explain::run(args),
        Command::Outbox(args) => outbox::run(args),
        Command::Sim(args) => sim::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Config(args) => config_check::run(args),
    }
}

/// With `--output json`, stdout always holds exactly one object: a failure before any attempt
/// (a missing flag, a bad address, a bad URL) prints `{"status": "failed", "error": {kind,
/// message}}` too. The error still goes to stderr and decides the exit code.
pub(crate) fn json_on_error(
    output: common::OutputFormat,
    result: anyhow::Result<Exit>,
) -> anyhow::Result<Exit> {
    if let (common::OutputFormat::Json, Err(error)) = (output, &result) {
        let exit = crate::exit::exit_for(error);
        let object = serde_json::json!({
            "status": "failed",
            "error": {"kind": exit.kind(), "message": format!("{error:#}")},
        });
        // A closed stdout is no reason to hide the error itself: stderr and the code still say it.
        let _ = crate::out::stdout(format!("{object:#}\n").as_bytes());
    }
    result
}

/// A multi-threaded tokio runtime for the commands that talk to the network.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context as _;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
